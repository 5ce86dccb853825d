from django.apps import AppConfig

from courses.pages import MODULE_PAGE, page_section_register


class MasteryConfig(AppConfig):
    name = "mastery"
    verbose_name = "Mastery checks"

    def ready(self) -> None:
        from .pages import module_page_section

        # The module page (courses/) shows the check's status and the evidence form.
        page_section_register(page=MODULE_PAGE, provider=module_page_section)
