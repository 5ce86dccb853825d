from django.core.checks import Warning, register
from django.db import DatabaseError


@register("ignite", deploy=True)
def active_key_check(app_configs=None, **kwargs):
    from .models import ToolKey

    try:
        has_key = ToolKey.objects.active().exists()
    except DatabaseError:  # before migrate: nothing to check yet
        return []
    if has_key:
        return []
    return [
        Warning(
            "The tool has no active signing key.",
            hint="Run `python manage.py keys generate` (one is also made on first launch).",
            id="ignite.W003",
        )
    ]
