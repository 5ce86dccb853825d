from django.apps import AppConfig

from courses.pages import COHORT_PAGE, TRAINER_DASHBOARD, panel_register


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "Program view"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from courses.content_extensions import program_key_register

        from .panels import lead_panel
        from .program_keys import DEADLINE, REMINDERS
        from .reminders import reminders_register

        # A lead reaches the program view from any launch: a panel on My modules and on the
        # trainer dashboard, shown to leads only.
        panel_register(page=COHORT_PAGE, provider=lead_panel)
        panel_register(page=TRAINER_DASHBOARD, provider=lead_panel)
        program_key_register(DEADLINE)
        program_key_register(REMINDERS)
        # Weekly digests and deadline reminders (notifications/), for programs that ask.
        reminders_register()
