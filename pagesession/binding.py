"""Launch tokens bound to the browser that launched.

A page's launch token travels in its URL, so a URL pasted into an email, left in a shared
computer's history or written in a proxy's log would carry the session elsewhere. Where the
browser keeps a cookie in the LMS frame (the login-state cookie came back), the launch sets a
partitioned cookie holding a random value, and the token carries a hash of it: a request
carries the session only when the cookie comes with the token (pagesession/middleware.py).

Where the frame keeps no cookie at all, a trainer's launch goes on in a window of its own
through a one-time handoff code (`handoff_issue` / `handoff_take`): the new window is first
party, keeps the cookie, and gets a bound token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from .cookies import partitioned_cookie_set
from .launch_token import LaunchClaims

BIND_COOKIE = "ignite-bind"
HANDOFF_TTL = 120  # seconds a trainer has to click "open in a new window"
_VALUE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def binding_hash(value: str) -> str:
    """What a token carries: 16 characters, enough that guessing is hopeless, short in URLs."""
    digest = hashlib.sha256(b"ignite.launch-binding:" + value.encode()).digest()[:12]
    return base64.urlsafe_b64encode(digest).decode()


def binding_value(*, request: HttpRequest) -> str:
    """This browser's binding value: the one it already holds (so tabs and relaunches in the same
    LMS page keep working side by side), or a new one."""
    current = request.COOKIES.get(BIND_COOKIE, "")
    return current if _VALUE.match(current) else secrets.token_urlsafe(32)


def binding_set(*, response: HttpResponse, value: str) -> None:
    partitioned_cookie_set(
        response=response,
        name=BIND_COOKIE,
        value=value,
        max_age=settings.IGNITE_LAUNCH_TOKEN_TTL,
    )


def binding_matches(*, request: HttpRequest, expected: str) -> bool:
    value = request.COOKIES.get(BIND_COOKIE, "")
    return bool(expected and value) and hmac.compare_digest(binding_hash(value), expected)


def _handoff_key(code: str) -> str:
    return "lti:handoff:" + hashlib.sha256(code.encode()).hexdigest()


def handoff_issue(*, claims: LaunchClaims, target: str) -> str:
    """A single-use code, valid HANDOFF_TTL seconds, that opens this launch in another window
    at `target` (a path of this tool: the landing page, or the deep-linking picker)."""
    code = secrets.token_urlsafe(32)
    cache.set(_handoff_key(code), (claims, target), HANDOFF_TTL)
    return code


def handoff_take(*, code: str) -> tuple[LaunchClaims, str] | None:
    """The launch and page a handoff code names, once; None for an unknown, used or expired
    code."""
    if not code or len(code) > 100:
        return None
    key = _handoff_key(code)
    handed = cache.get(key)
    # Whoever deletes the entry owns it: a second use of the same code finds nothing.
    if not cache.delete(key):
        return None
    if not (isinstance(handed, tuple) and len(handed) == 2):
        return None
    claims, target = handed
    if not isinstance(claims, LaunchClaims) or not str(target).startswith("/"):
        return None
    return claims, target
