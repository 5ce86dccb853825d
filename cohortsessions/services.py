"""Scheduling sessions, recording attendance, and what pages, calendars and credentials read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import FilteredRelation, Q, QuerySet
from django.utils import timezone

from courses.agendas import agenda_for
from courses.models import Membership, Module, Participant, Placement, Role
from credentials.requirements import credentials_recheck

from .models import Attendance, CohortSession
from .notices import session_cancelled


class SessionRefused(Exception):
    """What a session's state refuses: the page says `title` and `message`, on `status`."""

    def __init__(self, title: str, message: str, *, status: int = 409):
        super().__init__(message)
        self.title = title
        self.message = message
        self.status = status


EDIT_REFUSED = (
    "This session can no longer be changed",
    "A cancelled or held session keeps its date and place. Schedule a new session instead.",
)
CANCEL_REFUSED = (
    "This session cannot be cancelled",
    "Only a scheduled session can be cancelled, with a reason of at most 500 characters.",
)
ATTENDANCE_CANCELLED = "This session was cancelled: there is no attendance to record."
ATTENDANCE_TOO_EARLY = "Record attendance once the session has started."


@dataclass
class PlacedModule:
    placement: Placement
    module: Module | None

    @property
    def title(self) -> str:
        if self.module is not None and self.module.current_id:
            return self.module.current.title
        return self.placement.title or f"Module {self.placement.pk}"


def cohort_modules(*, cohort_id: int) -> list[PlacedModule]:
    """The cohort's placements with their catalog module (two queries)."""
    placements = list(Placement.objects.filter(cohort_id=cohort_id).order_by("pk"))
    slugs = {p.module_slug for p in placements if p.module_slug}
    modules = {
        m.slug: m
        for m in Module.objects.select_related("current").filter(
            slug__in=slugs, current__isnull=False
        )
    }
    return [PlacedModule(p, modules.get(p.module_slug)) for p in placements]


def cohort_sessions(*, cohort_id: int):
    return CohortSession.objects.filter(cohort_id=cohort_id).select_related(
        "placement", "created_by"
    )


@dataclass
class TrainerSessions:
    upcoming: list[CohortSession]  # scheduled, not ended yet: soonest first
    to_record: list[CohortSession]  # scheduled and ended: attendance is still to record
    past: list[CohortSession]  # held or cancelled: newest first


def sessions_for_trainer(*, cohort_id: int, now: dt.datetime) -> TrainerSessions:
    """The cohort's sessions as the trainer's list sorts them (one query)."""
    sessions = list(cohort_sessions(cohort_id=cohort_id))
    scheduled = [s for s in sessions if s.status == CohortSession.Status.SCHEDULED]
    return TrainerSessions(
        upcoming=[s for s in scheduled if s.ends_at >= now],
        to_record=[s for s in scheduled if s.ends_at < now],
        past=[s for s in reversed(sessions) if s.status != CohortSession.Status.SCHEDULED],
    )


def sessions_for_teacher(
    *, cohort_id: int, now: dt.datetime
) -> tuple[list[CohortSession], list[CohortSession]]:
    """(upcoming, past): a session not ended and not held is upcoming (a cancelled one too,
    so teachers see that it will not take place); the past is newest first."""
    sessions = list(cohort_sessions(cohort_id=cohort_id))
    upcoming = [s for s in sessions if s.ends_at >= now and s.status != CohortSession.Status.HELD]
    return upcoming, [s for s in reversed(sessions) if s not in upcoming]


def session_of_member(*, session_id: int, participant_id: int) -> CohortSession | None:
    """The session, when the participant is still an active member of its cohort (a signed
    calendar link in an email outlives neither the session nor the membership)."""
    session = CohortSession.objects.filter(pk=session_id).first()
    if session is None:
        return None
    member = Membership.objects.filter(
        participant_id=participant_id,
        cohort_id=session.cohort_id,
        status=Membership.Status.ACTIVE,
    ).exists()
    return session if member else None


def upcoming(*, cohort_id: int, placement_id: int | None = None, limit: int = 3):
    """Scheduled sessions of the cohort that have not ended yet, soonest first (one query)."""
    found = CohortSession.objects.filter(
        cohort_id=cohort_id, status=CohortSession.Status.SCHEDULED, ends_at__gte=timezone.now()
    )
    if placement_id is not None:
        found = found.filter(placement_id=placement_id)
    return list(found.order_by("starts_at", "pk")[:limit])


