from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "exchange"
    verbose_name = "Practice exchange"

    def ready(self):
        # reason: AppConfig.ready() is where an app may import models and register hooks
        from courses.pages import MODULE_PAGE, TRAINER_DASHBOARD, page_flag_register, panel_register
        from notifications.services import kind_register

        from .panels import module_panel, trainer_panel
        from .services import KINDS, page_flags

        panel_register(page=MODULE_PAGE, provider=module_panel)
        panel_register(page=TRAINER_DASHBOARD, provider=trainer_panel)
        for name, builder in page_flags().items():
            page_flag_register(name, builder)
        for kind in KINDS:
            kind_register(kind)
