"""Coaching pages. Trainers of the cohort (the coach and the cohort's other trainers) see every
cycle of the cohort; a teacher sees only their own cycles, and the observation only once the
feedback is shared. Another cohort or platform gets a 404 (ids never leak across tenants)."""

from __future__ import annotations

import csv
from functools import partial

from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from courses.progress import placement_module
from courses.templatetags.ignite_text import when_text
from pagesession.access import launch_required, trainer_required
from pagesession.posting import post_answer
from pagesession.templatetags.launch_urls import lurl
from pagesession.urls_util import see_other, tool_origin

from . import forms
from .models import CoachingCycle, Observation
from .services import (
    CoachingRefused,
    coach_rows,
    coachable_placements,
    cohort_teachers,
    cycle_close,
    cycle_open,
    cycle_plan,
    goal_propose,
    goals,
    gradebook_set,
    gradebook_states,
    growth,
    lessons_of,
    observation_edit_check,
    observation_editable,
    observation_read,
    observation_save,
    observation_start,
    overdue,
    reflection_save,
)

FILTERS = {"": "All teachers", "no-observation": "No observation yet", "overdue": "Cycle overdue"}


def _cycle(request, cycle_id: int) -> CoachingCycle:
    cycle = (
        CoachingCycle.objects.select_related("placement", "coach", "teacher")
        .filter(pk=cycle_id, cohort_id=request.launch.claims.cohort_id)
        .first()
    )
    if cycle is None:
        raise Http404("No such coaching cycle in this course")
    return cycle


def _context(request, **extra) -> dict:
    return {"launch": request.launch, **extra}


def _url(request, name: str, *args) -> str:
    return lurl(_context(request), name, *args)


def _refused(page, key: str = "form", **kwargs):
    """A refusal answered by `page` (a view's page function) with the message under `key` in
    `errors`, beside the fields' own errors, on the refusal's status."""

    def answer(exc: CoachingRefused):
        return page(errors={key: exc.message, **exc.errors}, status=exc.status, **kwargs)

    return answer


def _posted(run, *, page, to):
    return post_answer(run, refused=CoachingRefused, page=page, to=to)


# --- the coach's pages --------------------------------------------------------------------


def _coach_list(request, *, errors=None, values=None, status=200):
    cohort_id = request.launch.claims.cohort_id
    today = timezone.localdate()
    shown = request.GET.get("show", "")
    if shown not in FILTERS:
        shown = ""
    rows = coach_rows(cohort_id=cohort_id, today=today)
    placements = coachable_placements(cohort_id)
    states = gradebook_states(cohort_id)
    if shown == "no-observation":
        rows = [r for r in rows if r.last_observed is None]
    elif shown == "overdue":
        rows = [r for r in rows if r.overdue]
    return render(
        request,
        "coaching/coach.html",
        {
            "rows": rows,
            "shown": shown,
            "shown_label": FILTERS[shown],
            "filters": list(FILTERS.items()),
            "teachers": cohort_teachers(cohort_id),
            "placements": placements,
            "gradebook": [(p, m, states.get(p.pk, False)) for p, m in placements],
            "gradebook_saved": request.GET.get("gradebook") == "saved",
            "errors": errors or {},
            "values": values or {},
            "today": today,
        },
        status=status,
    )


@require_safe
@trainer_required
def coach_page(request):
    return _coach_list(request)


@require_POST
@trainer_required
def cycle_new(request):
    form = forms.CycleOpenForm(request.POST)
    return _posted(
        lambda: cycle_open(
            cohort_id=request.launch.claims.cohort_id,
            coach=request.launch.participant,
            **form.values(),
        ),
        page=_refused(partial(_coach_list, request), values=form.data),
        to=lambda cycle: _url(request, "coaching:cycle", cycle.pk),
    )


@require_POST
@trainer_required
def gradebook_switch(request):
    """A placement's observation column in the LMS gradebook, on or off."""
    form = forms.GradebookForm(request.POST)
    return _posted(
        lambda: gradebook_set(cohort_id=request.launch.claims.cohort_id, **form.values()),
        page=_refused(partial(_coach_list, request), "gradebook"),
        to=_url(request, "coaching:coach") + "&gradebook=saved",
    )


