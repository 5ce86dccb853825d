"""What a result page reveals, and when: the review policy of the module, the link's
overrides, and trainers who always see everything. Correct answers never reach the page
under the default policy before mastery."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command

from courses.models import Module
from mastery.attempts import policy_for
from mastery.review import DEFAULT_REVIEW, review_visibility
from tests.conftest import LTI
from tests.courses.packs import module_dir

from .test_attempts import right_answers, start

INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
ORDER = "one → two → three"  # d-03's correct order, in words


@pytest.fixture
def teacher(launch_as):
    t = launch_as()
    t.name = "Maya Alvarez"
    return t


def fail(teacher, pid):
    attempt = start(teacher, pid)
    url = f"/app/p/{pid}/mastery/{attempt.number}/"
    teacher.post(url, right_answers(attempt, wrong=set(attempt.question_ids)))
    return attempt, teacher.get(url).content.decode()


def reveals_answers(html: str, attempt) -> bool:
    explanations = [attempt.module_version.question(q)["explanation"] for q in attempt.question_ids]
    return (
        'data-testid="correct-answer"' in html
        or ORDER in html
        or any(text in html for text in explanations)
    )


def test_default_before_mastery_shows_score_misses_and_lessons_but_no_answers(
    teacher, placement_of
):
    pid = placement_of().pk
    attempt, html = fail(teacher, pid)
    assert 'data-testid="mastery-score">0%<' in html
    assert html.count('data-result="wrong"') == 2
    assert 'data-testid="revisit-lesson"' in html and 'data-testid="revisit"' in html
    assert not reveals_answers(html, attempt)
    # Nor the teacher's own answers: a wrong "True" next to its verdict says "False".
    assert 'data-testid="your-answer"' not in html and "Your answer" not in html
    # Nor does the module page or the attempt list give them away.
    assert not reveals_answers(teacher.get(f"/app/p/{pid}/").content.decode(), attempt)


def test_after_mastery_earlier_attempts_show_answers_and_explanations(teacher, placement_of):
    pid = placement_of().pk
    failed, _ = fail(teacher, pid)
    second = start(teacher, pid)
    teacher.post(f"/app/p/{pid}/mastery/{second.number}/", right_answers(second))
    html = teacher.get(f"/app/p/{pid}/mastery/{failed.number}/").content.decode()
    assert html.count('data-testid="correct-answer"') == 2
    assert html.count('data-testid="explanation"') == 2
    assert html.count('data-testid="your-answer"') == 2


def test_when_no_attempt_is_left_answers_show(teacher, placement_of):
    placement = placement_of()
    placement.mastery_policy = {"max_attempts": 1}
    placement.save()
    attempt, html = fail(teacher, placement.pk)
    assert reveals_answers(html, attempt)
    assert 'data-testid="mastery-retry"' not in html


def test_a_link_can_show_answers_after_each_attempt(teacher, placement_of):
    placement = placement_of()
    placement.mastery_policy = {
        "review": {"correct_answers": "after_each_attempt", "explanations": "after_each_attempt"}
    }
    placement.save()
    attempt, html = fail(teacher, placement.pk)
    assert html.count('data-testid="correct-answer"') == 2
    assert html.count('data-testid="explanation"') == 2


def test_a_link_can_hide_the_score_and_which_questions_were_right(teacher, placement_of):
    placement = placement_of()
    placement.mastery_policy = {"review": {"score": "never", "questions": "once_mastered"}}
    placement.save()
    attempt, html = fail(teacher, placement.pk)
    text = re.sub(r"lt=[^\"&]*", "", html)  # a launch token may URL-encode to "...0%3A..."
    assert 'data-testid="mastery-score"' not in html and "0%" not in text
    assert 'data-result="wrong"' not in html and 'data-result="hidden"' in html
    assert 'data-mastered="false"' in html  # the outcome itself is never hidden
    module = teacher.get(f"/app/p/{placement.pk}/").content.decode()
    assert "counted score" not in module and "</a>: 0%" not in module
    assert 'data-testid="attempt-list"' in module
    # The other items keep the module's (default) choices.
    assert (
        policy_for(attempt.module_version, placement)["review"]["correct_answers"]
        == (DEFAULT_REVIEW["correct_answers"])
    )


def test_trainers_always_see_everything(launch_as, placement_of):
    trainer = launch_as(sub="priya", name="Priya Raman", roles=[INSTRUCTOR])
    trainer.name = "Priya Raman"
    attempt, html = fail(trainer, placement_of().pk)
    assert html.count('data-testid="correct-answer"') == 2
    assert review_visibility(
        policy={"review": {k: "never" for k in DEFAULT_REVIEW}},
        mastered=False,
        attempts_used=False,
        is_trainer=True,
    ).everything


@pytest.mark.parametrize(
    ("when", "mastered", "used", "shown"),
    [
        ("after_each_attempt", False, False, True),
        ("once_mastered", False, True, False),
        ("once_mastered", True, False, True),
        ("once_attempts_used", True, False, False),
        ("once_attempts_used", False, True, True),
        ("once_mastered_or_attempts_used", False, False, False),
        ("once_mastered_or_attempts_used", False, True, True),
        ("never", True, True, False),
    ],
)
def test_visibility_follows_the_policy(when, mastered, used, shown):
    review = review_visibility(
        policy={"review": {"correct_answers": when}},
        mastered=mastered,
        attempts_used=used,
        is_trainer=False,
    )
    assert review.correct_answers is shown


def test_the_pack_sets_the_review_policy_and_require_lessons(demo_pack):
    module_yaml = module_dir(demo_pack) / "module.yaml"
    module_yaml.write_text(
        module_yaml.read_text()
        .replace("version: 1", "version: 2")
        .replace(
            "  score_policy: highest\n",
            "  score_policy: highest\n  require_lessons: true\n"
            "  review:\n    correct_answers: once_mastered\n    score: after_each_attempt\n",
        )
    )
    call_command("import_content", str(demo_pack), stdout=StringIO())
    version = Module.objects.get(slug="demo-module").current
    assert version.mastery["require_lessons"] is True
    assert version.mastery["review"] == {
        "correct_answers": "once_mastered",
        "score": "after_each_attempt",
    }


def test_link_custom_parameters_set_review_and_require_lessons(launch_as, lti, placement_of):
    response = lti.launch(
        sub="teacher-9",
        **{
            LTI + "resource_link": {"id": "link-1", "title": "Demo"},
            LTI + "custom": {
                "module": "demo-module",
                "mastery_review_correct_answers": "after_each_attempt",
                "mastery_review_score": "sometimes",  # not a choice: ignored
                "mastery_require_lessons": "true",
            },
        },
    )
    assert response.status_code == 303
    assert placement_of().mastery_policy == {
        "review": {"correct_answers": "after_each_attempt"},
        "require_lessons": True,
    }
