"""Mastery checks: fixed attempts, no answers before submission, idempotent submission,
policy (threshold, attempts, wait, which score counts), feedback, and the grade outbox row."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from courses.models import Cohort, Module, ModuleVersion, Participant, Placement
from mastery.attempts import attempt_questions, attempt_start, choice_orders
from mastery.models import Attempt, GradeRecord


def right_answers(attempt: Attempt, wrong: set[str] = frozenset()) -> dict:
    """Form data answering every question of the attempt, right unless its id is in `wrong`."""
    bank = {q["id"]: q for q in attempt.module_version.questions}
    orders = choice_orders(attempt)
    data = {}
    for qid in attempt.question_ids:
        question, name = bank[qid], f"q-{qid}"
        bad = qid in wrong
        # Form values are places on the page; the pack's positions go through the attempt's order.
        order = orders.get(qid) or list(
            range(len(question.get("options") or question.get("items") or []))
        )
        if question["type"] == "single":
            index = next(i for i, o in enumerate(question["options"]) if o["correct"] != bad)
            data[name] = str(order.index(index))
        elif question["type"] == "true_false":
            data[name] = "true" if question["answer"] != bad else "false"
        elif question["type"] == "ordering":
            n = len(question["items"])
            for key in range(n):
                data[f"{name}-{order.index(key)}"] = str((n - key) if bad else key + 1)
    return data


def start(teacher, pid):
    response = teacher.post(f"/app/p/{pid}/mastery/")
    assert response.status_code == 303, response.content
    number = int(re.search(r"/mastery/(\d+)/", response["Location"]).group(1))
    return Attempt.objects.get(number=number, placement_id=pid, participant__name=teacher.name)


@pytest.fixture
def teacher(launch_as):
    t = launch_as()
    t.name = "Maya Alvarez"
    return t


def test_attempt_page_shows_questions_without_answers(teacher, placement_of):
    pid = placement_of().pk
    attempt = start(teacher, pid)
    page = teacher.get(f"/app/p/{pid}/mastery/{attempt.number}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('data-testid="question"') == 2  # questions_per_attempt in the pack
    assert 'data-testid="mastery-submit"' in html
    for question in attempt.module_version.questions:
        assert question["explanation"] not in html
    assert "correct" not in html.lower().replace("incorrect", "")


def test_reload_and_second_start_show_the_same_attempt(teacher, placement_of):
    pid = placement_of().pk
    attempt = start(teacher, pid)
    first = teacher.get(f"/app/p/{pid}/mastery/{attempt.number}/").content
    again = start(teacher, pid)
    assert again.pk == attempt.pk
    assert teacher.get(f"/app/p/{pid}/mastery/{attempt.number}/").content == first
    assert attempt_questions(attempt) == attempt_questions(Attempt.objects.get(pk=attempt.pk))


def test_all_right_is_mastery_and_writes_the_grade(teacher, placement_of):
    pid = placement_of().pk
    attempt = start(teacher, pid)
    response = teacher.post(f"/app/p/{pid}/mastery/{attempt.number}/", right_answers(attempt))
    assert response.status_code == 303
    result = teacher.get(f"/app/p/{pid}/mastery/{attempt.number}/").content.decode()
    assert 'data-testid="mastery-score">100%<' in result
    assert 'data-mastered="true"' in result
    assert result.count('data-testid="feedback-item"') == 2
    for qid in attempt.question_ids:
        assert attempt.module_version.question(qid)["explanation"] in result
    grade = GradeRecord.objects.get()
    assert (grade.score_given, grade.score_maximum) == (Decimal("100"), Decimal("100"))
    assert "mastered" in grade.comment and grade.status == GradeRecord.Status.PENDING
    assert 'data-testid="grade-status" data-status="pending"' in result


def test_double_submit_grades_once(teacher, placement_of):
    pid = placement_of().pk
    attempt = start(teacher, pid)
    url = f"/app/p/{pid}/mastery/{attempt.number}/"
    teacher.post(url, right_answers(attempt, wrong=set(attempt.question_ids[:1])))
    teacher.post(url, right_answers(attempt))  # back button, resubmitted with better answers
    attempt.refresh_from_db()
    assert attempt.score == Decimal("50.00")
    assert GradeRecord.objects.count() == 1


def test_not_yet_mastered_points_to_lessons_and_allows_a_retry(teacher, placement_of):
    pid = placement_of().pk
    attempt = start(teacher, pid)
    url = f"/app/p/{pid}/mastery/{attempt.number}/"
    teacher.post(url, right_answers(attempt, wrong=set(attempt.question_ids)))
    html = teacher.get(url).content.decode()
    assert 'data-testid="mastery-score">0%<' in html and 'data-mastered="false"' in html
    assert 'data-testid="revisit"' in html and "/lessons/" in html
    # The default review policy: attempts are left, so no answers and no explanations yet.
    assert "The answer:" not in html
    for qid in attempt.question_ids:
        assert attempt.module_version.question(qid)["explanation"] not in html
    assert 'data-testid="mastery-retry"' in html
    second = start(teacher, pid)
    assert second.number == 2


def test_max_attempts_and_wait_are_enforced(teacher, placement_of):
    placement = placement_of()
    placement.mastery_policy = {"max_attempts": 2, "wait_minutes": 0}
    placement.save()
    pid = placement.pk
    for _ in range(2):
        attempt = start(teacher, pid)
        answered = right_answers(attempt, wrong=set(attempt.question_ids))
        teacher.post(f"/app/p/{pid}/mastery/{attempt.number}/", answered)
    refused = teacher.post(f"/app/p/{pid}/mastery/")
    assert refused.status_code == 409
    assert "used all 2 attempts" in refused.content.decode()
    assert Attempt.objects.count() == 2

    placement.mastery_policy = {"wait_minutes": 30}
    placement.save()
    refused = teacher.post(f"/app/p/{pid}/mastery/")
    assert (
        refused.status_code == 409 and "next attempt opens in about 30" in refused.content.decode()
    )
    module = teacher.get(f"/app/p/{pid}/").content.decode()
    assert 'data-testid="mastery-refusal"' in module and 'data-testid="mastery-start"' not in module


@pytest.mark.parametrize(("policy", "counted"), [("highest", "100.0000"), ("latest", "50.0000")])
def test_which_score_counts(teacher, placement_of, policy, counted):
    placement = placement_of()
    placement.mastery_policy = {"score_policy": policy}
    placement.save()
    pid = placement.pk
    first = start(teacher, pid)
    teacher.post(f"/app/p/{pid}/mastery/{first.number}/", right_answers(first))
    second = start(teacher, pid)
    wrong = set(second.question_ids[:1])
    teacher.post(f"/app/p/{pid}/mastery/{second.number}/", right_answers(second, wrong=wrong))
    latest = GradeRecord.objects.order_by("-timestamp").first()
    assert str(latest.score_given) == counted


def test_attempts_belong_to_their_owner(teacher, launch_as, placement_of):
    pid = placement_of().pk
    attempt = start(teacher, pid)
    other = launch_as(sub="jordan", name="Jordan")
    assert other.get(f"/app/p/{pid}/mastery/{attempt.number}/").status_code == 404
    assert other.post(f"/app/p/{pid}/mastery/{attempt.number}/", {}).status_code == 404
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS


def test_an_attempt_stays_readable_after_a_new_module_version(teacher, placement_of, demo_pack):
    from io import StringIO

    from django.core.management import call_command

    from tests.courses.packs import module_dir

    pid = placement_of().pk
    attempt = start(teacher, pid)
    teacher.post(f"/app/p/{pid}/mastery/{attempt.number}/", right_answers(attempt))
    module_yaml = module_dir(demo_pack) / "module.yaml"
    questions = module_dir(demo_pack) / "questions.yaml"
    module_yaml.write_text(module_yaml.read_text().replace("version: 1", "version: 2"))
    questions.write_text(questions.read_text().replace("Because.", "Because, revised."))
    call_command("import_content", str(demo_pack), stdout=StringIO())
    assert ModuleVersion.objects.count() == 2
    html = teacher.get(f"/app/p/{pid}/mastery/{attempt.number}/").content.decode()
    assert 'data-testid="mastery-score">100%<' in html


@pytest.mark.django_db(transaction=True)
def test_concurrent_starts_make_one_attempt(tmp_path):
    """Two tabs pressing start at once get the same attempt; numbers never collide."""
    from io import StringIO

    from django.core.management import call_command

    from tests.courses.packs import write_pack

    call_command("import_content", str(write_pack(tmp_path / "p")), stdout=StringIO())
    participant = Participant.objects.create(name="P")
    placement = Placement.objects.create(cohort=Cohort.objects.create(), module_slug="demo-module")
    version = Module.objects.get().current
    from tests.concurrency import at_once

    got = at_once(
        lambda: attempt_start(participant=participant, placement=placement, version=version).pk
    )
    assert len(set(got)) == 1 and Attempt.objects.count() == 1


def test_link_custom_parameters_override_the_policy(launch_as, lti, placement_of):
    from tests.conftest import LTI

    response = lti.launch(
        sub="teacher-9",
        **{
            LTI + "resource_link": {"id": "link-1", "title": "Demo"},
            LTI + "custom": {
                "module": "demo-module",
                "mastery_threshold": "90",
                "mastery_max_attempts": "1",
                "mastery_score_policy": "latest",
                "mastery_wait_minutes": "-5",
            },
        },
    )
    assert response.status_code == 303
    assert placement_of().mastery_policy == {
        "threshold": 90,
        "max_attempts": 1,
        "score_policy": "latest",
    }
