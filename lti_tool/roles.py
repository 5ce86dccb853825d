"""Map LTI role claims to Ignite's two roles: trainer and teacher."""

from __future__ import annotations

from collections.abc import Iterable

from courses.models import Role

from .constants import ROLE_PREFIXES, SUBROLE_PREFIX, TEACHER_ROLES, TRAINER_ROLES

INSTITUTION_PREFIX = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#"
SYSTEM_PREFIX = "http://purl.imsglobal.org/vocab/lis/v2/system/person#"


def _short_names(roles: Iterable[str]) -> set[str]:
    names = set()
    for role in roles:
        if not isinstance(role, str):
            continue
        if role.startswith(SUBROLE_PREFIX):
            # membership/Instructor#TeachingAssistant: both the parent and the sub-role count.
            parent, _, sub = role[len(SUBROLE_PREFIX) :].partition("#")
            names.update(n for n in (parent, sub) if n)
            continue
        if role.startswith(SYSTEM_PREFIX):
            # System roles (SysAdmin...) describe the LMS account, not the course: ignored.
            continue
        for prefix in ROLE_PREFIXES:
            if role.startswith(prefix):
                role = role[len(prefix) :]
                break
        names.add(role)  # also the deprecated short forms: "Instructor", "Learner"
    return names


def role_from_claims(roles: object) -> str:
    """Trainer if any trainer role is present, teacher if a learner role, otherwise none.

    Unknown role URIs are ignored and an empty list means no privileges (LTI 1.3 Core 5.3.7).
    """
    if not isinstance(roles, list):
        return Role.NONE
    names = _short_names(roles)
    if names & TRAINER_ROLES:
        return Role.TRAINER
    if names & TEACHER_ROLES:
        return Role.TEACHER
    return Role.NONE
