"""Mastery that means mastery, in a real browser: a blank submit asks and uses no attempt;
a failed attempt's page shows no correct answer under the default policy and does after
mastery; chosen answers survive leaving, resuming and a network blip; a refused evidence
file keeps the typed reflection."""

from __future__ import annotations

import pytest

from mastery.attempts import choice_orders
from mastery.models import Attempt, EvidenceSubmission, SavedAnswer

from .conftest import tool_frame
from .test_teacher_journey import answer_everything_right, launch

LINK = "bl-fall:bl-models"


def answer_everything_wrong(frame, attempt: Attempt):
    bank = {q["id"]: q for q in attempt.module_version.questions}
    orders = choice_orders(attempt)
    for qid in attempt.question_ids:
        question = bank[qid]
        box = frame.locator(f'[data-testid="question"][data-question="{qid}"]')
        name = f"q-{qid}"
        order = orders.get(qid)
        if question["type"] in ("single", "multiple"):
            index = next(i for i, o in enumerate(question["options"]) if not o.get("correct"))
            box.locator(f'input[name="{name}"][value="{order.index(index)}"]').check()
        elif question["type"] == "true_false":
            value = "false" if question["answer"] else "true"
            box.locator(f'input[name="{name}"][value="{value}"]').check()
        elif question["type"] == "numeric":
            box.locator(f'input[name="{name}"]').fill(str(float(question["answer"]) + 1000))
        elif question["type"] == "ordering":
            n = len(question["items"])
            for key in range(n):
                box.locator(f'select[name="{name}-{order.index(key)}"]').select_option(str(n - key))


def answer_any(box):
    """Give one question some answer, right or wrong."""
    kind = box.get_attribute("data-type")
    if kind == "numeric":
        box.locator("input").fill("1")
    elif kind == "ordering":
        for index, select in enumerate(box.locator("select").all(), start=1):
            select.select_option(str(index))
    else:
        box.locator("input").first.check()


def open_attempt(frame) -> Attempt:
    frame.get_by_test_id("mastery-start").click()
    frame.get_by_test_id("mastery-submit").wait_for()
    return Attempt.objects.get(participant__name="Maya Alvarez", status="in_progress")


@pytest.mark.django_db(transaction=True)
def test_a_blank_submit_asks_first_and_uses_no_attempt(
    page, live_server, dev_platform, catalog, axe_check, screenshot
):
    frame = launch(page, live_server, "maya", LINK)
    attempt = open_attempt(frame)
    frame.get_by_test_id("mastery-submit").click()
    box = frame.get_by_test_id("unanswered-confirm-js")
    box.wait_for()
    assert "not answered any question" in box.inner_text()
    assert frame.get_by_test_id("mastery-submit-anyway").count() == 0
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS

    # One answer: the page lists what is left and asks before grading.
    answer_any(frame.get_by_test_id("question").first)
    frame.get_by_test_id("mastery-submit").click()
    total = len(attempt.question_ids)
    box.filter(has_text=f"{total - 1} of {total} unanswered: submit anyway?").wait_for()
    axe_check(tool_frame(page), "unanswered confirmation")
    screenshot(page, "mastery-unanswered-confirm")
    frame.get_by_test_id("mastery-keep-answering").click()
    assert box.is_hidden()
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS
    assert Attempt.objects.filter(participant=attempt.participant).count() == 1

    # Submit anyway: graded, attempt 1 used.
    frame.get_by_test_id("mastery-submit").click()
    frame.get_by_test_id("mastery-submit-anyway").click()
    frame.get_by_test_id("mastery-outcome").wait_for()
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.SUBMITTED


@pytest.mark.django_db(transaction=True)
def test_a_failed_attempt_hides_answers_until_mastery(
    page, live_server, dev_platform, catalog, axe_check, screenshot
):
    frame = launch(page, live_server, "maya", LINK)
    failed = open_attempt(frame)
    answer_everything_wrong(frame, failed)
    frame.get_by_test_id("mastery-submit").click()
    frame.get_by_test_id("mastery-outcome").wait_for()
    assert frame.get_by_test_id("mastery-outcome").get_attribute("data-mastered") == "false"
    assert frame.locator('[data-testid="feedback-item"][data-result="wrong"]').count() == len(
        failed.question_ids
    )
    assert frame.get_by_test_id("revisit-lesson").count() > 0
    assert frame.get_by_test_id("correct-answer").count() == 0
    assert frame.get_by_test_id("explanation").count() == 0
    assert frame.get_by_test_id("your-answer").count() == 0
    text = tool_frame(page).inner_text("body")
    for qid in failed.question_ids:
        question = failed.module_version.question(qid)
        assert question["explanation"].strip()[:60] not in text
        for option in question.get("options", []):
            if option.get("correct"):
                assert option["text"] not in text, (qid, option["text"])
    axe_check(tool_frame(page), "failed attempt results")
    screenshot(page, "mastery-failed-default-review")

    frame.get_by_test_id("mastery-retry").click()
    frame.get_by_test_id("mastery-submit").wait_for()
    second = Attempt.objects.get(participant__name="Maya Alvarez", status="in_progress")
    assert len(set(second.question_ids) - set(failed.question_ids)) >= 4  # a new test
    answer_everything_right(frame, second)
    frame.get_by_test_id("mastery-submit").click()
    frame.locator('[data-testid="mastery-outcome"][data-mastered="true"]').wait_for()

    # After mastery, the first attempt's page shows the answers and explanations.
    frame.get_by_role("link", name="Back to the module").click()
    frame.get_by_test_id("attempt-list").get_by_role("link", name="Attempt 1").click()
    frame.get_by_test_id("correct-answer").first.wait_for()
    assert frame.get_by_test_id("correct-answer").count() == len(failed.question_ids)
    assert frame.get_by_test_id("explanation").count() == len(failed.question_ids)
    screenshot(page, "mastery-failed-after-mastery")


