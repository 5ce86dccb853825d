from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save

from courses.pages import COHORT_PAGE, TRAINER_DASHBOARD, panel_register


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "Program view"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from courses.content_extensions import program_key_register

        from .leads import lead_changed
        from .models import ProgramLead
        from .panels import lead_panel
        from .program_keys import DEADLINE, REMINDERS
        from .reminders import reminders_register

        # A lead reaches the program view from any launch: a panel on My modules and on the
        # trainer dashboard, shown to leads only.
        panel_register(page=COHORT_PAGE, provider=lead_panel)
        panel_register(page=TRAINER_DASHBOARD, provider=lead_panel)
        # Each process keeps who could be a lead (reporting/leads.py): a lead named, changed or
        # removed here is seen at once.
        post_save.connect(lead_changed, sender=ProgramLead, dispatch_uid="reporting.lead_saved")
        post_delete.connect(lead_changed, sender=ProgramLead, dispatch_uid="reporting.lead_deleted")
        program_key_register(DEADLINE)
        program_key_register(REMINDERS)
        # Weekly digests and deadline reminders (notifications/), for programs that ask.
        reminders_register()
