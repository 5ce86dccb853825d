"""Emails about sessions, received by a real SMTP server on loopback: a reminder the day before
to each teacher with an address (once, with a calendar link that works without a launch), and
word to the teachers when a session is cancelled."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone
from icalendar import Calendar

from cohortsessions.models import CohortSession
from cohortsessions.notices import sessions_tomorrow
from courses.models import Membership, Participant
from notifications.models import Notification
from notifications.services import notifications_send

from .test_sessions import schedule

EMAILS = {"Maya Alvarez": "maya@school.example", "Sam Lee": "sam@school.example"}


def _addresses():
    for name, email in EMAILS.items():
        Participant.objects.filter(name=name).update(email=email)
    Participant.objects.filter(name="Priya Raman").update(email="priya@school.example")


def _tomorrow(trainer, hours: float = 20, **overrides) -> CohortSession:
    session = schedule(trainer, **overrides)
    start = timezone.now() + dt.timedelta(hours=hours)
    CohortSession.objects.filter(pk=session.pk).update(
        starts_at=start, ends_at=start + dt.timedelta(hours=1)
    )
    session.refresh_from_db()
    return session


def _link(text: str) -> str:
    return re.search(r"http://127\.0\.0\.1:8000(/app/sessions/\d+\.ics\?k=\S+)", text).group(1)


def test_each_teacher_is_reminded_once_the_day_before_with_a_calendar_link(
    cohort, smtp_server, client
):
    _addresses()
    session = _tomorrow(cohort["trainer"])
    later = _tomorrow(cohort["trainer"], hours=72, title="Later session")
    assert notifications_send() == 2
    assert notifications_send() == 0  # the producer runs again: nothing new
    by_recipient = {m["To"]: m for m in smtp_server.messages}
    assert set(by_recipient) == set(EMAILS.values())  # teachers only, not the trainer
    message = by_recipient["maya@school.example"]
    assert message["Subject"] == "Tomorrow: Planning clinic"
    text = message.get_content()
    assert "Where: Room 204, Lincoln Middle School" in text
    assert "Video link: https://meet.example.org/abc-defg" in text
    assert message["List-Unsubscribe"]
    assert "Later session" not in "".join(m.get_content() for m in smtp_server.messages)

    # The link opens the calendar file without a launch (as from a mail client) ...
    link = _link(text)
    response = client.get(link)
    assert response.status_code == 200
    [event] = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["UID"]) == f"{session.uid}@sessions.ignite"
    # ... for that session only, unchanged, and while the person is in the cohort.
    assert client.get(link.replace(f"/{session.pk}.ics", f"/{later.pk}.ics")).status_code == 404
    assert client.get(link[:-3] + "xyz").status_code == 404
    assert client.get(f"/app/sessions/{session.pk}.ics").status_code == 401
    Membership.objects.filter(participant__name="Maya Alvarez").update(status="inactive")
    assert client.get(link).status_code == 404


def test_a_moved_session_is_reminded_again_and_no_address_means_no_email(cohort, smtp_server):
    Participant.objects.filter(name="Maya Alvarez").update(email="maya@school.example")
    Participant.objects.filter(name="Sam Lee").update(email="")
    session = _tomorrow(cohort["trainer"])
    assert notifications_send() == 1
    start = session.starts_at + dt.timedelta(hours=2)
    CohortSession.objects.filter(pk=session.pk).update(
        starts_at=start, ends_at=start + dt.timedelta(hours=1)
    )
    assert notifications_send() == 1
    assert [m["To"] for m in smtp_server.messages] == ["maya@school.example"] * 2


def test_teachers_are_told_when_a_session_is_cancelled(cohort, smtp_server):
    _addresses()
    session = _tomorrow(cohort["trainer"])
    assert sessions_tomorrow(now=timezone.now()) == 2  # reminders queued, not yet sent
    response = cohort["trainer"].post(
        f"/app/trainer/sessions/{session.pk}/cancel/", {"reason": "Snow day"}
    )
    assert response.status_code == 303
    assert notifications_send() == 2
    subjects = sorted((m["To"], m["Subject"]) for m in smtp_server.messages)
    assert subjects == [
        ("maya@school.example", "Cancelled: Planning clinic"),
        ("sam@school.example", "Cancelled: Planning clinic"),
    ]
    assert "Reason: Snow day" in smtp_server.messages[0].get_content()
    assert not Notification.objects.filter(kind="sessions.tomorrow").exists()


def test_cancelling_a_past_session_emails_nobody(cohort, smtp_server):
    _addresses()
    session = schedule(cohort["trainer"], date="2025-01-14")
    cohort["trainer"].post(f"/app/trainer/sessions/{session.pk}/cancel/", {"reason": "x"})
    assert notifications_send() == 0 and not smtp_server.messages