@pytest.mark.django_db(transaction=True)
def test_answers_survive_leaving_resuming_and_a_network_blip(
    page, browser_context, live_server, dev_platform, catalog
):
    frame = launch(page, live_server, "maya", LINK)
    attempt = open_attempt(frame)
    singles = [
        qid
        for qid in attempt.question_ids
        if attempt.module_version.question(qid)["type"] in ("single", "true_false")
    ]
    assert len(singles) >= 3
    status = frame.get_by_test_id("save-status")
    chosen = {}
    for qid in singles[:2]:
        radio = frame.locator(f'[data-question="{qid}"] input[type="radio"]').last
        radio.check()
        chosen[qid] = radio.get_attribute("value")
        status.filter(has_text="Your answers are saved.").wait_for()

    # The network drops: the change waits on the page and is sent once it is back.
    browser_context.set_offline(True)
    blip = singles[2]
    radio = frame.locator(f'[data-question="{blip}"] input[type="radio"]').first
    radio.check()
    chosen[blip] = radio.get_attribute("value")
    status.filter(has_text="Not saved yet").wait_for()
    browser_context.set_offline(False)
    status.filter(has_text="Your answers are saved.").wait_for(timeout=40_000)
    saved = {row.question_id: row.fields for row in SavedAnswer.objects.filter(attempt=attempt)}
    assert {qid: fields[f"q-{qid}"] for qid, fields in saved.items()} == {
        qid: [value] for qid, value in chosen.items()
    }

    # Leave, come back from the LMS another day, resume: the answers are there.
    page.goto(f"{live_server.url}/dev/platform/gradebook/")
    frame = launch(page, live_server, "maya", LINK)
    frame.get_by_test_id("mastery-start").click()
    frame.get_by_test_id("mastery-submit").wait_for()
    for qid, value in chosen.items():
        radio = frame.locator(f'[data-question="{qid}"] input[value="{value}"]')
        assert radio.is_checked(), qid


@pytest.mark.django_db(transaction=True)
def test_a_refused_upload_keeps_the_reflection(
    page, live_server, dev_platform, catalog, tmp_path, settings, axe_check, screenshot
):
    settings.MEDIA_ROOT = tmp_path / "media"
    program = tmp_path / "plan.pdf"
    program.write_bytes(b"MZ\x90\x00" + b"\x00" * 256)  # a Windows program named .pdf
    reflection = "Rotation day 3: the teacher-led station ran 4 minutes over; I will use a timer."
    frame = launch(page, live_server, "maya", "bl-fall:bl-stations")
    frame.get_by_test_id("evidence-file-input").set_input_files(str(program))
    frame.get_by_test_id("evidence-reflection-input").fill(reflection)
    frame.get_by_test_id("evidence-submit").click()
    error = frame.get_by_test_id("evidence-refused")
    error.wait_for()
    assert "plan.pdf" in error.inner_text() and "not accepted" in error.inner_text()
    assert frame.get_by_test_id("evidence-reflection-input").input_value() == reflection
    axe_check(tool_frame(page), "refused evidence")
    screenshot(page, "evidence-refused-keeps-reflection")
    assert EvidenceSubmission.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_second_tab_loses_nothing(page, browser_context, live_server, dev_platform, catalog):
    frame = launch(page, live_server, "maya", LINK)
    attempt = open_attempt(frame)
    singles = [
        qid
        for qid in attempt.question_ids
        if attempt.module_version.question(qid)["type"] in ("single", "true_false")
    ]
    first, second = singles[:2]
    frame.locator(f'[data-question="{first}"] input[type="radio"]').first.check()
    frame.get_by_test_id("save-status").filter(has_text="Your answers are saved.").wait_for()

    other = browser_context.new_page()
    tab = launch(other, live_server, "maya", LINK)
    tab.get_by_test_id("mastery-start").click()
    tab.get_by_test_id("mastery-submit").wait_for()
    assert tab.locator(f'[data-question="{first}"] input[type="radio"]').first.is_checked()
    tab.locator(f'[data-question="{second}"] input[type="radio"]').last.check()
    tab.get_by_test_id("save-status").filter(has_text="Your answers are saved.").wait_for()

    # Back in the first tab: it shows what the second saved once it is in view again.
    page.bring_to_front()
    tool_frame(page).evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    frame.locator(f'[data-question="{second}"] input:checked').wait_for()
    assert frame.locator(f'[data-question="{second}"] input[type="radio"]').last.is_checked()
    frame.get_by_test_id("mastery-submit").click()
    frame.get_by_test_id("mastery-submit-anyway").click()
    frame.get_by_test_id("mastery-outcome").wait_for()
    attempt.refresh_from_db()
    assert attempt.answers[first] is not None and attempt.answers[second] is not None
