from django.apps import AppConfig


class LtiToolConfig(AppConfig):
    name = "lti_tool"
    verbose_name = "LTI registrations and launches"

    def ready(self) -> None:
        from . import checks, signals  # noqa: F401  (signals and system checks)
