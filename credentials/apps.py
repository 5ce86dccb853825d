from django.apps import AppConfig

from courses.pages import MASTERY_RESULT, page_section_register
from courses.signals import program_imported
from keys.signals import key_compromised
from mastery.signals import mastery_reached


class CredentialsConfig(AppConfig):
    name = "credentials"
    verbose_name = "Micro-credentials (Open Badges 3.0)"

    def ready(self) -> None:
        # This app's own modules load models: only once the app registry is ready.
        from . import checks, receivers  # noqa: F401 - checks registers the deploy checks

        # Events of the apps below, answered here so that they never import this app.
        key_compromised.connect(
            receivers.credentials_resign_on_compromise, dispatch_uid="cred-resign"
        )
        mastery_reached.connect(receivers.credentials_award_on_mastery, dispatch_uid="cred-award")
        program_imported.connect(receivers.achievements_import, dispatch_uid="cred-achievements")
        page_section_register(page=MASTERY_RESULT, provider=receivers.mastery_result_section)
