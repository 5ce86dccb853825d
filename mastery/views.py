"""Mastery check pages: start or resume, answer, and growth-oriented feedback."""

from __future__ import annotations

from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from courses.page_queries import content_version
from courses.pages import MASTERY_RESULT, page_sections
from courses.views import _placed, module_page_context
from pagesession.access import launch_is_trainer, launch_required, parse_id, trainer_required
from pagesession.templatetags.launch_urls import lurl
from pagesession.urls_util import add_query, see_other, tool_origin

from .attempts import (
    AttemptClosed,
    AttemptRefused,
    SubmissionIncomplete,
    answers_current,
    answers_save,
    attempt_feedback,
    attempt_questions_answered,
    attempt_start,
    attempt_submit,
    attempts_all,
    mastery_status,
)
from .models import Attempt
from .review import review_items
from .signals import mastery_reached


def _status(request, placement, module, attempts=None):
    return mastery_status(
        participant=request.launch.participant,
        placement=placement,
        version=module.current,
        is_trainer=launch_is_trainer(request.launch),
        attempts=attempts,
    )


def _refused(request, placement, module, message: str):
    return render(
        request,
        "mastery/refused.html",
        {
            "placement": placement,
            "module": module,
            "message": message,
            "status": _status(request, placement, module),
        },
        status=409,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@launch_required
def start(request, placement_id: int):
    """POST starts (or resumes) the check. GET never starts one: it says why the check is
    closed, or goes to the open attempt, or to the module page's check section."""
    placement, module = _placed(request, placement_id)
    context = {"launch": request.launch}
    if request.method in ("GET", "HEAD"):
        status = _status(request, placement, module)
        if status.open_attempt is not None:
            return see_other(
                lurl(context, "mastery:attempt", placement.pk, status.open_attempt.number)
            )
        if status.refusal:
            return _refused(request, placement, module, status.refusal)
        return see_other(lurl(context, "courses:module", placement.pk) + "#mastery")
    try:
        attempt = attempt_start(
            participant=request.launch.participant, placement=placement, version=module.current
        )
    except AttemptRefused as exc:
        return _refused(request, placement, module, str(exc))
    return see_other(lurl(context, "mastery:attempt", placement.pk, attempt.number))


def _attempt_for(request, placement, number: int) -> tuple[Attempt, list[Attempt]]:
    """The launch's own attempt of this placement, or 404 (never another person's), and all
    of this person's attempts here (one query: the result page and grading need them)."""
    participant = request.launch.participant
    attempts = attempts_all(participant, placement)
    attempt = next((a for a in attempts if a.number == number), None)
    if attempt is None:
        raise Http404("No such attempt")
    # Rows this request has read already; versions never change (cached per worker).
    for item in attempts:
        item.participant, item.placement = participant, placement
        item.module_version = content_version(item.module_version_id)
    return attempt, attempts


def _attempt_form(request, placement, module, attempt, *, incomplete=None, saved=False):
    status = 200
    if incomplete is not None and incomplete.blank:
        status = 400  # nothing to grade: refused, and the attempt continues
    return render(
        request,
        "mastery/attempt.html",
        {
            "placement": placement,
            "module": module,
            "attempt": attempt,
            "questions": attempt_questions_answered(attempt),
            "incomplete": incomplete,
            "unanswered": set(incomplete.unanswered) if incomplete else set(),
            "saved": saved,
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@launch_required
def attempt_page(request, placement_id: int, number: int):
    placement, module = _placed(request, placement_id)
    attempt, attempts = _attempt_for(request, placement, number)
    context = {"launch": request.launch}
    if request.method == "POST":
        try:
            graded = attempt_submit(
                attempt=attempt,
                data=request.POST,
                unanswered_confirmed=request.POST.get("confirm") == "unanswered",
                attempts=attempts,
            )
        except SubmissionIncomplete as incomplete:
            return _attempt_form(request, placement, module, attempt, incomplete=incomplete)
        if graded.newly and graded.attempt.mastered:
            _award(request, request.launch.participant)
        return see_other(lurl(context, "mastery:attempt", placement.pk, attempt.number))
    if attempt.status == Attempt.Status.IN_PROGRESS:
        return _attempt_form(
            request, placement, module, attempt, saved=request.GET.get("saved") == "1"
        )
    status = _status(request, placement, module, attempts=attempts)
    review = status.review
    feedback = attempt_feedback(attempt)
    items = review_items(
        feedback=feedback,
        review=review,
        lessons={lesson.slug: lesson for lesson in attempt.module_version.lessons.all()},
        current={lesson.slug for lesson in module.current.lessons.all()},
    )
    revisit = []
    for item in items:
        if item.lesson and item.lesson not in revisit:
            revisit.append(item.lesson)
    return render(
        request,
        "mastery/result.html",
        {
            "placement": placement,
            "module": module,
            "attempt": attempt,
            "items": items,
            "review": review,
            "right": sum(1 for f in feedback if f.credit >= 1),
            "status": status,
            "revisit": revisit,
            # Credential progress (credentials/), once the module is mastered.
            **page_sections(
                page=MASTERY_RESULT,
                request=request,
                placement=placement,
                module=module,
                attempt=attempt,
            ),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
@launch_required
def answers_view(request, placement_id: int, number: int):
    """Save answers as the teacher chooses them. The page's script posts each change here
    (JSON reply); without JavaScript the form's "Save answers" button does (back to the page).
    `changed` names questions the teacher cleared, whose blank is meant. GET gives the saved
    answers (the teacher's own choices, never a key), for a tab coming back into view."""
    placement, _module = _placed(request, placement_id)
    attempt, _attempts = _attempt_for(request, placement, number)
    wants_json = "application/json" in request.headers.get("Accept", "")
    context = {"launch": request.launch}
    if request.method in ("GET", "HEAD"):
        if attempt.status != Attempt.Status.IN_PROGRESS:
            return JsonResponse({"error": "This attempt was already submitted."}, status=409)
        response = JsonResponse({"answers": answers_current(attempt)})
        response["Cache-Control"] = "private, no-store"
        return response
    try:
        saved = answers_save(
            attempt=attempt,
            data=request.POST,
            changed=frozenset(request.POST.getlist("changed")[:100]),
        )
    except AttemptClosed as exc:
        if wants_json:
            return JsonResponse({"error": str(exc)}, status=409)
        return see_other(lurl(context, "mastery:attempt", placement.pk, attempt.number))
    if wants_json:
        if not saved and not request.POST.getlist("changed"):
            return JsonResponse({"error": "No answer to a question of this attempt."}, status=400)
        return JsonResponse({"saved": saved})
    url = lurl(context, "mastery:attempt", placement.pk, attempt.number)
    return see_other(add_query(url, {"saved": "1"}))


# --- evidence of practice ---------------------------------------------------------------


@require_POST
@launch_required
def evidence_submit_view(request, placement_id: int):
    from .evidence import EvidenceRefused, evidence_submit

    placement, module = _placed(request, placement_id)
    if not module.current.evidence_task:
        raise Http404("This module has no evidence task")
    reflection = request.POST.get("reflection", "")
    try:
        evidence_submit(
            participant=request.launch.participant,
            placement=placement,
            version=module.current,
            reflection=reflection,
            upload=request.FILES.get("file"),
        )
    except EvidenceRefused as exc:
        # The module page again, with the reason by the form and the reflection as typed: a
        # refused file must not cost the teacher what they wrote.
        return render(
            request,
            "courses/module.html",
            {
                **module_page_context(request, placement, module),
                "evidence_error": str(exc),
                "evidence_reflection": reflection,
            },
            status=400,
        )
    context = {"launch": request.launch}
    return see_other(lurl(context, "courses:module", placement.pk) + "#evidence")


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
    return submission if launch_is_trainer(request.launch) else None


@require_safe
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


@require_http_methods(["GET", "HEAD", "POST"])
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
            level = parse_id(request.POST.get(f"level-{index}"))
            if level is not None:
                levels[criterion["criterion"]] = level
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
            return see_other(lurl(context, "dashboards:trainer-dashboard") + "#evidence")
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
    """Tell the apps above (credentials/) that a module was just mastered in this cohort."""
    mastery_reached.send(
        sender=Attempt,
        participant=participant,
        cohort_id=request.launch.claims.cohort_id,
        origin=tool_origin(request),
    )
