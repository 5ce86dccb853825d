"""A trainer's view of one teacher's mastery check in one placement, and the two controls a
trainer has over it: one extra attempt, and a score override with a reason.

Both controls are recorded with who and when (AttemptGrant, ScoreOverride). An override is
sent to the LMS through the grade outbox as a new grade record, in the same transaction as
its row, so the gradebook follows it like any other score (and a newer score is never
replaced by an older one). How they count: mastery/adjustments.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction

from courses.models import Membership, ModuleVersion, Participant, Placement

from .adjustments import mastery_score_counted
from .attempts import (
    Feedback,
    MasteryStatus,
    attempt_feedback,
    counted_attempt,
    mastery_status,
)
from .grades import grade_latest_for, grade_record_create
from .models import Attempt, AttemptGrant, GradeRecord, ScoreOverride

MAX_REASON = 2000


class AdjustmentRefused(Exception):
    """The grant or override cannot be made; the message says why, for the trainer."""


def cohort_teacher(*, cohort_id: int, participant_id: int) -> Participant | None:
    """The participant if they are a member of this cohort (so a trainer reaches only people
    of their own course, and so of their own platform)."""
    membership = (
        Membership.objects.select_related("participant")
        .filter(cohort_id=cohort_id, participant_id=participant_id)
        .first()
    )
    return membership.participant if membership is not None else None


@dataclass
class AttemptReview:
    attempt: Attempt
    responses: list[Feedback] = field(default_factory=list)

    @property
    def right(self) -> int:
        return sum(1 for r in self.responses if r.credit >= 1)


@dataclass
class TeacherMastery:
    status: MasteryStatus
    attempts: list[AttemptReview]
    grants: list[AttemptGrant]
    overrides: list[ScoreOverride]
    gradebook_score: Decimal | None
    grade: GradeRecord | None

    @property
    def can_grant(self) -> bool:
        return bool(self.status.policy["max_attempts"]) and self.status.attempts_left == 0


def teacher_mastery(
    *, participant: Participant, placement: Placement, version: ModuleVersion
) -> TeacherMastery:
    """Everything a trainer needs about one teacher's check: every attempt with each response
    (question, the teacher's answer, right or not), the extra attempts and overrides."""
    status = mastery_status(participant=participant, placement=placement, version=version)
    attempts = []
    for attempt in (
        Attempt.objects.filter(participant=participant, placement=placement)
        .select_related("module_version")
        .order_by("number")
    ):
        review = AttemptReview(attempt=attempt)
        if attempt.status == Attempt.Status.SUBMITTED:
            review.responses = attempt_feedback(attempt)
            for response in review.responses:
                # A blank is "unanswered", not a wrong answer the teacher chose.
                response.answered = (attempt.answers or {}).get(response.question["id"]) is not None
        attempts.append(review)
    return TeacherMastery(
        status=status,
        attempts=attempts,
        grants=list(
            AttemptGrant.objects.filter(participant=participant, placement=placement)
            .select_related("granted_by")
            .order_by("granted_at")
        ),
        overrides=list(
            ScoreOverride.objects.filter(participant=participant, placement=placement)
            .select_related("overridden_by", "grade_record")
            .order_by("created_at")
        ),
        gradebook_score=mastery_score_counted(
            participant=participant, placement=placement, counted=status.counted
        ),
        grade=grade_latest_for(
            participant_id=participant.pk, placement_id=placement.pk, kind=GradeRecord.Kind.MASTERY
        ),
    )


def _reason(raw: str) -> str:
    reason = (raw or "").strip()
    if not reason:
        raise AdjustmentRefused("Write the reason: the teacher and other trainers will read it.")
    if len(reason) > MAX_REASON:
        raise AdjustmentRefused(f"The reason is longer than {MAX_REASON} characters.")
    return reason


def attempt_grant_extra(
    *,
    participant: Participant,
    placement: Placement,
    version: ModuleVersion,
    granted_by: Participant,
    reason: str = "",
) -> AttemptGrant:
    """Give one teacher one more attempt. Only once their attempts are used up, so a double
    click or two trainers at once cannot give two."""
    with transaction.atomic():
        # Serialize grants for this teacher and placement (a no-op lock on SQLite, which
        # serializes writers anyway).
        list(
            Attempt.objects.select_for_update()
            .filter(participant=participant, placement=placement)
            .values_list("pk", flat=True)
        )
        status = mastery_status(participant=participant, placement=placement, version=version)
        if not status.policy["max_attempts"]:
            raise AdjustmentRefused("This mastery check has no attempt limit.")
        if status.attempts_left:
            raise AdjustmentRefused(
                f"{participant.display_name} still has {status.attempts_left} attempt(s) left."
            )
        return AttemptGrant.objects.create(
            participant=participant,
            placement=placement,
            granted_by=granted_by,
            reason=(reason or "").strip()[:MAX_REASON],
        )


SCORE_FORMAT = re.compile(r"(?:100|[0-9]{1,2})(?:[.,][0-9]{1,2})?|100[.,]0{1,2}", re.ASCII)


def score_parse(raw: str) -> Decimal:
    """A percentage from the form: 0 to 100 in ASCII digits, at most two decimals
    (Decimal alone would take '１００' or 'NaN')."""
    text = (raw or "").strip().removesuffix("%").strip()
    if not SCORE_FORMAT.fullmatch(text):
        raise AdjustmentRefused("Enter the score as a percentage from 0 to 100, like 85 or 92.5.")
    value = Decimal(text.replace(",", "."))
    if value > 100:
        raise AdjustmentRefused("Enter the score as a percentage from 0 to 100, like 85 or 92.5.")
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def score_override(
    *,
    participant: Participant,
    placement: Placement,
    score: Decimal,
    reason: str,
    overridden_by: Participant,
) -> ScoreOverride:
    """Set one teacher's mastery score in the gradebook, with the reason; writes a new grade
    record in the same transaction."""
    reason = _reason(reason)
    if not Decimal("0") <= score <= Decimal("100"):
        raise AdjustmentRefused("Enter the score as a percentage from 0 to 100.")
    with transaction.atomic():
        previous = mastery_score_counted(
            participant=participant,
            placement=placement,
            counted=counted_attempt(participant, placement),
        )
        who = overridden_by.display_name
        record = grade_record_create(
            participant=participant,
            placement=placement,
            score_given=score,
            score_maximum=100,
            kind=GradeRecord.Kind.MASTERY,
            activity_progress="Completed",
            grading_progress="FullyGraded",
            comment=f"Mastery check score set by {who}: {score.normalize():f}%. {reason}"[:4000],
        )
        return ScoreOverride.objects.create(
            participant=participant,
            placement=placement,
            score=score,
            previous_score=previous,
            reason=reason,
            overridden_by=overridden_by,
            grade_record=record,
        )
