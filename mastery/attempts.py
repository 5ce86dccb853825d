"""Mastery check attempts: start or resume, present, submit and grade, and the status a
teacher sees.

Rules:
- the policy is the module version's `mastery` block with the placement's overrides on top;
- at most one unfinished attempt per participant and placement (a partial unique index), and
  attempt numbers unique per participant and placement, so two tabs or a double click on
  "start" give the same attempt, on SQLite and on PostgreSQL;
- questions are drawn and shuffled once, at start, and never change;
- submission is a conditional update from in progress to submitted: a second submission
  (double click, back button, another tab) changes nothing and sees the first result;
- grading writes the grade record for the LMS in the same transaction as the attempt.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from courses.models import ModuleVersion, Participant, Placement

from . import questions as q
from .adjustments import mastery_score_counted, override_note, policy_with_grants
from .grades import grade_latest_for, grade_record_create
from .models import Attempt, GradeRecord

DEFAULT_POLICY = {
    "questions_per_attempt": 8,
    "threshold": 80,
    "max_attempts": 0,
    "wait_minutes": 0,
    "score_policy": "highest",
}
OVERRIDABLE = set(DEFAULT_POLICY)


class AttemptRefused(Exception):
    """Starting an attempt is not allowed now; the message says why, for the teacher."""


def policy_for(version: ModuleVersion, placement: Placement) -> dict:
    policy = {**DEFAULT_POLICY, **(version.mastery or {})}
    for key, value in (placement.mastery_policy or {}).items():
        if key in OVERRIDABLE:
            policy[key] = value
    bank = len(version.questions)
    policy["questions_per_attempt"] = max(1, min(int(policy["questions_per_attempt"]), bank))
    return policy


def _open_attempt(participant, placement) -> Attempt | None:
    return Attempt.objects.filter(
        participant=participant, placement=placement, status=Attempt.Status.IN_PROGRESS
    ).first()


def _submitted(participant, placement):
    return Attempt.objects.filter(
        participant=participant, placement=placement, status=Attempt.Status.SUBMITTED
    ).order_by("number")


def start_refusal(
    *, participant: Participant, placement: Placement, policy: dict, now: datetime | None = None
) -> str:
    """Why a new attempt cannot start now ('' if it can)."""
    now = now or timezone.now()
    done = list(_submitted(participant, placement))
    if policy["max_attempts"] and len(done) >= policy["max_attempts"]:
        return (
            f"You have used all {policy['max_attempts']} attempts for this check. "
            "Your trainer can see your results and talk with you about next steps."
        )
    if done and policy["wait_minutes"]:
        ready = done[-1].submitted_at + timedelta(minutes=policy["wait_minutes"])
        if ready > now:
            minutes = max(1, int((ready - now).total_seconds() // 60) + 1)
            return (
                f"Your next attempt opens in about {minutes} minute(s). Use the time to revisit "
                "the lessons your last attempt pointed to."
            )
    return ""


def attempt_start(
    *, participant: Participant, placement: Placement, version: ModuleVersion
) -> Attempt:
    """The participant's unfinished attempt, or a new one; raises AttemptRefused."""
    existing = _open_attempt(participant, placement)
    if existing is not None:
        return existing
    policy = policy_for(version, placement)
    policy = policy_with_grants(policy, participant=participant, placement=placement)
    refusal = start_refusal(participant=participant, placement=placement, policy=policy)
    if refusal:
        raise AttemptRefused(refusal)
    rng = random.SystemRandom()
    ids = [item["id"] for item in version.questions]
    chosen = rng.sample(ids, policy["questions_per_attempt"])
    for _ in range(5):
        number = (
            Attempt.objects.filter(participant=participant, placement=placement).aggregate(
                n=Max("number")
            )["n"]
            or 0
        ) + 1
        try:
            with transaction.atomic():
                return Attempt.objects.create(
                    participant=participant,
                    placement=placement,
                    module_version=version,
                    number=number,
                    question_ids=chosen,
                    seed=secrets.randbits(62),
                    policy=policy,
                )
        except IntegrityError:
            # Another request started one at the same moment: use it if it is open.
            existing = _open_attempt(participant, placement)
            if existing is not None:
                return existing
    raise AttemptRefused("Ignite is busy starting your attempt; please try again.")


def attempt_questions(attempt: Attempt) -> list[dict]:
    """The attempt's questions in the order shown, with their shuffled choices (no key)."""
    rng = random.Random(attempt.seed)
    bank = {item["id"]: item for item in attempt.module_version.questions}
    shown = [q.present(bank[qid], rng) for qid in attempt.question_ids if qid in bank]
    for item in shown:
        if item["type"] == "ordering":
            item["positions"] = list(range(1, len(item["items"]) + 1))
    return shown


