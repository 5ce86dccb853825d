"""Retakes test anew: a new attempt draws questions the teacher has not seen first, and covers
every lesson of the module when the bank allows (seeded, so every failure replays)."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from mastery.attempts import questions_draw
from mastery.models import Attempt

from .test_attempts import right_answers, start


def bank(per_lesson: dict[str, int]) -> list[dict]:
    return [
        {"id": f"{lesson}-{n}", "lesson": lesson}
        for lesson, count in per_lesson.items()
        for n in range(count)
    ]


def lessons_of(ids, questions) -> set[str]:
    by_id = {q["id"]: q["lesson"] for q in questions}
    return {by_id[i] for i in ids}


@pytest.mark.parametrize(
    "shape",
    [
        {"a": 4, "b": 4, "c": 4, "d": 4},  # 16 questions, 4 lessons
        {"a": 6, "b": 3, "c": 2, "d": 1, "e": 1},  # 13 questions, lopsided, as shipped banks are
        {"a": 1, "b": 1, "c": 10},
    ],
)
@pytest.mark.parametrize("seed", range(60))
def test_each_attempt_covers_every_lesson_and_prefers_unseen(shape, seed):
    questions = bank(shape)
    rng = random.Random(seed)
    seen: Counter = Counter()
    for _attempt in range(4):
        drawn = questions_draw(bank=questions, count=8, seen=seen, rng=rng)
        assert len(drawn) == len(set(drawn)) == 8
        assert lessons_of(drawn, questions) == set(shape), "every lesson, at least once"
        unseen = [q["id"] for q in questions if not seen[q["id"]]]
        # Lessons with nothing unseen left must still be covered, by a repeat; every other
        # place goes to an unseen question while there are any.
        exhausted = {
            lesson
            for lesson in shape
            if all(seen[q["id"]] for q in questions if q["lesson"] == lesson)
        }
        fresh = sum(1 for i in drawn if not seen[i])
        assert fresh == min(8 - len(exhausted), len(unseen))
        seen.update(drawn)


def test_the_second_attempt_of_a_13_question_bank_takes_all_5_unseen():
    questions = bank({"a": 4, "b": 3, "c": 3, "d": 3})
    for seed in range(100):
        rng = random.Random(seed)
        first = questions_draw(bank=questions, count=8, seen=Counter(), rng=rng)
        second = questions_draw(bank=questions, count=8, seen=Counter(first), rng=rng)
        left = {q["id"] for q in questions} - set(first)
        exhausted = {lesson for lesson in "abcd" if not any(i.startswith(lesson) for i in left)}
        assert len(left & set(second)) == min(len(left), 8 - len(exhausted))


def test_fewer_places_than_lessons_go_to_lessons_with_unseen_questions():
    questions = bank({"a": 1, "b": 1, "c": 1, "d": 1})
    rng = random.Random(3)
    first = questions_draw(bank=questions, count=2, seen=Counter(), rng=rng)
    second = questions_draw(bank=questions, count=2, seen=Counter(first), rng=rng)
    assert set(first).isdisjoint(second)
    third = questions_draw(bank=questions, count=2, seen=Counter(first + second), rng=rng)
    assert len(third) == 2


def test_the_same_seed_draws_the_same_attempt():
    questions = bank({"a": 5, "b": 5})
    draws = [
        questions_draw(bank=questions, count=4, seen=Counter({"a-0": 1}), rng=random.Random(7))
        for _ in range(2)
    ]
    assert draws[0] == draws[1]


def test_a_retake_through_the_pages_draws_the_unseen_question(launch_as, placement_of):
    """The demo bank: d-01 (lesson first), d-02, d-03 and d-04 (lesson second), 2 per attempt.
    The first attempt shows d-01 and one of the others; the retake shows d-01 again (its lesson
    has no other question) and one of the two the teacher has not seen."""
    teacher = launch_as()
    teacher.name = "Maya Alvarez"
    pid = placement_of().pk
    first = start(teacher, pid)
    assert "d-01" in first.question_ids  # the only question of its lesson
    wrong = set(first.question_ids)
    teacher.post(f"/app/p/{pid}/mastery/{first.number}/", right_answers(first, wrong=wrong))
    second = start(teacher, pid)
    unseen = {"d-02", "d-03", "d-04"} - set(first.question_ids)
    assert len(unseen) == 2
    assert "d-01" in second.question_ids
    assert set(second.question_ids) - {"d-01"} <= unseen
    assert Attempt.objects.count() == 2
