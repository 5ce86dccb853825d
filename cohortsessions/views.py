"""Trainer pages (list, schedule, edit, cancel, attendance and notes) and the teachers' page and
calendar files. Every page needs a launch and reads only the launch's cohort: a session of
another cohort or platform is a 404; a teacher gets a 403 on the trainer pages."""

from __future__ import annotations

import re

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from courses.agendas import agenda_for
from courses.models import Membership
from credentials.requirements import credentials_recheck
from pagesession.access import launch_required, parse_id, trainer_required
from pagesession.templatetags.launch_urls import lurl
from pagesession.urls_util import absolute, add_query, see_other, tool_origin

from . import services
from .forms import CancelForm, NotesForm, SessionForm, attendance_read
from .ics import calendar_bytes
from .models import Attendance, CohortSession
from .notices import ics_link_read
from .times import when_local

ATTENDANCE_FIELD = re.compile(r"^a-(\d{1,18})$")


def _cohort_id(request) -> int:
    return request.launch.claims.cohort_id


def _session(request, session_id: int) -> CohortSession:
    session = services.cohort_sessions(cohort_id=_cohort_id(request)).filter(pk=session_id).first()
    if session is None:
        raise Http404("No such session in this course")
    return session


def _back(request, name: str, *args, flag: str = ""):
    url = lurl({"launch": request.launch}, name, *args)
    return see_other(add_query(url, {"done": flag}) if flag else url)


def _rows(sessions):
    return [(s, when_local(s)) for s in sessions]


# --- trainer pages -------------------------------------------------------------------------


@require_safe
@trainer_required
def trainer_list(request):
    sessions = list(services.cohort_sessions(cohort_id=_cohort_id(request)))
    now = timezone.now()
    upcoming = [
        s for s in sessions if s.status == CohortSession.Status.SCHEDULED and s.ends_at >= now
    ]
    to_record = [
        s for s in sessions if s.status == CohortSession.Status.SCHEDULED and s.ends_at < now
    ]
    past = [s for s in reversed(sessions) if s.status != CohortSession.Status.SCHEDULED]
    return render(
        request,
        "cohortsessions/trainer_list.html",
        {
            "cohort": request.launch.cohort,
            "upcoming": _rows(upcoming),
            "to_record": _rows(to_record),
            "past": _rows(past),
            "modules": services.cohort_modules(cohort_id=_cohort_id(request)),
            "done": request.GET.get("done", ""),
        },
    )


def _session_from_form(session: CohortSession, form: SessionForm) -> bool:
    """Copy the form's values onto the session; whether anything a calendar shows changed."""
    data = form.cleaned_data
    placed = form.modules.get(data["placement"]) if data["placement"] else None
    title = data["title"].strip() or (
        f"Cohort session: {placed.title}" if placed else "Cohort session"
    )
    agenda = data["agenda"].strip()
    if not agenda and placed is not None and placed.module is not None:
        agenda = agenda_for(version=placed.module.current)
    values = {
        "placement": placed.placement if placed else None,
        "title": title[:200],
        "starts_at": data["starts_at"],
        "ends_at": data["ends_at"],
        "time_zone": data["time_zone"],
        "place": data["place"].strip(),
        "video_url": data["video_url"],
        "agenda": agenda,
    }
    changed = any(getattr(session, k) != v for k, v in values.items())
    for key, value in values.items():
        setattr(session, key, value)
    return changed


