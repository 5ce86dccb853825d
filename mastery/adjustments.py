"""How a trainer's adjustments to one teacher's mastery check count.

- An extra attempt (AttemptGrant) raises that teacher's attempt limit by one in that placement;
  an unlimited check (max_attempts 0) stays unlimited.
- A score override (ScoreOverride) is the trainer's score at that moment. It replaces the
  scores of the attempts before it; attempts graded after it count with it under the module's
  score policy (highest: the higher of the two; latest: the later one). The gradebook gets the
  override as a new grade record, and later attempts send the score this rule gives.
- An override changes the gradebook score only: mastery (and so a micro-credential) still
  needs an attempt at the threshold, because a credential says the teacher passed the check.

This module reads records only; the services that write them are in mastery/trainer.py.
"""

from __future__ import annotations

from decimal import Decimal

from courses.models import Participant, Placement

from .models import Attempt, AttemptGrant, ScoreOverride


def extra_attempts_count(*, participant: Participant, placement: Placement) -> int:
    return AttemptGrant.objects.filter(participant=participant, placement=placement).count()


def policy_with_grants(policy: dict, *, participant: Participant, placement: Placement) -> dict:
    """The policy for this teacher: the attempt limit raised by the trainer's extra attempts."""
    if not policy.get("max_attempts"):
        return policy
    extra = extra_attempts_count(participant=participant, placement=placement)
    if not extra:
        return policy
    return {**policy, "max_attempts": int(policy["max_attempts"]) + extra}


def override_latest(*, participant: Participant, placement: Placement) -> ScoreOverride | None:
    return (
        ScoreOverride.objects.filter(participant=participant, placement=placement)
        .select_related("overridden_by")
        .order_by("-created_at", "-pk")
        .first()
    )


def mastery_score_counted(
    *,
    participant: Participant,
    placement: Placement,
    counted: Attempt | None,
    grading: Attempt | None = None,
) -> Decimal | None:
    """The mastery score the gradebook should hold: the counted attempt's score, or the
    trainer's latest override combined with the attempts graded after it. `grading`: an
    attempt the caller is submitting in the statement that writes this score (its values
    set, not yet saved), counted as submitted."""
    override = override_latest(participant=participant, placement=placement)
    if override is None:
        return counted.score if counted is not None else None
    later = [
        a
        for a in Attempt.objects.filter(
            participant=participant,
            placement=placement,
            status=Attempt.Status.SUBMITTED,
            submitted_at__gt=override.created_at,
        ).order_by("number")
        if grading is None or a.pk != grading.pk
    ]
    if grading is not None and grading.submitted_at > override.created_at:
        later = sorted([*later, grading], key=lambda a: a.number)
    return score_with_override(override, later)


def score_with_override(override: ScoreOverride, later: list[Attempt]) -> Decimal:
    """The rule itself, for a caller that has read the rows (the trainer dashboard reads a
    whole cohort's at once): `override` the newest override, `later` the submitted attempts
    graded after it, by number."""
    if not later:
        return override.score
    if later[-1].policy.get("score_policy") == "latest":
        return later[-1].score
    return max([override.score, *(a.score for a in later)])


def override_note(*, participant: Participant, placement: Placement) -> str:
    """A sentence for a later attempt's gradebook comment, so that a score that is not the
    counted attempt's says where it comes from ('' without an override)."""
    override = override_latest(participant=participant, placement=placement)
    if override is None:
        return ""
    who = override.overridden_by.display_name if override.overridden_by else "a trainer"
    return (
        f" The score sent counts {who}'s override of {override.score_display}% "
        f"({override.created_at:%Y-%m-%d}) with the attempts after it."
    )