def cohort_teachers(*, cohort_id: int) -> list[Participant]:
    """The cohort's teachers, active ones and anyone whose attendance is already recorded."""
    return list(
        Participant.objects.filter(
            Q(
                memberships__cohort_id=cohort_id,
                memberships__role=Role.TEACHER,
                memberships__status=Membership.Status.ACTIVE,
            )
            | Q(
                pk__in=Attendance.objects.filter(session__cohort_id=cohort_id).values("participant")
            )
        )
        .distinct()
        .order_by("name", "pk")
    )


@dataclass(frozen=True)
class SessionDetails:
    """What the trainer's form gives for a new or edited session (times already checked)."""

    placed: PlacedModule | None
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    time_zone: str
    place: str
    video_url: str
    agenda: str


def _session_values(details: SessionDetails) -> dict:
    """The session's fields: an empty title is named after the module, an empty agenda comes
    from the module's facilitator guide."""
    placed = details.placed
    title = details.title.strip() or (
        f"Cohort session: {placed.title}" if placed else "Cohort session"
    )
    agenda = details.agenda.strip()
    if not agenda and placed is not None and placed.module is not None:
        agenda = agenda_for(version=placed.module.current)
    return {
        "placement": placed.placement if placed else None,
        "title": title[:200],
        "starts_at": details.starts_at,
        "ends_at": details.ends_at,
        "time_zone": details.time_zone,
        "place": details.place.strip(),
        "video_url": details.video_url,
        "agenda": agenda,
    }


@transaction.atomic
def session_save(session: CohortSession, *, changed: bool) -> CohortSession:
    """Save a new or edited session; a change of time or place bumps the calendar SEQUENCE."""
    if session.pk and changed:
        session.sequence += 1
    session.save()
    return session


def session_schedule(
    *, cohort_id: int, created_by: Participant, details: SessionDetails
) -> CohortSession:
    """A trainer schedules a session of the cohort."""
    session = CohortSession(cohort_id=cohort_id, created_by=created_by, **_session_values(details))
    return session_save(session, changed=True)


def session_edit_check(session: CohortSession) -> None:
    """Only a scheduled session changes: a cancelled or held one keeps its date and place."""
    if session.status != CohortSession.Status.SCHEDULED:
        raise SessionRefused(*EDIT_REFUSED)


def session_edit(session: CohortSession, *, details: SessionDetails) -> CohortSession:
    """Change a scheduled session; the calendar SEQUENCE moves only when something changed."""
    session_edit_check(session)
    values = _session_values(details)
    changed = any(getattr(session, k) != v for k, v in values.items())
    for key, value in values.items():
        setattr(session, key, value)
    return session_save(session, changed=changed)


@transaction.atomic
def session_cancel(session: CohortSession, *, reason: str) -> CohortSession:
    """Cancel a scheduled session (a cancelled or held one cannot be); teachers are told."""
    locked = CohortSession.objects.select_for_update().filter(pk=session.pk)
    if locked.values_list("status", flat=True).first() != CohortSession.Status.SCHEDULED:
        raise SessionRefused(*CANCEL_REFUSED)
    session.status = CohortSession.Status.CANCELLED
    session.cancel_reason = reason.strip()
    session.sequence += 1
    session.save(update_fields=["status", "cancel_reason", "sequence", "updated_at"])
    session_cancelled(session, now=timezone.now())
    return session


def attendance_refusals(session: CohortSession, *, now: dt.datetime) -> list[str]:
    """Why attendance cannot be recorded for the session now (empty when it can)."""
    problems = []
    if session.status == CohortSession.Status.CANCELLED:
        problems.append(ATTENDANCE_CANCELLED)
    if session.starts_at > now:
        problems.append(ATTENDANCE_TOO_EARLY)
    return problems