def _form_page(request, form, session, status=200):
    return render(
        request,
        "cohortsessions/trainer_form.html",
        {"form": form, "session": session, "cancel_form": CancelForm()},
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@trainer_required
def trainer_new(request):
    modules = services.cohort_modules(cohort_id=_cohort_id(request))
    if request.method == "POST":
        form = SessionForm(request.POST, modules=modules)
        if not form.is_valid():
            return _form_page(request, form, None, status=400)
        session = CohortSession(
            cohort_id=_cohort_id(request), created_by=request.launch.participant
        )
        _session_from_form(session, form)
        services.session_save(session, changed=True)
        return _back(request, "cohortsessions:trainer-list", flag="scheduled")
    initial = {"time_zone": timezone.get_current_timezone_name()}
    placement_id = parse_id(request.GET.get("placement"))
    placed = next((m for m in modules if m.placement.pk == placement_id), None)
    if placed is not None:
        initial["placement"] = placed.placement.pk
        if placed.module is not None:
            initial["agenda"] = agenda_for(version=placed.module.current)
    return _form_page(request, SessionForm(initial=initial, modules=modules), None)


@require_http_methods(["GET", "HEAD", "POST"])
@trainer_required
def trainer_edit(request, session_id: int):
    session = _session(request, session_id)
    if session.status != CohortSession.Status.SCHEDULED:
        return render(
            request,
            "pagesession/denied.html",
            {
                "title": "This session can no longer be changed",
                "message": "A cancelled or held session keeps its date and place. "
                "Schedule a new session instead.",
            },
            status=409,
        )
    modules = services.cohort_modules(cohort_id=_cohort_id(request))
    if request.method == "POST":
        form = SessionForm(request.POST, modules=modules)
        if not form.is_valid():
            return _form_page(request, form, session, status=400)
        changed = _session_from_form(session, form)
        services.session_save(session, changed=changed)
        return _back(request, "cohortsessions:trainer-list", flag="saved")
    local = session.local_start
    form = SessionForm(
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
    return _form_page(request, form, session)


@require_POST
@trainer_required
def trainer_cancel(request, session_id: int):
    session = _session(request, session_id)
    form = CancelForm(request.POST)
    if session.status != CohortSession.Status.SCHEDULED or not form.is_valid():
        return render(
            request,
            "pagesession/denied.html",
            {
                "title": "This session cannot be cancelled",
                "message": "Only a scheduled session can be cancelled, with a reason of at most "
                "500 characters.",
            },
            status=409 if form.is_valid() else 400,
        )
    services.session_cancel(session, reason=form.cleaned_data["reason"].strip())
    return _back(request, "cohortsessions:trainer-list", flag="cancelled")


@require_http_methods(["GET", "HEAD", "POST"])
@trainer_required
def trainer_attendance(request, session_id: int):
    session = _session(request, session_id)
    teachers = services.cohort_teachers(cohort_id=_cohort_id(request))
    teacher_ids = [t.pk for t in teachers]
    recorded = dict(
        Attendance.objects.filter(session=session).values_list("participant_id", "status")
    )
    errors: list[str] = []
    notes_form = NotesForm(
        request.POST if request.method == "POST" else None,
        initial={"notes": session.notes, "next_steps": session.next_steps},
    )
    if request.method == "POST":
        if session.status == CohortSession.Status.CANCELLED:
            errors.append("This session was cancelled: there is no attendance to record.")
        if session.starts_at > timezone.now():
            errors.append("Record attendance once the session has started.")
        statuses, bad = attendance_read(request.POST, teacher_ids)
        strangers = [
            m.group(1)
            for key in request.POST
            if (m := ATTENDANCE_FIELD.match(key)) and int(m.group(1)) not in teacher_ids
        ]
        if bad:
            errors.append("Choose present, absent or excused for each teacher you mark.")
        if strangers:
            errors.append("Attendance can only be recorded for this course's teachers.")
        if not notes_form.is_valid():
            errors.append("The notes are too long.")
        if not errors:
            changed = services.attendance_save(
                session,
                statuses=statuses,
                notes=notes_form.cleaned_data["notes"].strip(),
                next_steps=notes_form.cleaned_data["next_steps"].strip(),
                by=request.launch.participant,
            )
            origin = tool_origin(request)
            by_id = {t.pk: t for t in teachers}
            for pid in changed:
                # A credential that asks for attended sessions may be earned now.
                credentials_recheck(
                    participant=by_id[pid], cohort_id=_cohort_id(request), origin=origin
                )
            return _back(request, "cohortsessions:trainer-list", flag="recorded")
        recorded = {**recorded, **statuses}
    rows = [(t, recorded.get(t.pk, "")) for t in teachers]
    return render(
        request,
        "cohortsessions/trainer_attendance.html",
        {
            "session": session,
            "when": when_local(session),
            "rows": rows,
            "choices": Attendance.Status.choices,
            "notes_form": notes_form,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


# --- everyone in the cohort ------------------------------------------------------------------


@require_safe
@launch_required
def sessions_page(request):
    cohort_id = _cohort_id(request)
    sessions = list(services.cohort_sessions(cohort_id=cohort_id))
    mine = services.attendance_of(participant=request.launch.participant, cohort_id=cohort_id)
    now = timezone.now()
    upcoming = [s for s in sessions if s.ends_at >= now and s.status != CohortSession.Status.HELD]
    past = [s for s in reversed(sessions) if s not in upcoming]
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
    session = CohortSession.objects.filter(pk=session_id).first()
    if session is None:
        return None
    member = Membership.objects.filter(
        participant_id=pid, cohort_id=session.cohort_id, status=Membership.Status.ACTIVE
    ).exists()
    return session if member else None


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
