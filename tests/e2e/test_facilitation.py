"""A trainer's calibration round and a teacher's classroom template, in a real browser through
the development platform (the shipped station-rotation materials)."""

from __future__ import annotations

import pytest

from facilitation.models import CalibrationAttempt, ModuleMaterials

from .conftest import tool_frame
from .test_teacher_journey import launch


@pytest.mark.django_db(transaction=True)
def test_a_trainer_runs_a_calibration_round_from_the_dashboard(
    page, live_server, dev_platform, catalog, axe_check, screenshot
):
    examples = ModuleMaterials.objects.get(
        module_version__module__slug="station-rotation"
    ).calibration
    frame = launch(page, live_server, "priya", "bl-fall:bl-stations")
    frame.get_by_test_id("module-title").wait_for()
    frame.get_by_test_id("trainer-dashboard").first.click()
    frame.get_by_test_id("progress-grid").wait_for()
    frame.get_by_test_id("calibration").first.click()

    form = frame.get_by_test_id("calibration-form")
    form.wait_for()
    assert frame.get_by_test_id("calibration-example").count() == 3
    axe_check(tool_frame(page), "calibration form")
    # Score every example one level below the reference where there is one, else at it.
    expected_agreed = 0
    for e_index, example in enumerate(examples):
        box = frame.get_by_test_id("calibration-example").nth(e_index)
        for c_index, reference in enumerate(example["levels"]):
            choices = box.locator(f'input[name="e{e_index}-c{c_index}"]')
            labels = [choices.nth(i).get_attribute("value") for i in range(choices.count())]
            at = labels.index(reference["level"])
            pick = labels[at - 1] if at > 0 else labels[at]
            expected_agreed += pick == reference["level"]
            box.locator(f'input[name="e{e_index}-c{c_index}"][value="{pick}"]').check()
    frame.get_by_test_id("calibration-submit").click()

    summary = frame.get_by_test_id("calibration-summary")
    summary.wait_for()
    attempt = CalibrationAttempt.objects.get()
    assert attempt.agreed == expected_agreed and attempt.total == 12
    assert summary.get_attribute("data-agreed") == str(expected_agreed)
    assert frame.get_by_test_id("calibration-row").count() == 12
    first_rationale = examples[0]["levels"][0]["rationale"].split()[0]
    assert first_rationale in frame.get_by_test_id("calibration-result-example").first.inner_text()
    axe_check(tool_frame(page), "calibration result")
    screenshot(page, "trainer-calibration-result")
    assert page.js_errors == []


@pytest.mark.django_db(transaction=True)
def test_a_teacher_opens_a_classroom_template_from_the_module_page(
    page, live_server, dev_platform, catalog, axe_check, screenshot
):
    frame = launch(page, live_server, "maya", "bl-fall:bl-stations")
    templates = frame.get_by_test_id("templates")
    templates.wait_for()
    assert "Station rotation chart" in templates.inner_text()
    assert frame.get_by_test_id("facilitator-guide-link").count() == 0
    templates.get_by_role("link", name="Station rotation chart", exact=True).click()
    title = frame.get_by_test_id("template-title")
    title.wait_for()
    assert title.inner_text() == "Station rotation chart"
    assert frame.locator('th[scope="col"]').count() >= 5
    axe_check(tool_frame(page), "classroom template")
    # Readable at 200%: half the viewport width is what 200% zoom gives the page; nothing
    # outside tables (which scroll on their own) is wider than the page.
    page.set_viewport_size({"width": 640, "height": 900})
    overflow = tool_frame(page).evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    screenshot(page, "teacher-template")
    assert overflow <= 0
    assert page.js_errors == []