@require_safe
@trainer_required
def coach_export(request):
    """The coach's table as CSV; no cell may start a spreadsheet formula."""
    rows = coach_rows(cohort_id=request.launch.claims.cohort_id, today=timezone.localdate())
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="ignite-coaching.csv"'
    response["Cache-Control"] = "private, no-store"
    writer = csv.writer(response)
    writer.writerow(
        ["Teacher", "Email", "Module", "Goal", "Step", "Cycles", "Last observation", "Next date"]
        + ["Overdue"]
    )

    def safe(value: str) -> str:
        return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value

    for row in rows:
        cycle = row.cycle
        writer.writerow(
            [
                safe(row.teacher.display_name),
                safe(row.teacher.email),
                safe(cycle.placement.title if cycle else ""),
                safe(cycle.goal if cycle else ""),
                cycle.get_step_display() if cycle else "No cycle yet",
                row.cycles,
                row.last_observed.isoformat() if row.last_observed else "",
                row.next_date.isoformat() if row.next_date else "",
                "yes" if row.overdue else "no",
            ]
        )
    return response


def _cycle_context(cycle: CoachingCycle, observation, *, shared_only: bool, errors) -> dict:
    """What the coach's and the teacher's cycle pages both show; the teacher's growth chart
    counts shared observations only."""
    module = placement_module(cycle.placement)
    return {
        "cycle": cycle,
        "module": module,
        "observation": observation,
        "view": _observation_view(observation, module),
        "events": cycle.events.select_related("by"),
        "growth": growth(
            teacher_id=cycle.teacher_id, cohort_id=cycle.cohort_id, shared_only=shared_only
        ),
        "goals": goals(teacher_id=cycle.teacher_id, cohort_id=cycle.cohort_id),
        "errors": errors or {},
    }


def _cycle_page(request, cycle: CoachingCycle, *, errors=None, status=200):
    observation = Observation.objects.filter(cycle=cycle).first()
    return render(
        request,
        "coaching/cycle.html",
        {
            **_cycle_context(cycle, observation, shared_only=False, errors=errors),
            "overdue": overdue(cycle, timezone.localdate()),
            "next_cycle": CoachingCycle.objects.filter(previous=cycle).first(),
        },
        status=status,
    )


def _lessons(module) -> dict[str, str]:
    return lessons_of(module) if module else {}


def _observation_view(observation: Observation | None, module) -> dict | None:
    """The observation as read: each look-for with its level's label, the strength's look-for,
    the resource lesson's title."""
    if observation is None:
        return None
    tool = observation.tool
    labels = {lv["level"]: lv["label"] for lv in tool["scale"]}
    look_fors = [
        {
            **lf,
            "level": observation.ratings.get(lf["slug"]),
            "label": labels.get(observation.ratings.get(lf["slug"]), ""),
        }
        for lf in tool["look_fors"]
    ]
    lessons = _lessons(module)
    return {
        "look_fors": look_fors,
        "top": len(tool["scale"]),
        "strength_look_for": next(
            (lf["text"] for lf in tool["look_fors"] if lf["slug"] == observation.strength_look_for),
            "",
        ),
        "resource": lessons.get(observation.resource_lesson, ""),
    }


@require_http_methods(["GET", "HEAD", "POST"])
@trainer_required
def cycle_page(request, cycle_id: int):
    cycle = _cycle(request, cycle_id)
    if request.method != "POST":
        return _cycle_page(request, cycle)
    form = forms.CyclePlanForm(request.POST)
    return _posted(
        lambda: cycle_plan(cycle=cycle, by=request.launch.participant, **form.values()),
        page=_refused(partial(_cycle_page, request, cycle)),
        to=_url(request, "coaching:cycle", cycle.pk),
    )


@require_POST
@trainer_required
def cycle_close_view(request, cycle_id: int):
    cycle = _cycle(request, cycle_id)
    form = forms.CycleCloseForm(request.POST)
    return _posted(
        lambda: cycle_close(cycle=cycle, by=request.launch.participant, **form.values()),
        page=_refused(partial(_cycle_page, request, cycle), "close"),
        to=lambda following: _url(request, "coaching:cycle", (following or cycle).pk),
    )


def _observe_form(request, cycle, observation, module, *, form=None, errors=None, status=200):
    lessons = _lessons(module)
    if form is None:
        values = {
            "ratings": observation.ratings,
            "notes": observation.notes,
            "strength": observation.strength,
            "next_step": observation.next_step,
            "strength_look_for": observation.strength_look_for,
            "resource_lesson": observation.resource_lesson,
            "observed_on": observation.observed_on,
        }
    else:
        values = {"ratings": form.ratings, **form.values}
    look_fors = [
        {**lf, "chosen": values["ratings"].get(lf["slug"])} for lf in observation.tool["look_fors"]
    ]
    return render(
        request,
        "coaching/observe.html",
        {
            "cycle": cycle,
            "module": module,
            "observation": observation,
            "tool": observation.tool,
            "look_fors": look_fors,
            "values": values,
            "lessons": list(lessons.items()),
            "errors": errors or {},
            "today": timezone.localdate(),
        },
        status=status,
    )


