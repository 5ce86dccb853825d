"""Mastery check pages: start or resume, answer, and growth-oriented feedback."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from courses.credentials import credential_progress
from courses.views import _placed
from lti_tool.access import launch_required, trainer_required
from lti_tool.templatetags.launch_urls import lurl
from lti_tool.urls_util import add_query

from .attempts import (
    AttemptRefused,
    attempt_feedback,
    attempt_questions,
    attempt_start,
    attempt_submit,
    mastery_status,
)
from .models import Attempt


def _see_other(url: str):
    response = redirect(url)
    response.status_code = 303
    return response


@require_POST
@launch_required
def start(request, placement_id: int):
    placement, module = _placed(request, placement_id)
    try:
        attempt = attempt_start(
            participant=request.launch.participant, placement=placement, version=module.current
        )
    except AttemptRefused as exc:
        status = mastery_status(
            participant=request.launch.participant, placement=placement, version=module.current
        )
        return render(
            request,
            "mastery/refused.html",
            {"placement": placement, "module": module, "message": str(exc), "status": status},
            status=409,
        )
    context = {"launch": request.launch}
    return _see_other(lurl(context, "mastery:attempt", placement.pk, attempt.number))


@require_http_methods(["GET", "POST"])
@launch_required
def attempt_page(request, placement_id: int, number: int):
    placement, module = _placed(request, placement_id)
    attempt = (
        Attempt.objects.select_related("module_version")
        .filter(participant=request.launch.participant, placement=placement, number=number)
        .first()
    )
    if attempt is None:
        raise Http404("No such attempt")
    context = {"launch": request.launch}
    if request.method == "POST":
        graded = attempt_submit(attempt=attempt, data=request.POST)
        if graded.newly and graded.attempt.mastered:
            _award(request, attempt.participant)
        return _see_other(lurl(context, "mastery:attempt", placement.pk, attempt.number))
    if attempt.status == Attempt.Status.IN_PROGRESS:
        return render(
            request,
            "mastery/attempt.html",
            {
                "placement": placement,
                "module": module,
                "attempt": attempt,
                "questions": attempt_questions(attempt),
            },
        )
    lessons = {lesson.slug: lesson for lesson in attempt.module_version.lessons.all()}
    current = {lesson.slug for lesson in module.current.lessons.all()}
    status = mastery_status(
        participant=request.launch.participant, placement=placement, version=module.current
    )
    feedback = attempt_feedback(attempt)
    for item in feedback:
        item.lesson = lessons.get(item.lesson_slug)
        item.lesson_current = item.lesson_slug in current
    revisit = []
    for item in feedback:
        if item.credit < 1 and item.lesson and item.lesson not in revisit:
            revisit.append(item.lesson)
    return render(
        request,
        "mastery/result.html",
        {
            "placement": placement,
            "module": module,
            "attempt": attempt,
            "feedback": feedback,
            "right": sum(1 for f in feedback if f.credit >= 1),
            "status": status,
            "revisit": [lesson for lesson in revisit if lesson.slug in current],
            "credentials": credential_progress(
                participant=request.launch.participant,
                cohort_id=request.launch.claims.cohort_id,
                module_slug=module.slug,
            )
            if attempt.mastered
            else [],
        },
    )


# --- evidence of practice ---------------------------------------------------------------


@require_POST
@launch_required
def evidence_submit_view(request, placement_id: int):
    from .evidence import EvidenceRefused, evidence_submit

    placement, module = _placed(request, placement_id)
    if not module.current.evidence_task:
        raise Http404("This module has no evidence task")
    try:
        evidence_submit(
            participant=request.launch.participant,
            placement=placement,
            version=module.current,
            reflection=request.POST.get("reflection", ""),
            upload=request.FILES.get("file"),
        )
    except EvidenceRefused as exc:
        return render(
            request,
            "mastery/evidence_refused.html",
            {"placement": placement, "message": str(exc)},
            status=400,
        )
    context = {"launch": request.launch}
    return _see_other(lurl(context, "courses:module", placement.pk) + "#evidence")


def _evidence_for(request, evidence_id: int):
    """The submission if this launch may see it: its owner, or a trainer of its cohort."""
    from .models import EvidenceSubmission

    submission = (
        EvidenceSubmission.objects.select_related("placement", "participant", "module_version")
        .filter(pk=evidence_id, placement__cohort_id=request.launch.claims.cohort_id)
        .first()
    )
    if submission is None:
        return None
    if submission.participant_id == request.launch.claims.participant_id:
        return submission
    return submission if request.launch.is_trainer else None


@require_GET
@launch_required
def evidence_file(request, evidence_id: int):
    from .evidence import evidence_file_response

    submission = _evidence_for(request, evidence_id)
    if submission is None or not submission.file:
        raise Http404("No such file")
    return evidence_file_response(
        submission,
        filename=f"evidence-{submission.participant_id}-{submission.number}",
        cache="private, no-store",
    )


@require_http_methods(["GET", "POST"])
@trainer_required
def evidence_review_view(request, evidence_id: int):
    from .evidence import EvidenceRefused, evidence_review, rubric_levels_shown

    submission = _evidence_for(request, evidence_id)
    if submission is None:
        raise Http404("No such evidence in this course")
    rubric = (submission.module_version.evidence_task or {}).get("rubric", [])
    error = ""
    if request.method == "POST":
        levels = {}
        for index, criterion in enumerate(rubric):
            raw = request.POST.get(f"level-{index}", "")
            if raw.isascii() and raw.isdigit():
                levels[criterion["criterion"]] = int(raw)
        try:
            evidence_review(
                submission=submission,
                reviewer=request.launch.participant,
                levels=levels,
                feedback=request.POST.get("feedback", "")[:4000],
                accept=request.POST.get("decision") == "accept",
            )
        except EvidenceRefused as exc:
            error = str(exc)
        else:
            _award(request, submission.participant)
            context = {"launch": request.launch}
            return _see_other(lurl(context, "lti:trainer-dashboard") + "#evidence")
    criteria = [
        {"index": i, "criterion": c["criterion"], "levels": list(enumerate(c["levels"]))}
        for i, c in enumerate(rubric)
    ]
    reviewed = submission.reviewed_at is not None
    return render(
        request,
        "mastery/evidence_review.html",
        {
            "submission": submission,
            "criteria": criteria,
            "error": error,
            "reviewed_levels": rubric_levels_shown(rubric=rubric, levels=submission.rubric_levels)
            if reviewed
            else [],
        },
        status=400 if error else 200,
    )


def _award(request, participant) -> None:
    """Issue any micro-credential the participant has just earned in this cohort."""
    from courses.credentials import credentials_award
    from lti_tool.urls_util import tool_origin

    credentials_award(
        participant=participant,
        cohort_id=request.launch.claims.cohort_id,
        origin=tool_origin(request),
    )


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


@require_GET
@trainer_required
def trainer_teacher_view(request, placement_id: int, participant_id: int):
    placement, module, teacher = _teacher_for_trainer(request, placement_id, participant_id)
    return _teacher_page(request, placement, module, teacher)


def _back_to_teacher(request, placement, teacher, done: str):
    url = lurl({"launch": request.launch}, "mastery:trainer-teacher", placement.pk, teacher.pk)
    return _see_other(add_query(url, {"done": done}))


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
