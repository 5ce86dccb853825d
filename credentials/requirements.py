"""Credential requirements that other apps own (contract in docs/content-packs.md, "Credential
requirements from other apps").

A program's credential may ask for more than mastery and accepted evidence: attended cohort
sessions (`sessions_required: 2`), an observation of practice (`observation_required: {...}`).
The app that knows the answer registers a `Requirement` from its `AppConfig.ready()`, with the
`courses.content_extensions.CredentialKey` that reads the key from `program.yaml`. The reader
keeps the value in `Achievement.requirements`; this module checks every one of them when a
credential would be awarded. A key in `Achievement.requirements` with no registered requirement
is not met (a missing app never lets a credential through).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from courses.models import Participant

from .models import Achievement


@dataclass
class RequirementStatus:
    met: bool
    label: str  # what is required, in plain language, for the teacher's progress list
    detail: str = ""  # where the teacher stands ("1 of 2 sessions attended")
    # Open Badges 3.0 Evidence entries to name in the credential when it is issued; empty when
    # the teacher did not consent to be described (the requirement still counts).
    evidence: list = field(default_factory=list)


@dataclass(frozen=True)
class Requirement:
    name: str  # the program.yaml key, as registered with courses.content_extensions
    # check(*, value, participant, cohort_id, achievement) -> RequirementStatus
    check: Callable[..., RequirementStatus]


_registry: dict[str, Requirement] = {}


def requirement_register(requirement: Requirement) -> None:
    """Register (or replace, by name: ready() may run more than once in tests)."""
    _registry[requirement.name] = requirement


def requirements_status(
    achievement: Achievement, participant: Participant, cohort_id: int
) -> list[RequirementStatus]:
    """Where the participant stands on each extra requirement of the achievement, by key."""
    statuses = []
    for name, value in sorted((achievement.requirements or {}).items()):
        requirement = _registry.get(name)
        if requirement is None:
            statuses.append(
                RequirementStatus(met=False, label=f"{name}: not available on this server")
            )
            continue
        statuses.append(
            requirement.check(
                value=value, participant=participant, cohort_id=cohort_id, achievement=achievement
            )
        )
    return statuses


def credentials_recheck(*, participant: Participant, cohort_id: int, origin: str) -> list:
    """Issue what the participant has earned now that a requirement may be met (call it after
    attendance is recorded, an observation is shared, ...). Returns the credentials issued."""
    # reason: issuing.py imports this module's registry; importing it at the top would be circular
    from .issuing import credentials_award

    return credentials_award(participant=participant, cohort_id=cohort_id, origin=origin)
