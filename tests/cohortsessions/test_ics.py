"""Calendar files: one session's and the whole cohort's, parsed back with `icalendar` and read
field by field (RFC 5545: UID, DTSTAMP, DTSTART with TZID and its VTIMEZONE, SUMMARY, ...)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from icalendar import Calendar

from cohortsessions.models import CohortSession

from .conftest import XSS
from .test_sessions import schedule


def parsed(response) -> Calendar:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    return Calendar.from_ical(response.content)


def test_a_sessions_ics_is_a_valid_calendar_with_every_field(cohort):
    session = schedule(cohort["trainer"], placement=str(cohort["pid"]))
    calendar = parsed(cohort["maya"].get(f"/app/sessions/{session.pk}.ics"))
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    event = events[0]
    assert str(event["UID"]) == f"{session.uid}@sessions.ignite"
    assert event["DTSTAMP"].dt.tzinfo is not None
    start = event["DTSTART"]
    assert start.params["TZID"] == "America/Chicago"
    assert start.dt == dt.datetime(2030, 3, 5, 16, 0, tzinfo=ZoneInfo("America/Chicago"))
    assert event["DTEND"].dt - start.dt == dt.timedelta(minutes=90)
    assert [str(z["TZID"]) for z in calendar.walk("VTIMEZONE")] == ["America/Chicago"]
    assert str(event["SUMMARY"]) == "Planning clinic"
    assert str(event["LOCATION"]) == "Room 204, Lincoln Middle School"
    assert str(event["URL"]) == "https://meet.example.org/abc-defg"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert int(event["SEQUENCE"]) == 0
    description = str(event["DESCRIPTION"])
    assert "Agenda:\nLeading the demo session (75 minutes)\n0-10: Opening" in description
    assert "http://testserver/app/sessions/" in description
    # The raw file folds long lines and ends lines with CRLF, as RFC 5545 asks.
    raw = cohort["maya"].get(f"/app/sessions/{session.pk}.ics").content
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and raw.endswith(b"END:VCALENDAR\r\n")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))


def test_the_cohort_feed_holds_every_session_and_marks_the_cancelled(cohort):
    trainer = cohort["trainer"]
    first = schedule(trainer)
    second = schedule(
        trainer, title=f"Video only {XSS}", place="", time_zone="Europe/Berlin", date="2030-07-01"
    )
    trainer.post(f"/app/trainer/sessions/{first.pk}/cancel/", {"reason": "Snow day"})
    calendar = parsed(cohort["sam"].get("/app/sessions/cohort.ics"))
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {f"{s.uid}@sessions.ignite" for s in (first, second)}
    cancelled = events[f"{first.uid}@sessions.ignite"]
    assert str(cancelled["STATUS"]) == "CANCELLED" and int(cancelled["SEQUENCE"]) == 1
    assert "CANCELLED: Snow day" in str(cancelled["DESCRIPTION"])
    video = events[f"{second.uid}@sessions.ignite"]
    assert video["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert str(video["LOCATION"]) == "https://meet.example.org/abc-defg"
    assert str(video["SUMMARY"]) == f"Video only {XSS}"  # plain text in a calendar, not HTML
    zones = sorted(str(z["TZID"]) for z in calendar.walk("VTIMEZONE"))
    assert zones == ["America/Chicago", "Europe/Berlin"]
    # Another course's feed is empty of them.
    other = parsed(cohort["other_teacher"].get("/app/sessions/cohort.ics"))
    assert other.walk("VEVENT") == []
    assert CohortSession.objects.count() == 2