def _observation(cycle: CoachingCycle, *, save: bool) -> Observation:
    try:
        return observation_start(cycle, save=save)
    except CoachingRefused as exc:  # the module lost its look-for tool
        raise Http404(exc.message) from None


@require_http_methods(["GET", "HEAD", "POST"])
@trainer_required
def observe_page(request, cycle_id: int):
    cycle = _cycle(request, cycle_id)
    module = placement_module(cycle.placement)
    if request.method == "POST":
        return _observe_post(request, cycle, module)
    observation = _observation(cycle, save=False)
    if not observation_editable(cycle, observation):
        return see_other(_url(request, "coaching:cycle", cycle.pk))
    return _observe_form(request, cycle, observation, module)


def _observe_post(request, cycle: CoachingCycle, module):
    """Save the draft or share it. A closed cycle or shared feedback answers on the cycle's
    page (409); a refused answer on the form, with what was typed."""
    try:
        observation_edit_check(cycle)
        observation = _observation(cycle, save=True)
        observation_edit_check(cycle, observation)
    except CoachingRefused as exc:
        return _cycle_page(request, cycle, errors={"form": exc.message}, status=exc.status)
    form = forms.ObservationForm(request.POST, tool=observation.tool)
    lessons = _lessons(module)

    def typed_again(exc: CoachingRefused):
        typed = observation_read(observation, lessons, form.answers())
        errors = {"form": exc.message, **exc.errors}
        return _observe_form(
            request, cycle, observation, module, form=typed, errors=errors, status=exc.status
        )

    return _posted(
        lambda: observation_save(
            observation=observation,
            by=request.launch.participant,
            lessons=lessons,
            data=form.answers(),
            share=form.share,
        ),
        page=typed_again,
        to=_url(request, "coaching:cycle", cycle.pk)
        if form.share
        else _url(request, "coaching:observe", cycle.pk) + "&saved=1",
    )


@require_POST
@trainer_required
def observe_draft(request, cycle_id: int):
    """The autosave endpoint: the whole draft as form fields, saved as the coach types."""
    cycle = _cycle(request, cycle_id)
    module = placement_module(cycle.placement)
    try:
        observation_edit_check(cycle)
    except CoachingRefused as exc:
        return JsonResponse({"error": exc.message}, status=exc.status)
    try:
        observation = observation_start(cycle)
        form = forms.ObservationForm(request.POST, tool=observation.tool)
        observation_save(
            observation=observation,
            by=request.launch.participant,
            lessons=_lessons(module),
            data=form.answers(),
            share=False,
        )
    except CoachingRefused as exc:
        return JsonResponse({"error": exc.message, "errors": exc.errors}, status=exc.status)
    observation.refresh_from_db(fields=["draft_saved_at"])
    return JsonResponse(
        {
            "saved": observation.draft_saved_at.isoformat(),
            "saved_text": when_text(observation.draft_saved_at),
        }
    )


# --- the teacher's pages ------------------------------------------------------------------


def _own_cycle(request, cycle_id: int) -> CoachingCycle:
    cycle = _cycle(request, cycle_id)
    if cycle.teacher_id != request.launch.claims.participant_id:
        raise Http404("No such coaching cycle")
    return cycle


def _teacher_page(request, cycle, *, errors=None, status=200):
    observation = Observation.objects.filter(cycle=cycle, shared_at__isnull=False).first()
    return render(
        request,
        "coaching/teacher_cycle.html",
        {
            **_cycle_context(cycle, observation, shared_only=True, errors=errors),
            "values": request.POST if request.method == "POST" else {},
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@launch_required
def teacher_cycle(request, cycle_id: int):
    cycle = _own_cycle(request, cycle_id)
    if request.method != "POST":
        return _teacher_page(request, cycle)
    form = forms.GoalProposalForm(request.POST)
    return _posted(
        lambda: goal_propose(cycle=cycle, teacher=request.launch.participant, **form.values()),
        page=_refused(partial(_teacher_page, request, cycle), "goal"),
        to=_url(request, "coaching:teacher-cycle", cycle.pk),
    )


@require_POST
@launch_required
def reflect(request, cycle_id: int):
    cycle = _own_cycle(request, cycle_id)
    form = forms.ReflectionForm(request.POST)
    return _posted(
        lambda: reflection_save(
            cycle=cycle,
            teacher=request.launch.participant,
            origin=tool_origin(request),
            **form.values(),
        ),
        page=_refused(partial(_teacher_page, request, cycle), "reflection"),
        to=_url(request, "coaching:teacher-cycle", cycle.pk),
    )
