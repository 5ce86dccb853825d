from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = "Catalog and cohorts"

    def ready(self):
        from keys.services import key_compromised

        from . import checks  # noqa: F401 - registers the deploy checks

        key_compromised.connect(_resign_credentials, dispatch_uid="courses-resign-credentials")


def _resign_credentials(sender, kid: str, **kwargs) -> str:
    from .credentials import credentials_resign

    return f"credentials signed again with the active key: {credentials_resign(kid)}"
