"""Evidence review a teacher can learn from, in a real browser: the rubric's level descriptions
before submission, the levels the trainer chose after review, and a revision request that the
LMS gradebook (the development platform) shows as not yet graded; then a trainer's score
override from the dashboard reaching the gradebook."""

from __future__ import annotations

import pytest

from courses.models import Module
from lti_tool.passback import grades_drain
from mastery.models import Attempt

from .conftest import tool_frame
from .test_teacher_journey import answer_everything_right, launch


@pytest.mark.django_db(transaction=True)
def test_teacher_reads_the_rubric_before_and_after_a_revision_request(
    page, live_server, dev_platform, catalog, axe_check, screenshot
):

    rubric = Module.objects.get(slug="station-rotation").current.evidence_task["rubric"]
    frame = launch(page, live_server, "maya", "bl-fall:bl-stations")
    frame.get_by_test_id("rubric").wait_for()
    levels = frame.get_by_test_id("rubric-level")
    assert levels.count() == sum(len(c["levels"]) for c in rubric)
    text = frame.get_by_test_id("rubric").inner_text()
    for criterion in rubric:
        for level in criterion["levels"]:
            assert level["description"][:60] in text  # every level's description, before
    assert frame.locator('[data-testid="rubric-level"][data-chosen="true"]').count() == 0
    axe_check(tool_frame(page), "module page with the evidence rubric")

    frame.get_by_test_id("evidence-reflection-input").fill("Three stations; slow transitions.")
    frame.get_by_test_id("evidence-submit").click()
    frame.get_by_test_id("evidence-status").wait_for()

    frame = launch(page, live_server, "priya", "bl-fall:")
    frame.get_by_test_id("trainer-dashboard").first.click()
    frame.get_by_test_id("evidence-review-link").click()
    frame.get_by_test_id("rubric-criterion").first.wait_for()
    for criterion in frame.get_by_test_id("rubric-criterion").all():
        criterion.locator("input[type=radio]").nth(1).check()
    frame.get_by_test_id("review-feedback").fill(
        "The plan names the stations. Next: time one transition and add what you change."
    )
    frame.get_by_test_id("review-revise").click()
    frame.get_by_test_id("no-evidence-pending").wait_for()

    grades_drain()
    page.goto(f"{live_server.url}/dev/platform/gradebook/")
    row = page.locator('[data-testid="gradebook-score"][data-user="dev-maya"]')
    assert row.get_attribute("data-final") == "false"
    assert "Not yet graded" in row.inner_text() and "Pending" in row.inner_text()
    assert "time one transition" in row.inner_text()
    screenshot(page, "dev-gradebook-revision-not-final")

    frame = launch(page, live_server, "maya", "bl-fall:bl-stations")
    frame.get_by_test_id("evidence-feedback").wait_for()
    assert "time one transition" in frame.get_by_test_id("evidence-feedback").inner_text()
    reviewed = frame.locator('[data-testid="rubric"][data-reviewed="true"]')
    chosen = reviewed.locator('[data-testid="rubric-level"][data-chosen="true"]')
    assert chosen.count() == len(rubric)
    for index, criterion in enumerate(rubric):
        assert criterion["levels"][1]["label"] in chosen.nth(index).inner_text()
    assert reviewed.get_by_test_id("rubric-chosen").count() == len(rubric)
    grade_note = frame.locator('#evidence [data-testid="grade-status"]').inner_text()
    assert "not yet graded" in grade_note
    axe_check(tool_frame(page), "module page after a review")
    screenshot(page, "teacher-evidence-reviewed-rubric")


@pytest.mark.django_db(transaction=True)
def test_trainer_opens_a_teachers_attempts_and_overrides_the_score(
    page, live_server, dev_platform, catalog, axe_check, screenshot
):

    frame = launch(page, live_server, "maya", "bl-fall:bl-models")
    frame.get_by_test_id("mastery-start").click()
    frame.get_by_test_id("question").first.wait_for()
    attempt = Attempt.objects.get()
    answer_everything_right(frame, attempt)
    frame.get_by_test_id("mastery-submit").click()
    frame.get_by_test_id("mastery-outcome").wait_for()

    frame = launch(page, live_server, "priya", "bl-fall:")
    frame.get_by_test_id("trainer-dashboard").first.click()
    maya = frame.get_by_test_id("progress-row").filter(has_text="Maya Alvarez")
    maya.get_by_test_id("progress-cell-link").first.click()
    frame.get_by_test_id("trainer-attempt").first.wait_for()
    assert frame.get_by_test_id("trainer-response").count() == len(attempt.question_ids)
    axe_check(tool_frame(page), "trainer: a teacher's attempts")
    frame.get_by_test_id("override-score").fill("95")
    frame.get_by_test_id("override-reason").fill("Observed the routine in class on Tuesday.")
    frame.get_by_test_id("override-submit").click()
    frame.get_by_test_id("override").wait_for()
    assert "Priya" in frame.get_by_test_id("override").inner_text()
    screenshot(page, "trainer-teacher-attempts")

    grades_drain()
    page.goto(f"{live_server.url}/dev/platform/gradebook/")
    row = page.locator('[data-testid="gradebook-score"][data-user="dev-maya"]')
    assert row.get_attribute("data-final") == "true"
    assert "95" in row.inner_text() and "Observed the routine" in row.inner_text()
