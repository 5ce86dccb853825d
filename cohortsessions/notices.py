"""Emails about sessions (notifications/ sends them): a reminder the day before, to each of the
cohort's teachers, and word to them when a session is cancelled.

Links in an email cannot carry a launch (Ignite's pages open from the LMS), so the reminder's
calendar link is signed instead: it opens that one session's .ics for that one person, and only
while they are still an active member of the session's cohort (views.session_ics).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core import signing
from django.urls import reverse

from courses.models import Membership, Participant, Role
from notifications.services import Kind, kind_register, notifications_forget, notify

from .models import CohortSession
from .times import when_local

TOMORROW = "sessions.tomorrow"
CANCELLED = "sessions.cancelled"
ICS_SALT = "ignite.cohortsessions.ics"
REMIND_AHEAD = timedelta(hours=24)


def kinds_register() -> None:
    kind_register(Kind(name=TOMORROW, label="Cohort sessions: a reminder the day before"))
    kind_register(Kind(name=CANCELLED, label="Cohort sessions: a session is cancelled"))


def ics_link(session: CohortSession, participant_id: int) -> str:
    """The path of a session's .ics that works without a launch, for this person only."""
    token = signing.dumps({"s": session.pk, "p": participant_id}, salt=ICS_SALT, compress=True)
    return f"{reverse('cohortsessions:session-ics', args=[session.pk])}?k={token}"


def ics_link_read(token: str, session_id: int) -> int | None:
    """The participant id a signed .ics link was made for, if it names this session."""
    try:
        data = signing.loads(token, salt=ICS_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("s") != session_id:
        return None
    pid = data.get("p")
    return pid if isinstance(pid, int) else None


def _teachers(cohort_ids) -> dict[int, list[Participant]]:
    found: dict[int, list[Participant]] = {}
    for m in Membership.objects.filter(
        cohort_id__in=cohort_ids, role=Role.TEACHER, status=Membership.Status.ACTIVE
    ).select_related("participant"):
        found.setdefault(m.cohort_id, []).append(m.participant)
    return found


def _details(session: CohortSession) -> str:
    lines = [session.title, f"When: {when_local(session)}"]
    if session.place:
        lines.append(f"Where: {session.place}")
    if session.video_url:
        lines.append(f"Video link: {session.video_url}")
    return "\n".join(lines)


def sessions_tomorrow(*, now: datetime) -> int:
    """Producer: queue a reminder to each teacher of a session starting in the next 24 hours.
    The key names the session and its start, so a repeat run queues nothing and a session
    moved to another day is reminded again. Returns how many were queued."""
    sessions = list(
        CohortSession.objects.filter(
            status=CohortSession.Status.SCHEDULED,
            starts_at__gt=now,
            starts_at__lte=now + REMIND_AHEAD,
        )
    )
    teachers = _teachers({s.cohort_id for s in sessions})
    queued = 0
    for session in sessions:
        for person in teachers.get(session.cohort_id, []):
            queued += notify(
                participant=person,
                kind=TOMORROW,
                key=f"session-{session.pk}-day-before-{session.starts_at:%Y%m%dT%H%M}",
                subject=f"Tomorrow: {session.title}",
                body=f"{_details(session)}\n\nAdd it to your calendar:",
                url=ics_link(session, person.pk),
            )
    return queued


def session_cancelled(session: CohortSession, *, now: datetime) -> int:
    """Tell the cohort's teachers a session that had not ended is cancelled (call it in the
    cancelling transaction), and drop reminders not sent yet."""
    notifications_forget(kind=TOMORROW, key_prefix=f"session-{session.pk}-")
    if session.ends_at < now:
        return 0
    reason = f"\nReason: {session.cancel_reason}" if session.cancel_reason else ""
    queued = 0
    for person in _teachers([session.cohort_id]).get(session.cohort_id, []):
        queued += notify(
            participant=person,
            kind=CANCELLED,
            key=f"session-{session.pk}-cancelled",
            subject=f"Cancelled: {session.title}",
            body=f"This cohort session is cancelled.{reason}\n\n{_details(session)}",
        )
    return queued
