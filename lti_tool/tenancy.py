"""What the program view (reporting/, below this app) needs to know of platforms, registered
with it in `LtiToolConfig.ready` (reporting/tenancy.py): which cohorts are a platform's, a
participant's LMS user id, and finding a platform by what an admin types."""

from __future__ import annotations

from django.db.models import Q

from courses.models import Cohort, Participant
from reporting.tenancy import TenancySource

from .models import LtiUser, Platform
from .registry import platform_get


def _cohorts(platform_id: int):
    return Cohort.objects.filter(lti_context__deployment__platform_id=platform_id)


def _subs(participant_id: int):
    return LtiUser.objects.filter(participant_id=participant_id).values("sub")


def _platforms_of(participant_id: int):
    return LtiUser.objects.filter(participant_id=participant_id).values("platform_id")


def _find(text: str) -> tuple[int, str] | None:
    text = text.strip()
    if not text:
        return None
    match = Q(name=text) | Q(issuer=text.rstrip("/")) | Q(issuer=text)
    if text.isascii() and text.isdigit() and len(text) < 18:
        match |= Q(pk=int(text))
    found = list(Platform.objects.filter(match)[:2])
    if len(found) != 1:
        return None  # unknown, or an issuer several registrations share: use the id
    return found[0].pk, str(found[0])


def _label(platform_id: int) -> str:
    platform = platform_get(platform_id)
    return str(platform) if platform else f"platform {platform_id} (deleted)"


def _platform_ids() -> list[int]:
    return list(Platform.objects.filter(is_active=True).values_list("pk", flat=True))


def _by_sub(platform_id: int, sub: str):
    return Participant.objects.filter(lti_user__platform_id=platform_id, lti_user__sub=sub)


SOURCE = TenancySource(
    cohorts=_cohorts,
    subs=_subs,
    platform_find=_find,
    platform_label=_label,
    platform_ids=_platform_ids,
    participants_by_sub=_by_sub,
    platforms_of=_platforms_of,
)
