from django.apps import AppConfig


class LtiToolConfig(AppConfig):
    name = "lti_tool"
    verbose_name = "LTI registrations and launches"

    def ready(self) -> None:
        from . import signals  # noqa: F401
