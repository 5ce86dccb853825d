"""The development platform launches the tool in an iframe through the real OIDC flow."""

from __future__ import annotations

import pytest

from courses.models import Membership

from .test_teacher_journey import launch


@pytest.mark.django_db(transaction=True)
def test_teacher_launches_in_iframe(page, live_server, dev_platform, screenshot):
    frame = launch(page, live_server, "jordan", "bl-fall:bl-models")
    name = frame.get_by_test_id("participant-name").first
    name.wait_for()
    assert "Jordan O'Neil" in name.inner_text()
    assert frame.get_by_test_id("trainer-dashboard").count() == 0
    screenshot(page, "teacher-landing")
    membership = Membership.objects.get(participant__name="Jordan O'Neil")
    assert membership.role == "teacher"
    assert membership.cohort.title == "Blended Learning Cohort (Fall)"
    assert page.js_errors == []


@pytest.mark.django_db(transaction=True)
def test_trainer_launches_and_opens_dashboard(page, live_server, dev_platform, screenshot):
    launch(page, live_server, "maya", "bl-fall:bl-models")  # a teacher first
    page.frame_locator('[data-testid="tool-frame"]').get_by_test_id(
        "participant-name"
    ).first.wait_for()
    frame = launch(page, live_server, "priya", "bl-fall:")
    link = frame.get_by_test_id("trainer-dashboard").first
    link.wait_for()
    assert "Dr. Priya Raman" in frame.locator("body").inner_text()
    link.click()
    roster = frame.get_by_test_id("roster")
    roster.wait_for()
    assert "Maya Alvarez" in roster.inner_text()
    screenshot(page, "trainer-dashboard")
    assert Membership.objects.get(participant__name="Dr. Priya Raman").role == "trainer"
