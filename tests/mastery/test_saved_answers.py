"""Nothing typed is lost, and nothing blank is graded: answers saved as they are chosen
(script and no-script), restored on resume, merged across tabs; unanswered questions asked
about before grading; hostile saves refused with 4xx."""

from __future__ import annotations

import json
import threading

import pytest
from django.test import Client

from courses.models import Cohort, Module, Participant, Placement
from mastery.attempts import answers_save, attempt_start
from mastery.models import Attempt, GradeRecord, SavedAnswer

from .test_attempts import right_answers, start

JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def teacher(launch_as):
    t = launch_as()
    t.name = "Maya Alvarez"
    return t


@pytest.fixture
def attempt(teacher, placement_of):
    return start(teacher, placement_of().pk)


def urls(attempt):
    base = f"/app/p/{attempt.placement_id}/mastery/{attempt.number}/"
    return base, base + "answers/"


def one_answer(attempt, qid=None) -> dict:
    """Form data answering one question of the attempt (right), and nothing else."""
    name = f"q-{qid or attempt.question_ids[0]}"
    return {
        k: v for k, v in right_answers(attempt).items() if k == name or k.startswith(name + "-")
    }


def test_a_saved_answer_is_restored_when_the_attempt_resumes(teacher, attempt):
    page, save = urls(attempt)
    data = one_answer(attempt, "d-01")
    response = teacher.post(save, {**data, "changed": "d-01"}, **JSON)
    assert response.status_code == 200 and json.loads(response.content) == {"saved": ["d-01"]}
    teacher.post(save, {**data, "changed": "d-01"}, **JSON)  # a retried request
    assert SavedAnswer.objects.filter(attempt=attempt).count() == 1
    # Leave, launch again later, resume: the answer is checked.
    resumed = teacher.post(f"/app/p/{attempt.placement_id}/mastery/")
    assert resumed.status_code == 303 and f"/mastery/{attempt.number}/" in resumed["Location"]
    html = teacher.get(page).content.decode()
    assert f'name="q-d-01" value="{data["q-d-01"]}" checked' in html
    # The resumed page carries the teacher's answers, never the key or the explanations.
    for qid in attempt.question_ids:
        assert attempt.module_version.question(qid)["explanation"] not in html
    assert "correct" not in html.lower()


def test_the_save_button_without_javascript_saves_and_comes_back(teacher, attempt):
    page, save = urls(attempt)
    response = teacher.post(save, right_answers(attempt))
    assert response.status_code == 303 and "saved=1" in response["Location"]
    assert SavedAnswer.objects.filter(attempt=attempt).count() == len(attempt.question_ids)
    html = teacher.client.get(response["Location"]).content.decode()
    assert 'data-testid="answers-saved"' in html
    assert Attempt.objects.get(pk=attempt.pk).status == Attempt.Status.IN_PROGRESS


def test_a_blank_from_a_stale_tab_keeps_the_answer_and_a_cleared_one_is_cleared(teacher, attempt):
    _, save = urls(attempt)
    teacher.post(save, {**one_answer(attempt, "d-01"), "changed": "d-01"}, **JSON)
    # Another tab, opened before the answer was chosen, saves its other question.
    other = next(q for q in attempt.question_ids if q != "d-01")
    teacher.post(save, {**one_answer(attempt, other), "changed": other}, **JSON)
    assert set(SavedAnswer.objects.values_list("question_id", flat=True)) == {"d-01", other}
    # The teacher clears d-01 on purpose: the page names it as changed with no value.
    teacher.post(save, {"changed": "d-01"}, **JSON)
    assert set(SavedAnswer.objects.values_list("question_id", flat=True)) == {other}


def test_submitting_from_a_second_tab_grades_answers_saved_in_the_first(teacher, attempt):
    page, save = urls(attempt)
    first, second = attempt.question_ids
    teacher.post(save, {**one_answer(attempt, first), "changed": first}, **JSON)
    response = teacher.post(page, one_answer(attempt, second))  # the tab knows only `second`
    assert response.status_code == 303
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.SUBMITTED and attempt.score == 100
    assert not SavedAnswer.objects.filter(attempt=attempt).exists()


def test_a_blank_submission_is_not_graded_and_uses_no_attempt(teacher, attempt):
    page, _ = urls(attempt)
    for data in ({}, {"confirm": "unanswered"}, {"q-d-01": "9", "q-zz": "1"}):
        response = teacher.post(page, data)
        assert response.status_code == 400
        html = response.content.decode()
        assert "not answered any question" in html and 'data-blank="true"' in html
        assert 'data-testid="mastery-submit-anyway"' not in html
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS and attempt.score is None
    assert GradeRecord.objects.count() == 0
    # The same attempt continues: starting again resumes it.
    assert start(teacher, attempt.placement_id).pk == attempt.pk


def test_unanswered_questions_are_asked_about_before_grading(teacher, attempt):
    page, _ = urls(attempt)
    answered = attempt.question_ids[0]
    response = teacher.post(page, one_answer(attempt, answered))
    assert response.status_code == 200
    html = response.content.decode()
    assert "1 of 2 unanswered: submit anyway?" in html
    assert 'href="#question-2"' in html and 'data-unanswered="true"' in html
    assert 'data-testid="mastery-submit-anyway"' in html
    # What was chosen is kept on the confirmation page and on the server.
    assert " checked" in html or " selected" in html
    assert SavedAnswer.objects.filter(attempt=attempt, question_id=answered).exists()
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS and GradeRecord.objects.count() == 0
    # Submit anyway: graded with the saved answer, the missing one scores nothing.
    confirmed = teacher.post(page, {"confirm": "unanswered"})
    assert confirmed.status_code == 303
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.SUBMITTED and attempt.score == 50
    assert attempt.answers[attempt.question_ids[1]] is None


