from django.apps import AppConfig

from courses.pages import MODULE_PAGE, page_flag_register, page_section_register


class MasteryConfig(AppConfig):
    name = "mastery"
    verbose_name = "Mastery checks"

    def ready(self) -> None:
        from .pages import module_page_section, page_flags

        # The module page (courses/) shows the check's status and the evidence form, and its
        # placement query says what this teacher has here.
        page_section_register(page=MODULE_PAGE, provider=module_page_section)
        for name, builder in page_flags().items():
            page_flag_register(name, builder)