@dataclass
class Graded:
    attempt: Attempt
    newly: bool  # False when the attempt had already been submitted


def _percent(credits: list[float]) -> Decimal:
    if not credits:
        return Decimal("0.00")
    value = Decimal(str(sum(credits))) * 100 / Decimal(len(credits))
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def counted_attempt(participant: Participant, placement: Placement) -> Attempt | None:
    """The attempt whose score counts, by the placement's policy (highest or latest)."""
    done = list(_submitted(participant, placement))
    if not done:
        return None
    if done[-1].policy.get("score_policy") == "latest":
        return done[-1]
    return max(done, key=lambda a: (a.score, a.number))


def attempt_submit(*, attempt: Attempt, data) -> Graded:
    """Grade the attempt from form data, once. Writes the LMS grade in the same transaction."""
    bank = {item["id"]: item for item in attempt.module_version.questions}
    answers, credits = {}, {}
    for qid in attempt.question_ids:
        question = bank.get(qid)
        if question is None:
            continue
        answer = q.read_answer(question, data)
        answers[qid] = answer
        credits[qid] = q.score(question, answer)
    score = _percent(list(credits.values()))
    mastered = score >= Decimal(str(attempt.policy["threshold"]))
    now = timezone.now()
    with transaction.atomic():
        updated = Attempt.objects.filter(pk=attempt.pk, status=Attempt.Status.IN_PROGRESS).update(
            status=Attempt.Status.SUBMITTED,
            answers=answers,
            credits=credits,
            score=score,
            mastered=mastered,
            submitted_at=now,
        )
        attempt.refresh_from_db()
        if not updated:
            return Graded(attempt=attempt, newly=False)
        counted = counted_attempt(attempt.participant, attempt.placement)
        right = sum(1 for c in credits.values() if c == 1)
        grade_record_create(
            participant=attempt.participant,
            placement=attempt.placement,
            score_given=mastery_score_counted(
                participant=attempt.participant, placement=attempt.placement, counted=counted
            ),
            score_maximum=100,
            kind=GradeRecord.Kind.MASTERY,
            comment=_comment(attempt, counted, right, len(credits))
            + override_note(participant=attempt.participant, placement=attempt.placement),
        )
    return Graded(attempt=attempt, newly=True)


def _comment(attempt: Attempt, counted: Attempt, right: int, total: int) -> str:
    state = "mastered" if counted.mastered else "not yet mastered"
    text = (
        f"Mastery check attempt {attempt.number}: {right} of {total} fully correct, "
        f"{attempt.score}%. Counted score ({counted.policy.get('score_policy', 'highest')}): "
        f"{counted.score}%, {state} (threshold {attempt.policy['threshold']}%)."
    )
    return text


@dataclass
class Feedback:
    question: dict
    shown: dict
    answer_text: str
    correct_text: str
    credit: float
    lesson_slug: str

    @property
    def verdict(self) -> str:
        if self.credit >= 1:
            return "right"
        return "partly right" if self.credit > 0 else "not right yet"


def attempt_feedback(attempt: Attempt) -> list[Feedback]:
    bank = {item["id"]: item for item in attempt.module_version.questions}
    shown = {item["id"]: item for item in attempt_questions(attempt)}
    result = []
    for qid in attempt.question_ids:
        question = bank.get(qid)
        if question is None:
            continue
        answer = (attempt.answers or {}).get(qid)
        result.append(
            Feedback(
                question=question,
                shown=shown[qid],
                answer_text=q.describe_answer(question, answer),
                correct_text=q.correct_answer(question),
                credit=float((attempt.credits or {}).get(qid, 0)),
                lesson_slug=question.get("lesson", ""),
            )
        )
    return result


@dataclass
class MasteryStatus:
    policy: dict
    attempts: list[Attempt]
    open_attempt: Attempt | None
    counted: Attempt | None
    refusal: str
    grade: GradeRecord | None

    @property
    def mastered(self) -> bool:
        return bool(self.counted and self.counted.mastered)

    @property
    def attempts_left(self) -> int | None:
        if not self.policy["max_attempts"]:
            return None
        return max(0, self.policy["max_attempts"] - len(self.attempts))


def mastery_status(
    *, participant: Participant, placement: Placement, version: ModuleVersion
) -> MasteryStatus:
    policy = policy_for(version, placement)
    policy = policy_with_grants(policy, participant=participant, placement=placement)
    attempts = list(_submitted(participant, placement))
    return MasteryStatus(
        policy=policy,
        attempts=attempts,
        open_attempt=_open_attempt(participant, placement),
        counted=counted_attempt(participant, placement),
        refusal=start_refusal(participant=participant, placement=placement, policy=policy),
        grade=grade_latest_for(
            participant_id=participant.pk, placement_id=placement.pk, kind=GradeRecord.Kind.MASTERY
        ),
    )
