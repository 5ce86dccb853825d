from django.conf import settings
from django.core.checks import Warning as CheckWarning


def email_configured(app_configs=None, **kwargs):
    if settings.IGNITE_EMAIL_ENABLED:
        return []
    return [
        CheckWarning(
            "EMAIL_URL is not set: Ignite queues notifications (responses, sessions, digests) "
            "but sends none.",
            hint="Set EMAIL_URL to your SMTP server, e.g. smtp+tls://user:password@host:587.",
            id="ignite.W004",
        )
    ]
