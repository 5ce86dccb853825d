"""Calendar files (RFC 5545) for one session or a whole cohort, built with `icalendar`.

Each event carries its session's UID (stable across edits) and SEQUENCE (raised on every change),
its start and end in the session's own zone with that zone's VTIMEZONE, and STATUS CANCELLED
once cancelled, so importing the file again updates the event rather than adding another.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from icalendar import Calendar, Event

from .models import CohortSession
from .times import when_local

PRODID = "-//Ignite//Cohort sessions//EN"
UID_DOMAIN = "sessions.ignite"
_STATUS = {
    CohortSession.Status.SCHEDULED: "CONFIRMED",
    CohortSession.Status.HELD: "CONFIRMED",
    CohortSession.Status.CANCELLED: "CANCELLED",
}


def _description(session: CohortSession, page_url: str) -> str:
    parts = [f"When: {when_local(session)}"]
    if session.status == CohortSession.Status.CANCELLED:
        parts.insert(
            0, "CANCELLED" + (f": {session.cancel_reason}" if session.cancel_reason else "")
        )
    if session.video_url:
        parts.append(f"Video link: {session.video_url}")
    if session.agenda:
        parts.append(f"Agenda:\n{session.agenda}")
    if page_url:
        parts.append(f"In Ignite: {page_url}")
    return "\n\n".join(parts)


def _event(session: CohortSession, page_url: str, stamp: dt.datetime) -> Event:
    event = Event()
    event.add("uid", f"{session.uid}@{UID_DOMAIN}")
    event.add("dtstamp", stamp)
    event.add("created", session.created_at)
    event.add("last-modified", session.updated_at)
    event.add("sequence", session.sequence)
    event.add("dtstart", session.local_start)
    event.add("dtend", session.local_end)
    event.add("summary", session.title)
    event.add("status", _STATUS[session.status])
    if session.place:
        event.add("location", session.place)
    elif session.video_url:
        event.add("location", session.video_url)
    if session.video_url:
        event.add("url", session.video_url)
    event.add("description", _description(session, page_url))
    return event


def calendar_bytes(sessions: list[CohortSession], *, name: str, page_url: str = "") -> bytes:
    """A VCALENDAR with one VEVENT per session and a VTIMEZONE per zone used."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    stamp = timezone.now().astimezone(dt.UTC).replace(microsecond=0)
    for session in sessions:
        calendar.add_component(_event(session, page_url, stamp))
    calendar.add_missing_timezones()
    return calendar.to_ical()
