"""Trainer pages (list, schedule, edit, cancel, attendance and notes) and the teachers' page and
calendar files. Every page needs a launch and reads only the launch's cohort: a session of
another cohort or platform is a 404; a teacher gets a 403 on the trainer pages."""

from __future__ import annotations

from functools import partial

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from courses.agendas import agenda_for
from pagesession.access import launch_required, parse_id, trainer_required
from pagesession.posting import post_answer
from pagesession.templatetags.launch_urls import lurl
from pagesession.urls_util import absolute, add_query, tool_origin

from . import services
from .forms import AttendanceForm, CancelForm, SessionForm
from .ics import calendar_bytes
from .models import Attendance, CohortSession
from .notices import ics_link_read
from .services import SessionRefused
from .times import when_local


def _cohort_id(request) -> int:
    return request.launch.claims.cohort_id


def _session(request, session_id: int) -> CohortSession:
    session = services.cohort_sessions(cohort_id=_cohort_id(request)).filter(pk=session_id).first()
    if session is None:
        raise Http404("No such session in this course")
    return session


def _rows(sessions):
    return [(s, when_local(s)) for s in sessions]


# --- trainer pages -------------------------------------------------------------------------


@require_safe
@trainer_required
def trainer_list(request):
    sessions = services.sessions_for_trainer(cohort_id=_cohort_id(request), now=timezone.now())
    return render(
        request,
        "cohortsessions/trainer_list.html",
        {
            "cohort": request.launch.cohort,
            "upcoming": _rows(sessions.upcoming),
            "to_record": _rows(sessions.to_record),
            "past": _rows(sessions.past),
            "modules": services.cohort_modules(cohort_id=_cohort_id(request)),
            "done": request.GET.get("done", ""),
        },
    )


def _form_page(request, form, session, status=200):
    return render(
        request,
        "cohortsessions/trainer_form.html",
        {"form": form, "session": session, "cancel_form": CancelForm()},
        status=status,
    )


def _refused(request, exc: SessionRefused):
    """Every refusal of a session's state, on the status it carries."""
    return render(
        request,
        "pagesession/denied.html",
        {"title": exc.title, "message": exc.message},
        status=exc.status,
    )


def _posted(request, run, *, flag: str):
    """A trainer's change: the service runs, then back to the list saying what was done."""
    url = add_query(lurl({"launch": request.launch}, "cohortsessions:trainer-list"), {"done": flag})
    return post_answer(run, refused=SessionRefused, page=partial(_refused, request), to=url)


@require_http_methods(["GET", "HEAD", "POST"])
@trainer_required
def trainer_new(request):
    modules = services.cohort_modules(cohort_id=_cohort_id(request))
    if request.method == "POST":
        form = SessionForm(request.POST, modules=modules)
        if not form.is_valid():
            return _form_page(request, form, None, status=400)
        return _posted(
            request,
            lambda: services.session_schedule(
                cohort_id=_cohort_id(request),
                created_by=request.launch.participant,
                details=form.details(),
            ),
            flag="scheduled",
        )
    initial = {"time_zone": timezone.get_current_timezone_name()}
    placement_id = parse_id(request.GET.get("placement"))
    placed = next((m for m in modules if m.placement.pk == placement_id), None)
    if placed is not None:
        initial["placement"] = placed.placement.pk
        if placed.module is not None:
            initial["agenda"] = agenda_for(version=placed.module.current)
    return _form_page(request, SessionForm(initial=initial, modules=modules), None)


