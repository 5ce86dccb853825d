"""What this app needs to know of tenants (platforms), which only lti_tool knows.

Registrations, LMS user ids and which LMS course (cohort) belongs to which platform live in
lti_tool, above this app. It registers its lookups here when it starts (`LtiToolConfig.ready`),
as it does for the page session's frames and zones; this app never imports it. Until something
registers, no cohort belongs to any platform and no platform is known.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from courses.models import Cohort, Participant


@dataclass
class TenancySource:
    # cohorts(platform_id) -> a Cohort queryset of that platform (used as a subquery)
    cohorts: Callable
    # subs(participant_id) -> the participant's LMS user ids, as a values queryset (a subquery)
    subs: Callable
    # platform_find(text) -> (platform_id, label) for an id, name or issuer; None if unknown
    platform_find: Callable[[str], tuple[int, str] | None]
    # platform_label(platform_id) -> a readable name
    platform_label: Callable[[int], str]
    # platform_ids() -> the active platforms' ids
    platform_ids: Callable[[], list[int]] = lambda: []
    # participants_by_sub(platform_id, sub) -> a Participant queryset (one, or none)
    participants_by_sub: Callable = lambda _pid, _sub: Participant.objects.none()
    # platforms_of(participant_id) -> the participant's platform ids, as a values queryset
    platforms_of: Callable = lambda _pid: []


def _no_cohorts(_platform_id: int):
    return Cohort.objects.none()


_source: dict[str, TenancySource] = {
    "source": TenancySource(
        cohorts=_no_cohorts,
        subs=lambda _pid: [],
        platform_find=lambda _text: None,
        platform_label=lambda pid: f"platform {pid}",
    )
}


def tenancy_source_register(source: TenancySource) -> None:
    _source["source"] = source


def platform_cohorts(platform_id: int):
    """The cohorts (LMS courses) of one platform, as a queryset."""
    return _source["source"].cohorts(platform_id)


def participant_sub(participant_id: int):
    """The participant's LMS user ids (one, in practice), lazily: for use inside a filter."""
    return _source["source"].subs(participant_id)


def participant_platforms(participant_id: int):
    """The platform the participant is a person of (one, in practice), lazily: for a filter."""
    return _source["source"].platforms_of(participant_id)


def platform_find(text: str) -> tuple[int, str] | None:
    return _source["source"].platform_find(text)


def platform_label(platform_id: int) -> str:
    return _source["source"].platform_label(platform_id)


def platform_ids() -> list[int]:
    return _source["source"].platform_ids()


def participants_by_sub(platform_id: int, sub: str):
    return _source["source"].participants_by_sub(platform_id, sub)
