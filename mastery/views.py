"""Mastery check pages: start or resume, answer, and growth-oriented feedback."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from courses.views import _placed
from lti_tool.access import launch_required
from lti_tool.templatetags.launch_urls import lurl

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
        attempt_submit(attempt=attempt, data=request.POST)
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
        },
    )
