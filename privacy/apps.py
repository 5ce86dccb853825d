from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = "Data rights and privacy"

    def ready(self) -> None:
        from . import audit

        # The apps below send these events (or Django does); they never import this app.
        audit.audit_connect()
