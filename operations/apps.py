from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "operations"
    verbose_name = "Operations: health, readiness, metrics, deploy"

    def ready(self) -> None:
        from . import metrics  # noqa: F401  (connects the counters to lti_tool's events)
