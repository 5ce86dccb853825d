"""Map LTI role claims to Ignite's two roles: trainer and teacher.

Only context (course membership) roles count (LTI 1.3 Core 5.3.7 and appendix A.2.3): the full
`membership#Role` URIs, the `membership/Role#SubRole` sub-role URIs and the deprecated short
forms of context roles (`Instructor`, `Learner`). Institution roles (`institution/person#...`)
and system roles (`system/person#...`) describe the person's LMS account, not their place in
this course: Canvas sends `institution/person#Instructor` for everyone who teaches any course,
so in a course *for* teachers nearly every participant carries it. They never grant anything.
"""

from __future__ import annotations

from collections.abc import Iterable

from courses.models import Role

from .constants import CONTEXT_ROLE_PREFIX, SUBROLE_PREFIX, TEACHER_ROLES, TRAINER_ROLES


def context_role_names(roles: Iterable[object]) -> set[str]:
    """The short names of the context roles among `roles`; every other role is ignored."""
    names: set[str] = set()
    for role in roles:
        if not isinstance(role, str):
            continue
        if role.startswith(CONTEXT_ROLE_PREFIX):
            names.add(role[len(CONTEXT_ROLE_PREFIX) :])
        elif role.startswith(SUBROLE_PREFIX):
            # membership/Instructor#TeachingAssistant: both the parent and the sub-role count.
            parent, _, sub = role[len(SUBROLE_PREFIX) :].partition("#")
            names.update(n for n in (parent, sub) if n)
        elif role and ":" not in role and "/" not in role and "#" not in role:
            names.add(role)  # a deprecated short form of a context role: "Instructor", "Learner"
    return names


def role_from_claims(roles: object) -> str:
    """Trainer if any trainer context role is present, teacher if a learner one, otherwise none.

    Unknown role URIs are ignored and an empty list means no privileges (LTI 1.3 Core 5.3.7).
    """
    if not isinstance(roles, list):
        return Role.NONE
    names = context_role_names(roles)
    if names & TRAINER_ROLES:
        return Role.TRAINER
    if names & TEACHER_ROLES:
        return Role.TEACHER
    return Role.NONE
