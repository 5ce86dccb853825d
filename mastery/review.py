"""What a teacher's result page reveals, and when: the review policy.

The policy names four things a result page can show (the score; which questions were right;
the explanations; the correct answers) and, for each, from when: after each attempt, once the
teacher has mastered the module, once no attempt is left, either of those two, or never. It
comes from the module's `mastery.review` block with the link's `mastery_review_*` custom
parameters on top (mastery.attempts.policy_for). Trainers always see everything.

The default keeps a retake honest: before mastery a teacher learns the score, which questions
were missed and the lesson to revisit for each, but not the answers, which would otherwise
carry over to the next attempt from a bank of a dozen questions.
"""

from __future__ import annotations

from dataclasses import dataclass

from courses.content import REVIEW_ITEMS, REVIEW_WHEN

DEFAULT_REVIEW = {
    "score": "after_each_attempt",
    "questions": "after_each_attempt",
    "explanations": "once_mastered_or_attempts_used",
    "correct_answers": "once_mastered_or_attempts_used",
}


def review_policy_merge(*layers: dict | None) -> dict:
    """The defaults with each layer's valid entries on top, later layers winning."""
    review = dict(DEFAULT_REVIEW)
    for layer in layers:
        for item, when in (layer if isinstance(layer, dict) else {}).items():
            if item in REVIEW_ITEMS and when in REVIEW_WHEN:
                review[item] = when
    return review


@dataclass(frozen=True)
class Review:
    """What may be shown now, for one participant and module."""

    score: bool
    questions: bool
    explanations: bool
    correct_answers: bool

    @property
    def everything(self) -> bool:
        return self.score and self.questions and self.explanations and self.correct_answers


def _open(when: str, *, mastered: bool, attempts_used: bool) -> bool:
    return {
        "after_each_attempt": True,
        "once_mastered": mastered,
        "once_attempts_used": attempts_used,
        "once_mastered_or_attempts_used": mastered or attempts_used,
        "never": False,
    }.get(when, False)


def review_visibility(
    *, policy: dict, mastered: bool, attempts_used: bool, is_trainer: bool
) -> Review:
    """What the result pages may show. `mastered`: any submitted attempt reached mastery
    (what was revealed cannot be taken back, so a later lower score does not hide it again);
    `attempts_used`: a limit is set and no attempt is left."""
    if is_trainer:
        return Review(score=True, questions=True, explanations=True, correct_answers=True)
    review = review_policy_merge(policy.get("review"))
    flags = {
        item: _open(review[item], mastered=mastered, attempts_used=attempts_used)
        for item in REVIEW_ITEMS
    }
    return Review(**flags)


@dataclass
class ReviewItem:
    """One question of a result page, holding only what the review policy lets it show: a
    template cannot leak what it is never given."""

    number: int
    prompt: str
    answer_text: str
    result: str  # right | partial | wrong, or "" when hidden
    explanation: str
    correct_text: str
    lesson: object | None  # the lesson to revisit when the answer was not fully right


def review_items(*, feedback: list, review: Review, lessons: dict, current: set[str]) -> list:
    """The result page's questions (mastery.attempts.Feedback) cut to what `review` allows.
    `lessons`: the attempt version's lessons by slug; `current`: slugs still in the module."""
    items = []
    for number, item in enumerate(feedback, start=1):
        result = "right" if item.credit >= 1 else "partial" if item.credit > 0 else "wrong"
        lesson = lessons.get(item.lesson_slug) if item.lesson_slug in current else None
        items.append(
            ReviewItem(
                number=number,
                prompt=item.question["prompt"],
                # The teacher's own answer next to a verdict gives the key away (a wrong
                # "True" says "False"; a right one is a correct answer): only with the answers.
                answer_text=item.answer_text if review.correct_answers else "",
                result=result if review.questions else "",
                explanation=item.question.get("explanation", "") if review.explanations else "",
                correct_text=item.correct_text
                if review.correct_answers and result != "right"
                else "",
                lesson=lesson if review.questions and result != "right" else None,
            )
        )
    return items
