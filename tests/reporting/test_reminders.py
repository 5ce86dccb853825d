"""Deadline reminders, trainers' weekly digest and leads' weekly summary reach a real SMTP
server on loopback, once each, and only for a program that turned them on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from notifications.services import notifications_send
from reporting.models import LeadDeadline, ProgramPlan

from .test_program_view import program  # noqa: F401 - the small program's fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def reminders_on(program):  # noqa: F811
    ProgramPlan.objects.update(reminders=True)
    return program


def _by_recipient(messages) -> dict[str, list]:
    found: dict[str, list] = {}
    for message in messages:
        found.setdefault(message["To"], []).append(message)
    return found


def test_each_reminder_once(reminders_on, smtp_server, platform):
    LeadDeadline.objects.create(
        platform_id=platform.pk, program_id=ProgramPlan.objects.get().program_id,
        deadline=timezone.localdate() + timedelta(days=10),
    )  # fmt: skip
    notifications_send()
    inbox = _by_recipient(smtp_server.messages)
    # Maya is behind: the two-weeks reminder. Sam has mastered everything: nothing.
    [maya] = inbox["maya@d.example"]
    assert "10 days to the deadline" in maya["Subject"]
    assert "mastered 0 of your 1 modules" in maya.get_content()
    assert maya["List-Unsubscribe"]
    assert "sam@d.example" not in inbox
    # Priya's digest names Maya and the waiting evidence.
    [priya] = inbox["priya@d.example"]
    text = priya.get_content()
    assert "Maya" in text and "1 evidence submission(s) waiting" in text
    # Dana, the lead, gets the weekly summary with the view's link.
    [dana] = inbox["dana@d.example"]
    assert "50% mastered" in dana["Subject"]
    assert "/app/program/" in dana.get_content()

    # The worker runs again (later today, and another day of the same week): nothing new.
    count = len(smtp_server.messages)
    notifications_send()
    cache.clear()  # forget the day's flag: the keys alone must keep it at one each
    notifications_send()
    assert len(smtp_server.messages) == count

    # A week before the deadline, Maya gets the second reminder, once.
    notifications_send(now=timezone.now() + timedelta(days=3))
    later = _by_recipient(smtp_server.messages[count:])
    assert [m["Subject"] for m in later["maya@d.example"]] == [
        "Demo program: 7 days to the deadline"
    ]


def test_off_unless_the_program_turns_them_on(program, smtp_server, platform):  # noqa: F811
    LeadDeadline.objects.create(
        platform_id=platform.pk, program_id=ProgramPlan.objects.get().program_id,
        deadline=timezone.localdate() + timedelta(days=10),
    )  # fmt: skip
    notifications_send()
    assert smtp_server.messages == []


def test_no_deadline_no_reminders(reminders_on, smtp_server):
    notifications_send()
    assert smtp_server.messages == []
