"""Cohort sessions in a real browser through the development platform: a trainer schedules a
session for a module (agenda from its facilitator guide), a teacher sees it on the module page
and downloads a valid .ics, and after the session the trainer records attendance and notes,
which the teacher then reads."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone
from icalendar import Calendar

from cohortsessions.models import Attendance, CohortSession
from courses.models import Participant

from .conftest import tool_frame
from .test_teacher_journey import launch

LINK = "bl-fall:bl-stations"


def narrow_overflow(page, screenshot=None, name: str = "") -> int:
    """How far the tool's page scrolls sideways in a 320 px wide window (0: not at all)."""
    size = page.viewport_size
    page.set_viewport_size({"width": 320, "height": 800})
    overflow = tool_frame(page).evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    if screenshot is not None:
        screenshot(page, name)
    page.set_viewport_size(size)
    return overflow


@pytest.mark.django_db(transaction=True)
def test_a_trainer_schedules_a_teacher_adds_it_and_attendance_is_recorded(
    page, live_server, dev_platform, catalog, axe_check, screenshot
):
    # Maya opens the module once, so she is one of the cohort's teachers.
    frame = launch(page, live_server, "maya", LINK)
    frame.get_by_test_id("module-title").wait_for()

    # The trainer schedules a session for the module from the dashboard.
    frame = launch(page, live_server, "priya", LINK)
    frame.get_by_test_id("module-title").wait_for()
    frame.get_by_test_id("trainer-dashboard").first.click()
    frame.get_by_test_id("sessions-trainer").wait_for()
    frame.get_by_test_id("sessions-manage").click()
    frame.get_by_test_id("session-new-for-module").filter(
        has_text="Running a station rotation"
    ).click()
    form = frame.get_by_test_id("session-form")
    form.wait_for()
    agenda = form.locator('textarea[name="agenda"]').input_value()
    assert "minutes)" in agenda and "\n" in agenda  # the guide's agenda, one segment a line
    axe_check(tool_frame(page), "schedule a session")
    assert narrow_overflow(page) <= 0
    day = (timezone.now() + dt.timedelta(days=7)).date()
    form.locator('input[name="date"]').fill(day.isoformat())
    form.locator('input[name="start"]').fill("16:00")
    form.locator('input[name="end"]').fill("17:30")
    form.locator('select[name="time_zone"]').select_option("America/Chicago")
    form.locator('input[name="place"]').fill("Room 204")
    form.locator('input[name="video_url"]').fill("http://meet.example.org/x")
    frame.get_by_test_id("session-save").click()
    errors = frame.get_by_test_id("session-form-errors")
    errors.wait_for()
    assert "https://" in errors.inner_text()  # refused, with the reason
    frame.get_by_test_id("session-form").locator('input[name="video_url"]').fill(
        "https://meet.example.org/abc"
    )
    frame.get_by_test_id("session-save").click()
    frame.get_by_test_id("sessions-done").wait_for()
    session = CohortSession.objects.get()
    assert session.time_zone == "America/Chicago" and session.placement_id is not None

    # The teacher sees it on the module page and adds it to her calendar.
    frame = launch(page, live_server, "maya", LINK)
    frame.get_by_test_id("module-title").wait_for()
    panel = frame.get_by_test_id("sessions-upcoming")
    panel.wait_for()
    assert session.title in panel.inner_text()
    with page.expect_download() as info:
        panel.get_by_test_id("session-ics").first.click()
    download = info.value
    calendar = Calendar.from_ical(Path(download.path()).read_bytes())
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"{session.uid}@sessions.ignite"
    assert event["DTSTART"].params["TZID"] == "America/Chicago"
    assert event["DTSTART"].dt.hour == 16 and str(event["LOCATION"]) == "Room 204"
    assert calendar.walk("VTIMEZONE")
    axe_check(tool_frame(page), "module page with sessions")

    # The session takes place (moved into the past), and the trainer records it.
    start = timezone.now() - dt.timedelta(hours=2)
    CohortSession.objects.filter(pk=session.pk).update(
        starts_at=start, ends_at=start + dt.timedelta(hours=1)
    )
    frame = launch(page, live_server, "priya", LINK)
    frame.get_by_test_id("module-title").wait_for()
    frame.get_by_test_id("trainer-dashboard").first.click()
    frame.get_by_test_id("sessions-manage").click()
    frame.get_by_test_id("sessions-to-record").get_by_test_id("session-attendance-link").click()
    attendance = frame.get_by_test_id("attendance-form")
    attendance.wait_for()
    axe_check(tool_frame(page), "attendance form")
    assert narrow_overflow(page) <= 0
    row = attendance.get_by_test_id("attendance-row").filter(has_text="Maya Alvarez")
    row.get_by_test_id("attendance-present").check()
    attendance.locator('textarea[name="notes"]').fill("We tried the rotation chart.")
    attendance.locator('textarea[name="next_steps"]').fill("Run one rotation before the 12th.")
    frame.get_by_test_id("attendance-save").click()
    frame.get_by_test_id("sessions-done").wait_for()
    maya = Participant.objects.get(name="Maya Alvarez")
    assert Attendance.objects.get(participant=maya).status == "present"
    frame.get_by_role("link", name="Trainer dashboard").first.click()
    cell = (
        frame.get_by_test_id("progress-row")
        .filter(has_text="Maya Alvarez")
        .get_by_test_id("sessions-attended")
    )
    cell.wait_for()
    assert cell.inner_text() == "1 of 1"

    # The teacher reads the notes, on a phone-sized screen without sideways scrolling.
    frame = launch(page, live_server, "maya", LINK)
    frame.get_by_test_id("module-title").wait_for()
    # Nothing upcoming for this module any more: no panel on its page; My modules has one.
    assert frame.get_by_test_id("sessions-upcoming").count() == 0
    frame.get_by_role("link", name="My modules").first.click()
    frame.get_by_test_id("sessions-upcoming").get_by_role(
        "link", name="All sessions and notes"
    ).click()
    notes = frame.get_by_test_id("session-next-steps")
    notes.wait_for()
    assert "Run one rotation before the 12th." in notes.inner_text()
    assert "present" in frame.get_by_test_id("my-attendance").inner_text()
    axe_check(tool_frame(page), "teacher's sessions page")
    assert narrow_overflow(page, screenshot, "teacher-sessions") <= 0
    assert page.js_errors == []
