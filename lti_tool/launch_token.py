"""The launch token: what every page after the launch carries instead of a cookie.

Inside an LMS iframe, Safari and privacy settings block third-party cookies, so the launch is
passed from page to page as a signed, expiring token (HMAC with SECRET_KEY, via
django.core.signing) in the URL (`?lt=`) or a form field named `lt`. It holds only ids: what it
names is read from the database, scoped to that cohort, on each request.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing

from .errors import LaunchTokenError

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

    def to_token(self) -> str:
        payload = [
            self.platform_id,
            self.deployment_id,
            self.participant_id,
            self.cohort_id,
            self.placement_id,
            self.role,
        ]
        return signing.dumps(payload, salt=SALT)

    @classmethod
    def from_token(cls, token: str) -> LaunchClaims:
        try:
            data = signing.loads(token, salt=SALT, max_age=settings.IGNITE_LAUNCH_TOKEN_TTL)
        except signing.SignatureExpired as exc:
            raise LaunchTokenError("expired") from exc
        except signing.BadSignature as exc:
            raise LaunchTokenError("invalid") from exc
        try:
            platform_id, deployment_id, participant_id, cohort_id, placement_id, role = data
        except (TypeError, ValueError) as exc:
            raise LaunchTokenError("malformed") from exc
        return cls(platform_id, deployment_id, participant_id, cohort_id, placement_id, role)
