from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "exchange"
    verbose_name = "Practice exchange"

    def ready(self):
        # reason: AppConfig.ready() is where an app may import models and register hooks
        from courses.pages import MODULE_PAGE, panel_register
        from notifications.services import kind_register

        from .panels import module_panel
        from .services import KINDS

        panel_register(page=MODULE_PAGE, provider=module_panel)
        for kind in KINDS:
            kind_register(kind)
