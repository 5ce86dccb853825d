"""Who leads which programs: naming leads (admin command) and finding a launch's lead row."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q

from courses.models import Program

from .models import ProgramLead
from .tenancy import participant_sub


class LeadError(Exception):
    """A lead cannot be named or removed as asked; the message says why."""


@dataclass
class LeadAccess:
    lead: ProgramLead
    programs: list[Program]


def lead_for_launch(launch) -> LeadAccess | None:
    """The lead row the launch's person matches on its platform, with their programs; None for
    everyone else, whatever their LMS roles. Kept on the launch: once per request."""
    if not launch:
        return None
    cached = getattr(launch, "_program_lead", False)
    if cached is not False:
        return cached
    participant = launch.participant
    match = Q(sub__in=participant_sub(participant.pk))
    if participant.email:
        match |= Q(email=participant.email.strip().lower())
    lead = (
        ProgramLead.objects.filter(match, platform_id=launch.claims.platform_id)
        .prefetch_related("programs")
        .order_by("pk")
        .first()
    )
    access = None
    if lead is not None:
        programs = sorted(lead.programs.all(), key=lambda p: (p.position, p.slug))
        access = LeadAccess(lead=lead, programs=programs) if programs else None
    launch._program_lead = access
    return access


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
    """The program-lead entries that name this person (by their email or LMS user id): the
    privacy export shows them and erasure deletes them."""
    match = Q(sub__in=participant_sub(participant.pk))
    if participant.email:
        match |= Q(email=participant.email.strip().lower())
    return ProgramLead.objects.filter(match).prefetch_related("programs").order_by("pk")
