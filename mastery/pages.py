"""What the mastery check adds to the module page (courses/), through the page registry
courses owns (courses/pages.py): the check's status, a trainer's override, the evidence form
and its review.

Each part reads only what the page's placement query says exists for this teacher
(`courses.page_queries.page_flag`), and versions come from the per-worker cache: a teacher
with nothing yet here costs no query beyond the page's own.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count, Exists, IntegerField, Subquery, Value
from django.db.models.functions import Coalesce

from courses.fragments import version_fragment
from courses.page_queries import content_version, page_flag
from pagesession.access import launch_is_trainer

from .adjustments import mastery_score_counted, override_latest
from .attempts import mastery_status
from .evidence import rubric_levels_shown
from .grades import grades_latest
from .models import Attempt, AttemptGrant, EvidenceSubmission, GradeRecord, ScoreOverride


def page_flags() -> dict:
    """What this app adds to the module page's placement query (courses.page_queries): whether
    the teacher has attempts, grade records, an override or evidence here, and how many extra
    attempts a trainer granted, so the page skips the queries that would find nothing."""

    def grants(mine):
        count = (
            AttemptGrant.objects.filter(**mine)
            .order_by()
            .values("placement_id")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        )
        return Coalesce(
            Subquery(count, output_field=IntegerField()), Value(0), output_field=IntegerField()
        )

    return {
        "attempts": lambda mine: Exists(Attempt.objects.filter(**mine)),
        "grades": lambda mine: Exists(
            GradeRecord.objects.filter(**mine).exclude(status=GradeRecord.Status.SUPERSEDED)
        ),
        "override": lambda mine: Exists(ScoreOverride.objects.filter(**mine)),
        "evidence": lambda mine: Exists(EvidenceSubmission.objects.filter(**mine)),
        "extra_attempts": grants,
    }


def module_page_section(*, request, placement, module, progress=None, **kwargs) -> dict:
    """The module page's mastery, override and evidence parts."""
    version = module.current
    return {
        "mastery": mastery_status(
            participant=request.launch.participant,
            placement=placement,
            version=version,
            is_trainer=launch_is_trainer(request.launch),
            progress=progress,
        ),
        **_override_summary(request, placement),
        **_evidence_summary(request, placement, version),
    }


def _evidence_summary(request, placement, version) -> dict:
    participant = request.launch.participant
    evidence = None
    if page_flag(placement, participant, "evidence"):
        evidence = (
            EvidenceSubmission.objects.filter(participant=participant, placement=placement)
            .select_related("reviewer")
            .first()
        )
        if evidence is not None:
            # Versions never change: the cached one spares a join.
            evidence.module_version = content_version(evidence.module_version_id)
    grades = grades_latest(participant=participant, placement=placement)
    return {
        "evidence": evidence,
        **_evidence_rubrics(version, evidence),
        "evidence_grade": grades.get(GradeRecord.Kind.EVIDENCE),
        "evidence_max_mb": settings.IGNITE_EVIDENCE_MAX_BYTES // (1024 * 1024),
    }


def _override_summary(request, placement) -> dict:
    """A trainer's score override, shown to the teacher it concerns (the LMS has it too)."""
    participant = request.launch.participant
    if not page_flag(placement, participant, "override"):
        return {"mastery_override": None}
    override = override_latest(participant=participant, placement=placement)
    if override is None:
        return {"mastery_override": None}
    return {
        "mastery_override": override,
        "mastery_gradebook_score": mastery_score_counted(
            participant=participant, placement=placement, counted=None
        ),
    }


def _evidence_rubrics(version, evidence) -> dict:
    """The rubric before submission, and the reviewed version's rubric with the trainer's
    chosen level per criterion once a review exists."""
    rubric = (version.evidence_task or {}).get("rubric", [])
    reviewed = evidence is not None and evidence.reviewed_at is not None
    # Once reviewed against the current version, the reviewed rubric shows every level too:
    # one copy is enough.
    same = reviewed and evidence.module_version_id == version.pk
    return {
        "evidence_rubric": bool(rubric) and not same,
        # The same for every teacher of this version: rendered once per version per worker.
        "evidence_rubric_html": ""
        if same or not rubric
        else version_fragment(
            version,
            "mastery/_rubric.html",
            lambda: {"criteria": rubric_levels_shown(rubric=rubric, levels=None)},
        ),
        "evidence_review_rubric": rubric_levels_shown(
            rubric=(evidence.module_version.evidence_task or {}).get("rubric", []),
            levels=evidence.rubric_levels,
        )
        if reviewed
        else [],
    }
