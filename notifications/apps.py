from django.apps import AppConfig
from django.core import checks


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications by email"

    def ready(self):
        from .checks import email_configured  # reason: ready() is where checks are registered

        checks.register(email_configured, deploy=True)