def test_unknown_question_ids_are_ignored_and_a_save_of_nothing_is_refused(teacher, attempt):
    _, save = urls(attempt)
    response = teacher.post(save, {"q-nope": "1", "changed": "nope", "q-../x": "1"}, **JSON)
    assert response.status_code == 200 and json.loads(response.content) == {"saved": []}
    assert teacher.post(save, {"q-nope": "1"}, **JSON).status_code == 400
    assert not SavedAnswer.objects.exists()
    mixed = teacher.post(save, {"q-nope": "1", "q-d-01": "0", "changed": "d-01"}, **JSON)
    assert json.loads(mixed.content) == {"saved": ["d-01"]}
    assert SavedAnswer.objects.get().question_id == "d-01"


def test_overlong_and_repeated_values_are_bounded(teacher, attempt):
    _, save = urls(attempt)
    teacher.post(save, {"q-d-01": ["0"] * 500 + ["x" * 5000], "changed": "d-01"}, **JSON)
    saved = SavedAnswer.objects.get()
    assert saved.fields == {"q-d-01": ["0"] * 8}


def test_saving_to_a_submitted_attempt_is_refused(teacher, attempt):
    page, save = urls(attempt)
    teacher.post(page, right_answers(attempt))
    response = teacher.post(save, {"q-d-01": "1", "changed": "d-01"}, **JSON)
    assert response.status_code == 409 and "already submitted" in response.content.decode()
    assert teacher.post(save, {"q-d-01": "1"}).status_code == 303  # no script: to the result
    attempt.refresh_from_db()
    assert attempt.score == 100


def test_other_peoples_and_unknown_attempts_are_404(teacher, attempt, launch_as):
    page, save = urls(attempt)
    other = launch_as(sub="jordan", name="Jordan")
    assert other.post(save, {"q-d-01": "1", "changed": "d-01"}, **JSON).status_code == 404
    assert other.get(page).status_code == 404
    missing = f"/app/p/{attempt.placement_id}/mastery/99/answers/"
    assert teacher.post(missing, {"q-d-01": "1"}, **JSON).status_code == 404
    # A placement of another course, even with a real attempt number.
    stranger = launch_as(sub="sam", name="Sam", link="link-9", context="course-9")
    assert stranger.post(save, {"q-d-01": "1"}, **JSON).status_code == 404
    assert not SavedAnswer.objects.exists()


def test_saving_needs_the_launch_and_a_same_origin_request(teacher, attempt, client):
    _, save = urls(attempt)
    data = {"q-d-01": "1", "changed": "d-01"}
    # Another site's page posting the teacher's launch token.
    forged = teacher.post(save, data, HTTP_ORIGIN="https://evil.example", **JSON)
    assert forged.status_code == 403
    # No launch at all.
    assert client.post(save, data, HTTP_ORIGIN="http://testserver").status_code in (401, 403)
    # The token only in the URL (as a link would carry it): Django's cookie check applies.
    browser = Client(enforce_csrf_checks=True)
    query = browser.post(f"{save}?lt={teacher.lt}", data, HTTP_ORIGIN="http://testserver")
    assert query.status_code == 403
    assert teacher.client.put(f"{save}?lt={teacher.lt}").status_code == 405
    assert not SavedAnswer.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_saves_from_two_tabs_at_once_keep_both_questions(tmp_path):
    """Tabs saving different questions at the same moment: each question keeps its answer;
    the same question saved at once keeps one row."""
    from io import StringIO

    from django.core.management import call_command

    from tests.concurrency import at_once
    from tests.courses.packs import write_pack

    call_command("import_content", str(write_pack(tmp_path / "p")), stdout=StringIO())
    participant = Participant.objects.create(name="P")
    placement = Placement.objects.create(cohort=Cohort.objects.create(), module_slug="demo-module")
    attempt = attempt_start(
        participant=participant, placement=placement, version=Module.objects.get().current
    )
    first, second = attempt.question_ids
    each = [{k: [v] for k, v in one_answer(attempt, qid).items()} for qid in attempt.question_ids]
    forms = iter(each * 2)
    lock = threading.Lock()

    def save():
        with lock:
            data = next(forms)
        return answers_save(attempt=attempt, data=data)

    at_once(save)
    saved = dict(SavedAnswer.objects.values_list("question_id", "fields"))
    assert saved.keys() == {first, second}


def test_a_tab_coming_back_reads_what_another_tab_saved(teacher, attempt, launch_as):
    page, save = urls(attempt)
    teacher.post(save, {**one_answer(attempt, "d-01"), "changed": "d-01"}, **JSON)
    response = teacher.get(save, **JSON)
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    expected = {name: [value] for name, value in one_answer(attempt, "d-01").items()}
    assert json.loads(response.content) == {"answers": expected}
    assert launch_as(sub="jordan", name="Jordan").get(save, **JSON).status_code == 404
    teacher.post(page, right_answers(attempt))
    assert teacher.get(save, **JSON).status_code == 409
