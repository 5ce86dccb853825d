"""The launch token: what every page after the launch carries instead of a cookie.

Inside an LMS iframe, Safari and privacy settings block third-party cookies, so the launch is
passed from page to page as a signed, expiring token (HMAC with SECRET_KEY, via
django.core.signing) in the URL (`?lt=`) or a form field named `lt`. It holds only ids: what it
names is read from the database, scoped to that cohort, on each request.

A token is bound to the browser that launched where the browser keeps a cookie: it carries
`binding`, a hash of a random value kept in a partitioned cookie (pagesession/binding.py), and a
request only carries the session when that cookie comes with it (pagesession/middleware.py). A
token of a launch in a frame that keeps no cookie at all has no binding; it names its launch
time instead, so that the short-lived tokens its pages pass on never outlive the launch.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.core import signing


class LaunchTokenError(Exception):
    """The tool's own launch token (carried by pages after the launch) is bad or expired."""


SALT = "ignite.launch-token.v1"
PARAM = "lt"
HEADER = "HTTP_X_IGNITE_LAUNCH"


@dataclass(frozen=True)
class LaunchClaims:
    platform_id: int
    deployment_id: int
    participant_id: int
    cohort_id: int
    placement_id: int | None
    role: str
    binding: str = ""  # hash of the browser's binding cookie; "" when the launch had no cookie
    launched_at: int | None = None  # set on unbound tokens only
    issued_at: int = field(default=0, compare=False)  # when the token read was signed

    def to_token(self) -> str:
        payload = [
            self.platform_id,
            self.deployment_id,
            self.participant_id,
            self.cohort_id,
            self.placement_id,
            self.role,
            self.binding,
        ]
        if not self.binding:
            # Launch time, and the seconds since it at signing (both by `now`, which tests move).
            issued = int(now())
            launched = self.launched_at or issued
            payload += [launched, max(issued - launched, 0)]
        return signing.dumps(payload, salt=SALT)

    def bound_to(self, binding: str) -> LaunchClaims:
        return replace(self, binding=binding, launched_at=None)

    @classmethod
    def from_token(cls, token: str) -> LaunchClaims:
        try:
            data = signing.loads(token, salt=SALT, max_age=settings.IGNITE_LAUNCH_TOKEN_TTL)
        except signing.SignatureExpired as exc:
            raise LaunchTokenError("expired") from exc
        except signing.BadSignature as exc:
            raise LaunchTokenError("invalid") from exc
        if not isinstance(data, list) or len(data) not in (6, 7, 9):
            raise LaunchTokenError("malformed")
        # Tokens made before binding existed (6 values) count as unbound, launched when signed.
        platform_id, deployment_id, participant_id, cohort_id, placement_id, role = data[:6]
        binding = data[6] if len(data) > 6 and isinstance(data[6], str) else ""
        issued_at = token_issued_at(token)
        launched_at = None
        if not binding:
            launched_at = issued_at
            if len(data) == 9 and isinstance(data[7], int) and isinstance(data[8], int):
                launched_at, issued_at = data[7], data[7] + data[8]
            if now() - launched_at > settings.IGNITE_LAUNCH_TOKEN_TTL:
                raise LaunchTokenError("expired")
        return cls(
            platform_id, deployment_id, participant_id, cohort_id, placement_id, role,
            binding, launched_at, issued_at,
        )  # fmt: skip


def now() -> float:
    """The clock launch tokens are judged by (tests move it)."""
    return time.time()


def token_issued_at(token: str) -> int:
    """When a token that has passed `signing.loads` was signed (its timestamp part)."""
    try:
        return signing.b62_decode(token.rsplit(":", 2)[1])
    except (IndexError, ValueError):
        return 0
