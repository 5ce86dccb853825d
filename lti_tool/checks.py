"""System checks for the protections Ignite provides in its own way.

Django's `check --deploy` warns security.W002 (no XFrameOptionsMiddleware) and security.W003
(no CsrfViewMiddleware) because Ignite replaces both: pages live in an LMS iframe, so
`SecurityHeadersMiddleware` sends `Content-Security-Policy: frame-ancestors` with the
registered platforms' origins (and X-Frame-Options: DENY on the admin); and
`LaunchCsrfViewMiddleware` is Django's CSRF middleware extended to accept a launch token in
place of a cookie. Those two warnings are silenced in settings; these checks take their place,
so removing either middleware is an error rather than a silent loss.
"""

from __future__ import annotations

from django.conf import settings
from django.core import checks

REQUIRED_MIDDLEWARE = {
    "pagesession.middleware.LaunchCsrfViewMiddleware": (
        "ignite.E001",
        "CSRF protection: Ignite's LaunchCsrfViewMiddleware (Django's CsrfViewMiddleware "
        "extended for launch tokens) is not in MIDDLEWARE.",
    ),
    "lti_tool.middleware.SecurityHeadersMiddleware": (
        "ignite.E002",
        "Framing protection: Ignite's SecurityHeadersMiddleware (CSP frame-ancestors on tool "
        "pages, X-Frame-Options: DENY on the admin) is not in MIDDLEWARE.",
    ),
}


@checks.register(checks.Tags.security)
def own_security_middleware(app_configs=None, **kwargs) -> list:
    return [
        checks.Error(message, hint=f"Add {path!r} to MIDDLEWARE.", id=check_id)
        for path, (check_id, message) in REQUIRED_MIDDLEWARE.items()
        if path not in settings.MIDDLEWARE
    ]