def attendance_save(
    session: CohortSession,
    *,
    statuses: dict[int, str],
    notes: str,
    next_steps: str,
    by: Participant,
) -> list[int]:
    """Record attendance (participant id -> status) and the notes; the session is then held.
    Returns the ids of teachers whose attendance changed (to recheck their credentials).
    A cancelled session, or one not started yet, is refused (400)."""
    problems = attendance_refusals(session, now=timezone.now())
    if problems:
        raise SessionRefused("Attendance cannot be recorded", " ".join(problems), status=400)
    with transaction.atomic():
        existing = {a.participant_id: a for a in Attendance.objects.filter(session=session)}
        changed, now = [], timezone.now()
        for pid, status in statuses.items():
            row = existing.get(pid)
            if row is None:
                Attendance.objects.create(
                    session=session, participant_id=pid, status=status, recorded_by=by
                )
                changed.append(pid)
            elif row.status != status:
                row.status, row.recorded_at, row.recorded_by = status, now, by
                row.save(update_fields=["status", "recorded_at", "recorded_by"])
                changed.append(pid)
        session.notes, session.next_steps = notes, next_steps
        if session.status != CohortSession.Status.HELD:
            session.status = CohortSession.Status.HELD
            session.sequence += 1
        session.save(update_fields=["notes", "next_steps", "status", "sequence", "updated_at"])
    return changed


def attendance_record(
    session: CohortSession,
    *,
    statuses: dict[int, str],
    notes: str,
    next_steps: str,
    by: Participant,
    origin: str,
) -> list[int]:
    """`attendance_save`, then a credential that asks for attended sessions is rechecked for
    each teacher whose attendance changed (it may be earned now)."""
    changed = attendance_save(session, statuses=statuses, notes=notes, next_steps=next_steps, by=by)
    by_id = Participant.objects.in_bulk(changed)
    for pid in changed:
        credentials_recheck(participant=by_id[pid], cohort_id=session.cohort_id, origin=origin)
    return changed


def attendance_of(*, participant: Participant, cohort_id: int) -> dict[int, str]:
    """Session id -> this participant's recorded status, for the cohort (one query)."""
    return dict(
        Attendance.objects.filter(
            participant=participant, session__cohort_id=cohort_id
        ).values_list("session_id", "status")
    )


def attended_sessions(*, participant: Participant, cohort_id: int) -> list[CohortSession]:
    """The held sessions of the cohort the participant was recorded present at."""
    return list(
        CohortSession.objects.filter(
            cohort_id=cohort_id,
            status=CohortSession.Status.HELD,
            attendance__participant=participant,
            attendance__status=Attendance.Status.PRESENT,
        ).order_by("starts_at", "pk")
    )


def attended_counts(*, cohort_id: int, participant_ids: list[int]) -> tuple[int, dict[int, int]]:
    """(held sessions of the cohort, participant id -> sessions attended): one query, a row per
    held session and teacher present at it (a session nobody attended still gives its row)."""
    sessions = CohortSession.objects.filter(cohort_id=cohort_id, status=CohortSession.Status.HELD)
    if not participant_ids:  # nobody to count for (an empty IN cannot join)
        return sessions.count(), {}
    present = FilteredRelation(
        "attendance",
        condition=Q(
            attendance__status=Attendance.Status.PRESENT,
            attendance__participant_id__in=participant_ids,
        ),
    )
    held: set[int] = set()
    counts: dict[int, int] = {}
    for session_id, participant_id in sessions.annotate(present=present).values_list(
        "pk", "present__participant_id"
    ):
        held.add(session_id)
        if participant_id is not None:
            counts[participant_id] = counts.get(participant_id, 0) + 1
    return len(held), counts


# --- privacy erasure ---------------------------------------------------------------------------


def sessions_naming(names) -> QuerySet[CohortSession]:
    """Sessions whose notes or next steps contain one of `names`."""
    sessions = CohortSession.objects.none()
    for name in names:
        sessions = sessions | CohortSession.objects.filter(
            Q(notes__contains=name) | Q(next_steps__contains=name)
        )
    return sessions.distinct()


def sessions_erase(*, participant_id: int, names) -> None:
    """Privacy erasure: the participant's attendance records go; sessions they created and
    attendance they recorded stay without them; their names in session notes become
    "a participant"."""
    Attendance.objects.filter(participant_id=participant_id).delete()
    Attendance.objects.filter(recorded_by_id=participant_id).update(recorded_by=None)
    CohortSession.objects.filter(created_by_id=participant_id).update(created_by=None)
    for session in sessions_naming(names):
        notes, next_steps = session.notes, session.next_steps
        for name in names:
            notes = notes.replace(name, "a participant")
            next_steps = next_steps.replace(name, "a participant")
        CohortSession.objects.filter(pk=session.pk).update(notes=notes, next_steps=next_steps)