def _edit_form(session: CohortSession, modules) -> SessionForm:
    local = session.local_start
    return SessionForm(
        initial={
            "placement": session.placement_id,
            "title": session.title,
            "date": local.date(),
            "start": local.time().strftime("%H:%M"),
            "end": session.local_end.time().strftime("%H:%M"),
            "time_zone": session.time_zone,
            "place": session.place,
            "video_url": session.video_url,
            "agenda": session.agenda,
        },
        modules=modules,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@trainer_required
def trainer_edit(request, session_id: int):
    session = _session(request, session_id)
    try:
        services.session_edit_check(session)
    except SessionRefused as exc:
        return _refused(request, exc)
    modules = services.cohort_modules(cohort_id=_cohort_id(request))
    if request.method != "POST":
        return _form_page(request, _edit_form(session, modules), session)
    form = SessionForm(request.POST, modules=modules)
    if not form.is_valid():
        return _form_page(request, form, session, status=400)
    return _posted(
        request, lambda: services.session_edit(session, details=form.details()), flag="saved"
    )


@require_POST
@trainer_required
def trainer_cancel(request, session_id: int):
    session = _session(request, session_id)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _refused(request, SessionRefused(*services.CANCEL_REFUSED, status=400))
    return _posted(
        request,
        lambda: services.session_cancel(session, reason=form.cleaned_data["reason"]),
        flag="cancelled",
    )


@require_http_methods(["GET", "HEAD", "POST"])
@trainer_required
def trainer_attendance(request, session_id: int):
    session = _session(request, session_id)
    teachers = services.cohort_teachers(cohort_id=_cohort_id(request))
    recorded = dict(
        Attendance.objects.filter(session=session).values_list("participant_id", "status")
    )
    form = AttendanceForm(
        request.POST if request.method == "POST" else None,
        initial={"notes": session.notes, "next_steps": session.next_steps},
        teacher_ids=[t.pk for t in teachers],
    )
    errors: list[str] = []
    if request.method == "POST":
        errors = services.attendance_refusals(session, now=timezone.now()) + form.problems()
        if not errors:
            return _posted(
                request,
                lambda: services.attendance_record(
                    session,
                    statuses=form.statuses,
                    notes=form.cleaned_data["notes"],
                    next_steps=form.cleaned_data["next_steps"],
                    by=request.launch.participant,
                    origin=tool_origin(request),
                ),
                flag="recorded",
            )
        recorded = {**recorded, **form.statuses}
    return render(
        request,
        "cohortsessions/trainer_attendance.html",
        {
            "session": session,
            "when": when_local(session),
            "rows": [(t, recorded.get(t.pk, "")) for t in teachers],
            "choices": Attendance.Status.choices,
            "notes_form": form,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


# --- everyone in the cohort ------------------------------------------------------------------


@require_safe
@launch_required
def sessions_page(request):
    cohort_id = _cohort_id(request)
    upcoming, past = services.sessions_for_teacher(cohort_id=cohort_id, now=timezone.now())
    mine = services.attendance_of(participant=request.launch.participant, cohort_id=cohort_id)
    return render(
        request,
        "cohortsessions/sessions.html",
        {
            "cohort": request.launch.cohort,
            "upcoming": _rows(upcoming),
            "past": [(s, when, mine.get(s.pk, "")) for s, when in _rows(past)],
        },
    )


def _ics_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _signed_session(request, session_id: int) -> CohortSession | None:
    """The session a signed email link (`?k=`, notices.ics_link) opens, for a person who is
    still an active member of its cohort; None otherwise."""
    pid = ics_link_read(request.GET.get("k", ""), session_id)
    if pid is None:
        return None
    return services.session_of_member(session_id=session_id, participant_id=pid)


@require_safe
def session_ics(request, session_id: int):
    """A session's calendar file: from a page of the launch's cohort, or from the signed link
    in a reminder email (no launch there)."""
    if not request.launch and request.GET.get("k"):
        session = _signed_session(request, session_id)
        if session is None:
            raise Http404("This calendar link is not valid (any more)")
    else:
        return _session_ics_launched(request, session_id)
    return _ics_response(
        calendar_bytes([session], name=session.title, page_url=""), f"session-{session.pk}.ics"
    )


@launch_required
def _session_ics_launched(request, session_id: int):
    session = _session(request, session_id)
    body = calendar_bytes(
        [session],
        name=session.title,
        page_url=absolute(request, "/app/sessions/"),
    )
    return _ics_response(body, f"session-{session.pk}.ics")


@require_safe
@launch_required
def cohort_ics(request):
    cohort = request.launch.cohort
    sessions = list(services.cohort_sessions(cohort_id=cohort.pk))
    body = calendar_bytes(
        sessions,
        name=f"{cohort.display_title}: cohort sessions",
        page_url=absolute(request, "/app/sessions/"),
    )
    return _ics_response(body, f"cohort-{cohort.pk}-sessions.ics")
