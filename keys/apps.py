from django.apps import AppConfig


class KeysConfig(AppConfig):
    name = "keys"
    verbose_name = "Tool signing keys"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
