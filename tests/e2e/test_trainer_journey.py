"""A trainer's journey in a real browser: add a module to the course through deep linking,
then a teacher launches the new link."""

from __future__ import annotations

import pytest

from courses.models import Module
from devplatform.models import DevLink
from lti_tool.passback import grades_drain

from .conftest import tool_frame
from .test_teacher_journey import launch


@pytest.mark.django_db(transaction=True)
def test_trainer_deep_links_a_module_and_a_teacher_opens_it(
    page, live_server, dev_platform, catalog, axe_check, screenshot
):
    frame = launch(page, live_server, "priya", "bl-fall:add-content")
    item = frame.locator('[data-testid="deep-link-item"][data-slug="playlists-choice-boards"]')
    item.wait_for()

    listed = Module.objects.filter(current__isnull=False, retired=False).count()
    assert frame.get_by_test_id("deep-link-item").count() == listed >= 10
    title_text = Module.objects.get(slug="playlists-choice-boards").current.title
    axe_check(tool_frame(page), "deep linking picker")
    item.click()
    screenshot(page, "trainer-deep-linking")
    frame.get_by_test_id("deep-link-submit").click()
    added = frame.get_by_test_id("dev-added-link")
    added.wait_for()
    assert title_text in added.inner_text()
    link = DevLink.objects.get()
    assert link.custom == {"module": "playlists-choice-boards"}

    frame = launch(page, live_server, "amara", f"bl-fall:{link.key}")
    title = frame.get_by_test_id("module-title")
    title.wait_for()
    assert title.inner_text() == title_text
    assert page.js_errors == []


@pytest.mark.django_db(transaction=True)
def test_trainer_dashboard_fills_as_teachers_progress(
    page, live_server, dev_platform, catalog, axe_check, screenshot
):
    frame = launch(page, live_server, "maya", "bl-fall:bl-models")
    frame.get_by_test_id("resume").click()
    frame.get_by_test_id("mark-complete").click()
    frame.get_by_test_id("lesson-title").wait_for()

    frame = launch(page, live_server, "priya", "bl-fall:")
    frame.get_by_test_id("trainer-dashboard").first.click()
    grid = frame.get_by_test_id("progress-grid")
    grid.wait_for()
    maya = frame.get_by_test_id("progress-row").filter(has_text="Maya Alvarez")
    assert maya.get_by_test_id("progress-cell").first.get_attribute("data-state") == "in_progress"
    # Teachers on the LMS roster who never opened Ignite are listed too (from NRPS).
    assert frame.get_by_test_id("progress-row").filter(has_text="Amara Okafor").count() == 1
    axe_check(tool_frame(page), "trainer dashboard")
    screenshot(page, "trainer-dashboard-progress")


@pytest.mark.django_db(transaction=True)
def test_teacher_submits_evidence_and_the_trainers_review_reaches_the_gradebook(
    page, live_server, dev_platform, catalog, axe_check, screenshot, tmp_path, settings
):

    settings.MEDIA_ROOT = tmp_path / "media"
    plan = tmp_path / "station-plan.pdf"
    plan.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n")

    frame = launch(page, live_server, "maya", "bl-fall:bl-stations")
    frame.get_by_test_id("evidence-file-input").set_input_files(str(plan))
    frame.get_by_test_id("evidence-reflection-input").fill(
        "Three stations; transitions took 70 seconds by Thursday."
    )
    frame.get_by_test_id("evidence-submit").click()
    status = frame.get_by_test_id("evidence-status")
    status.wait_for()
    assert status.get_attribute("data-status") == "submitted"

    frame = launch(page, live_server, "priya", "bl-fall:")
    frame.get_by_test_id("trainer-dashboard").first.click()
    frame.get_by_test_id("evidence-review-link").click()
    frame.get_by_test_id("rubric-criterion").first.wait_for()
    axe_check(tool_frame(page), "evidence review")
    for criterion in frame.get_by_test_id("rubric-criterion").all():
        criterion.locator("input[type=radio]").nth(2).check()  # Proficient
    frame.get_by_test_id("review-feedback").fill(
        "Your timed transitions show the routines are working. Next: use the exit ticket to regroup."
    )
    screenshot(page, "trainer-evidence-review")
    frame.get_by_test_id("review-accept").click()
    frame.get_by_test_id("no-evidence-pending").wait_for()

    grades_drain()
    page.goto(f"{live_server.url}/dev/platform/gradebook/")
    row = page.locator('[data-testid="gradebook-score"][data-user="dev-maya"]')
    assert "Completed, FullyGraded" in row.inner_text()
    assert "use the exit ticket to regroup" in row.inner_text()
