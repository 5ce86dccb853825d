"""Who leads which programs: naming leads (admin command) and finding a launch's lead row.

Every "My modules" page and trainer dashboard asks whether the launch's person is a lead, and
almost nobody is. Each worker process keeps, per platform, who could be one (the leads' emails
and the participants their LMS user ids name) and asks the database only for them. That copy
only ever answers "not a lead" without the database: a person it names is looked up as before,
so a lead removed (or given other programs) counts at once in every process. A lead added is
seen by this process at once (the signals below) and by the others within
IGNITE_PROGRAM_LEAD_CACHE_SECONDS, when their copy is read again.
"""

from __future__ import annotations

import operator
import time
from dataclasses import dataclass
from functools import reduce

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q

from courses.models import Program

from .models import ProgramLead
from .tenancy import participant_platforms, participant_sub, participants_by_sub


class LeadError(Exception):
    """A lead cannot be named or removed as asked; the message says why."""


@dataclass
class LeadAccess:
    lead: ProgramLead
    programs: list[Program]


@dataclass(frozen=True)
class _Candidates:
    """Who on one platform could be a lead, as read at `read_at` (time.monotonic())."""

    emails: frozenset[str]
    participant_ids: frozenset[int]  # the participants the sub-named leads are
    # A sub-named lead who has not launched yet has no participant: until this copy is read
    # again, anyone might be them, so everyone is looked up.
    sub_unknown: bool
    read_at: float


_candidates: dict[int, _Candidates] = {}


def leads_forget() -> None:
    """Drop this process's copies (a ProgramLead saved or deleted; tests between databases)."""
    _candidates.clear()


def _candidates_read(platform_id: int) -> _Candidates:
    rows = list(ProgramLead.objects.filter(platform_id=platform_id).values_list("email", "sub"))
    subs = sorted({sub for _, sub in rows if sub})
    ids: frozenset[int] = frozenset()
    if subs:
        people = reduce(operator.or_, (participants_by_sub(platform_id, sub) for sub in subs))
        ids = frozenset(people.values_list("pk", flat=True))
    return _Candidates(
        emails=frozenset(email for email, _ in rows if email),
        participant_ids=ids,
        # (platform, sub) names at most one participant, so fewer found means someone missing.
        sub_unknown=len(ids) < len(subs),
        read_at=time.monotonic(),
    )


def _may_lead(platform_id: int, participant) -> bool:
    """False only when the person is surely no lead of the platform (no query when warm)."""
    max_age = settings.IGNITE_PROGRAM_LEAD_CACHE_SECONDS
    if max_age <= 0:
        return True
    known = _candidates.get(platform_id)
    if known is None or time.monotonic() - known.read_at >= max_age:
        known = _candidates[platform_id] = _candidates_read(platform_id)
    email = (participant.email or "").strip().lower()
    return (
        bool(email and email in known.emails)
        or participant.pk in known.participant_ids
        or known.sub_unknown
    )


def _lead_match(participant) -> Q:
    """The lead rows naming this person: by their LMS user id, or by their email.

    A lead row names its person one way and leaves the other field blank, so a blank (or
    all-space) email or sub must never be compared: it would match every lead named the
    other way, and one person would see, export or erase another's entry.
    """
    match = Q(sub__in=participant_sub(participant.pk)) & ~Q(sub="")
    email = (participant.email or "").strip().lower()
    if email:
        match |= Q(email=email)
    return match


def lead_for_launch(launch) -> LeadAccess | None:
    """The lead row the launch's person matches on its platform, with their programs; None for
    everyone else, whatever their LMS roles. Kept on the launch: once per request."""
    if not launch:
        return None
    cached = getattr(launch, "_program_lead", False)
    if cached is not False:
        return cached
    participant = launch.participant
    platform_id = launch.claims.platform_id
    access = None
    if _may_lead(platform_id, participant):
        lead = (
            ProgramLead.objects.filter(_lead_match(participant), platform_id=platform_id)
            .prefetch_related("programs")
            .order_by("pk")
            .first()
        )
        if lead is not None:
            programs = sorted(lead.programs.all(), key=lambda p: (p.position, p.slug))
            access = LeadAccess(lead=lead, programs=programs) if programs else None
    launch._program_lead = access
    return access


def lead_changed(**_kwargs) -> None:
    """post_save / post_delete of a ProgramLead (connected in ReportingConfig.ready): forget
    now, and again when the transaction commits, so a read made in between is not kept."""
    leads_forget()
    transaction.on_commit(leads_forget)


def _programs(slugs: list[str]) -> list[Program]:
    found = {p.slug: p for p in Program.objects.filter(slug__in=slugs)}
    missing = [s for s in slugs if s not in found]
    if missing:
        known = ", ".join(Program.objects.values_list("slug", flat=True)) or "none imported yet"
        raise LeadError(f"no program {', '.join(missing)!s} (known programs: {known})")
    return [found[s] for s in slugs]


def _person(*, email: str, sub: str) -> dict:
    email, sub = (email or "").strip().lower(), (sub or "").strip()
    if bool(email) == bool(sub):
        raise LeadError("name the person by --email or by --sub (one of the two)")
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise LeadError(f"{email!r} is not an email address") from exc
    return {"email": email, "sub": sub}


@transaction.atomic
def lead_add(
    *, platform_id: int, email: str = "", sub: str = "", programs: list[str]
) -> ProgramLead:
    """Name a lead of `programs` on a platform; naming one again adds the programs."""
    if not programs:
        raise LeadError("name at least one --program")
    person = _person(email=email, sub=sub)
    chosen = _programs(programs)
    lead, _created = ProgramLead.objects.get_or_create(platform_id=platform_id, **person)
    lead.programs.add(*chosen)
    return lead


@transaction.atomic
def lead_remove(
    *, platform_id: int, email: str = "", sub: str = "", programs: list[str] | None = None
) -> str:
    """Remove a lead (or only some of their programs). Returns what was done, in words."""
    person = _person(email=email, sub=sub)
    lead = ProgramLead.objects.filter(platform_id=platform_id, **person).first()
    if lead is None:
        raise LeadError(
            f"{person['email'] or 'sub ' + person['sub']} is not a lead on that platform"
        )
    if programs:
        lead.programs.remove(*_programs(programs))
        if lead.programs.exists():
            return f"removed {', '.join(programs)} from {lead}"
    lead.delete()
    return f"{lead} is no longer a program lead"


def lead_rows_of(participant):
    """The program-lead entries that name this person (by their email or LMS user id) on
    their own platform: the privacy export shows them and erasure deletes them. A lead row of
    another platform with the same email or user id is another person's."""
    return (
        ProgramLead.objects.filter(
            _lead_match(participant), platform_id__in=participant_platforms(participant.pk)
        )
        .prefetch_related("programs")
        .order_by("pk")
    )
