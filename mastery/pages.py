"""What the mastery check adds to the module page (courses/), through the page registry
courses owns (courses/pages.py): the check's status, a trainer's override, the evidence form
and its review."""

from __future__ import annotations

from django.conf import settings

from courses.progress import placement_module
from pagesession.access import launch_is_trainer

from .adjustments import mastery_score_counted, override_latest
from .attempts import mastery_status
from .evidence import evidence_latest, rubric_levels_shown
from .grades import grade_latest_for
from .models import GradeRecord


def module_page_section(*, request, placement, module) -> dict:
    """The module page's mastery, override and evidence parts."""
    return {
        "mastery": _mastery_summary(request, placement, module.current),
        **_override_summary(request, placement),
        **_evidence_summary(request, placement),
    }


def _evidence_summary(request, placement) -> dict:
    participant = request.launch.participant
    evidence = evidence_latest(participant, placement)
    return {
        "evidence": evidence,
        **_evidence_rubrics(placement, evidence),
        "evidence_grade": grade_latest_for(
            participant_id=participant.pk,
            placement_id=placement.pk,
            kind=GradeRecord.Kind.EVIDENCE,
        ),
        "evidence_max_mb": settings.IGNITE_EVIDENCE_MAX_BYTES // (1024 * 1024),
    }


def _override_summary(request, placement) -> dict:
    """A trainer's score override, shown to the teacher it concerns (the LMS has it too)."""
    participant = request.launch.participant
    override = override_latest(participant=participant, placement=placement)
    if override is None:
        return {"mastery_override": None}
    return {
        "mastery_override": override,
        "mastery_gradebook_score": mastery_score_counted(
            participant=participant, placement=placement, counted=None
        ),
    }


def _evidence_rubrics(placement, evidence) -> dict:
    """The rubric before submission, and the reviewed version's rubric with the trainer's
    chosen level per criterion once a review exists."""
    module = placement_module(placement)
    rubric = ((module.current.evidence_task or {}) if module else {}).get("rubric", [])
    reviewed = evidence is not None and evidence.reviewed_at is not None
    # Once reviewed against the current version, the reviewed rubric shows every level too:
    # one copy is enough.
    same = reviewed and module is not None and evidence.module_version_id == module.current_id
    return {
        "evidence_rubric": [] if same else rubric_levels_shown(rubric=rubric, levels=None),
        "evidence_review_rubric": rubric_levels_shown(
            rubric=(evidence.module_version.evidence_task or {}).get("rubric", []),
            levels=evidence.rubric_levels,
        )
        if reviewed
        else [],
    }


def _mastery_summary(request, placement, version):
    return mastery_status(
        participant=request.launch.participant,
        placement=placement,
        version=version,
        is_trainer=launch_is_trainer(request.launch),
    )
