"""A teacher's journey in a real browser: launch from the LMS frame, read lessons, see progress
move, resume later, take the mastery check and find the score in the LMS gradebook; the
module, lesson and catalog pages pass axe-core's WCAG 2.1 AA rules and fit a 320 px frame."""

from __future__ import annotations

import pytest

from lti_tool.passback import grades_drain
from mastery.attempts import choice_orders
from mastery.models import Attempt

from .conftest import dev_launch, tool_frame


def launch(page, live_server, person: str, link: str):
    return dev_launch(page, live_server.url, person, link)


def answer_everything_right(frame, attempt: Attempt):
    bank = {q["id"]: q for q in attempt.module_version.questions}
    orders = choice_orders(attempt)  # form values are places on the page, not in the pack
    for qid in attempt.question_ids:
        question = bank[qid]
        box = frame.locator(f'[data-testid="question"][data-question="{qid}"]')
        name = f"q-{qid}"
        order = orders.get(qid)
        if question["type"] in ("single", "multiple"):
            for index, option in enumerate(question["options"]):
                if option["correct"]:
                    box.locator(f'input[name="{name}"][value="{order.index(index)}"]').check()
        elif question["type"] == "true_false":
            value = "true" if question["answer"] else "false"
            box.locator(f'input[name="{name}"][value="{value}"]').check()
        elif question["type"] == "numeric":
            box.locator(f'input[name="{name}"]').fill(str(question["answer"]))
        elif question["type"] == "ordering":
            for key in range(len(question["items"])):
                box.locator(f'select[name="{name}-{order.index(key)}"]').select_option(str(key + 1))


@pytest.mark.django_db(transaction=True)
def test_teacher_learns_takes_the_check_and_the_score_reaches_the_gradebook(
    page, live_server, dev_platform, catalog, axe_check, screenshot
):

    frame = launch(page, live_server, "maya", "bl-fall:bl-models")
    frame.get_by_test_id("module-title").wait_for()
    assert "Maya Alvarez" in frame.get_by_test_id("participant-name").inner_text()
    axe_check(tool_frame(page), "module page")
    # The tool asked the platform to fit the frame to the page (lti.frameResize).
    # A locator, not wait_for_function: a polled string predicate is eval'd, which the
    # platform page's CSP (script-src 'self') refuses whenever the first check is false.
    page.locator('[data-testid="tool-frame"][data-resized="true"]').wait_for(state="attached")
    screenshot(page, "teacher-module")

    frame.get_by_test_id("resume").click()
    frame.get_by_test_id("lesson-title").wait_for()
    first_title = frame.get_by_test_id("lesson-title").inner_text()
    assert frame.get_by_test_id("lesson-body").locator("h2").first.inner_text() == "Explanation"
    axe_check(tool_frame(page), "lesson page")
    screenshot(page, "teacher-lesson")
    frame.get_by_test_id("mark-complete").click()
    frame.get_by_test_id("lesson-title").filter(has_not_text=first_title).wait_for()
    second_title = frame.get_by_test_id("lesson-title").inner_text()
    assert frame.get_by_test_id("module-progress").get_attribute("value") == "1"

    # Later: a new launch from the LMS resumes where she stopped.
    frame = launch(page, live_server, "maya", "bl-fall:bl-models")
    resume = frame.get_by_test_id("resume")
    resume.wait_for()
    assert second_title in resume.inner_text()
    assert frame.locator('[data-testid="lesson-item"][data-complete="true"]').count() == 1

    frame.get_by_test_id("mastery-start").click()
    frame.get_by_test_id("mastery-submit").wait_for()
    attempt = Attempt.objects.get(participant__name="Maya Alvarez")
    assert frame.get_by_test_id("question").count() == len(attempt.question_ids)
    axe_check(tool_frame(page), "mastery check")
    answer_everything_right(frame, attempt)
    screenshot(page, "teacher-mastery-check")
    frame.get_by_test_id("mastery-submit").click()
    score = frame.get_by_test_id("mastery-score")
    score.wait_for()
    assert score.inner_text() == "100%"
    axe_check(tool_frame(page), "mastery results")
    screenshot(page, "teacher-mastery-results")

    assert grades_drain() == {"delivered": 1}
    page.goto(f"{live_server.url}/dev/platform/gradebook/")
    row = page.locator('[data-testid="gradebook-score"][data-user="dev-maya"]')
    assert "100.0 / 100.0" in row.inner_text()
    assert "Completed, FullyGraded" in row.inner_text()
    screenshot(page, "dev-gradebook")


@pytest.mark.django_db(transaction=True)
def test_catalog_and_course_navigation_pages(
    page, live_server, dev_platform, catalog, axe_check, screenshot
):
    frame = launch(page, live_server, "amara", "bl-fall:")
    frame.get_by_test_id("cohort-title").wait_for()
    axe_check(tool_frame(page), "course navigation")
    frame.get_by_role("link", name="Catalog", exact=True).click()
    frame.get_by_test_id("catalog-program").first.wait_for()
    assert frame.get_by_test_id("catalog-program").count() == 3
    axe_check(tool_frame(page), "catalog page")
    screenshot(page, "catalog")


@pytest.mark.django_db(transaction=True)
def test_pages_fit_a_320px_frame(page, live_server, dev_platform, catalog):
    page.set_viewport_size({"width": 360, "height": 800})
    frame = launch(page, live_server, "jordan", "bl-fall:bl-stations")
    frame.get_by_test_id("module-title").wait_for()
    tool = tool_frame(page)
    page.evaluate("document.querySelector('[data-testid=tool-frame]').style.width = '320px'")
    width = tool.evaluate("document.documentElement.clientWidth")
    assert width <= 320
    assert tool.evaluate("document.documentElement.scrollWidth") <= width
    frame.get_by_test_id("resume").click()
    frame.get_by_test_id("lesson-title").wait_for()
    assert tool.evaluate("document.documentElement.scrollWidth") <= width
