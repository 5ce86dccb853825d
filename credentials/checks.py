"""`manage.py check --deploy`: settings a district must get right before issuing credentials."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def credential_urls(app_configs=None, **kwargs) -> list:
    """Credentials name Ignite's public URLs (issuer, keys, revocation lists) for years."""
    base = settings.IGNITE_BASE_URL
    if not base:
        return [
            checks.Warning(
                "IGNITE_BASE_URL is not set: micro-credentials will name whatever host a "
                "request came in on, and verifiers fetch those URLs for years.",
                hint="Set IGNITE_BASE_URL to Ignite's public address, e.g. "
                "https://ignite.district.example, before the first credential is issued.",
                id="ignite.W001",
            )
        ]
    if urlsplit(base).scheme != "https":
        return [
            checks.Warning(
                f"IGNITE_BASE_URL is {base!r}: credentials and LMS platforms need https.",
                hint="Use the https:// address people and LMSs reach Ignite at.",
                id="ignite.W002",
            )
        ]
    return []
