"""The trainer's controls for one teacher of their cohort: the teacher's attempts, an extra
attempt, a score override (each a POST that answers 404 outside the trainer's cohort)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_POST, require_safe

from courses.views import _placed
from pagesession.access import trainer_required
from pagesession.templatetags.launch_urls import lurl
from pagesession.urls_util import add_query, see_other

# --- trainer controls: one teacher's attempts, an extra attempt, a score override ---------


def _teacher_for_trainer(request, placement_id: int, participant_id: int):
    """The placement (of this trainer's cohort) and the teacher (a member of that cohort), or
    404: a trainer never reaches another course's or another platform's people."""
    from .trainer import cohort_teacher

    placement, module = _placed(request, placement_id)
    teacher = cohort_teacher(
        cohort_id=request.launch.claims.cohort_id, participant_id=participant_id
    )
    if teacher is None:
        raise Http404("No such teacher in this course")
    return placement, module, teacher


def _teacher_page(request, placement, module, teacher, *, error: str = "", status: int = 200):
    from .trainer import teacher_mastery

    return render(
        request,
        "mastery/trainer_teacher.html",
        {
            "placement": placement,
            "module": module,
            "teacher": teacher,
            "view": teacher_mastery(
                participant=teacher, placement=placement, version=module.current
            ),
            "error": error,
            "done": request.GET.get("done", "") if not error else "",
        },
        status=status,
    )


@require_safe
@trainer_required
def trainer_teacher_view(request, placement_id: int, participant_id: int):
    placement, module, teacher = _teacher_for_trainer(request, placement_id, participant_id)
    return _teacher_page(request, placement, module, teacher)


def _back_to_teacher(request, placement, teacher, done: str):
    url = lurl({"launch": request.launch}, "mastery:trainer-teacher", placement.pk, teacher.pk)
    return see_other(add_query(url, {"done": done}))


@require_POST
@trainer_required
def trainer_extra_attempt(request, placement_id: int, participant_id: int):
    from .trainer import AdjustmentRefused, attempt_grant_extra

    placement, module, teacher = _teacher_for_trainer(request, placement_id, participant_id)
    try:
        attempt_grant_extra(
            participant=teacher,
            placement=placement,
            version=module.current,
            granted_by=request.launch.participant,
            reason=request.POST.get("reason", ""),
        )
    except AdjustmentRefused as exc:
        return _teacher_page(request, placement, module, teacher, error=str(exc), status=409)
    return _back_to_teacher(request, placement, teacher, "extra")


@require_POST
@trainer_required
def trainer_score_override(request, placement_id: int, participant_id: int):
    from .trainer import AdjustmentRefused, score_override, score_parse

    placement, module, teacher = _teacher_for_trainer(request, placement_id, participant_id)
    try:
        score_override(
            participant=teacher,
            placement=placement,
            score=score_parse(request.POST.get("score", "")),
            reason=request.POST.get("reason", ""),
            overridden_by=request.launch.participant,
        )
    except AdjustmentRefused as exc:
        return _teacher_page(request, placement, module, teacher, error=str(exc), status=400)
    return _back_to_teacher(request, placement, teacher, "override")
