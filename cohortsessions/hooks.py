"""What this app adds to pages and credentials of the apps below it, through their registries
(courses/pages.py, courses/content_extensions.py, credentials/requirements.py)."""

from __future__ import annotations

from django.db.models import Exists
from django.db.models.functions import Now

from courses.content_extensions import CredentialKey, credential_key_register
from courses.page_queries import page_flag
from courses.pages import (
    COHORT_PAGE,
    MODULE_PAGE,
    TRAINER_DASHBOARD,
    Panel,
    TeacherColumn,
    dashboard_column_register,
    page_flag_register,
    panel_register,
)
from credentials.requirements import Requirement, RequirementStatus, requirement_register
from notifications.services import producer_register

from .models import CohortSession
from .notices import kinds_register, sessions_tomorrow
from .services import attended_counts, attended_sessions, upcoming
from .times import when_local

KEY = "sessions_required"
MAX_SESSIONS_REQUIRED = 100


def _upcoming_panel(cohort_id: int, placement_id: int | None) -> Panel:
    sessions = upcoming(cohort_id=cohort_id, placement_id=placement_id)
    return Panel(
        key="sessions-upcoming",
        title="Upcoming sessions",
        template="cohortsessions/_panel_upcoming.html",
        context={"sessions": [(s, when_local(s)) for s in sessions]},
        order=40,
    )


def cohort_page_panel(*, request, participant, cohort_id, **_):
    return _upcoming_panel(cohort_id, None)


def upcoming_flag(mine):
    """`page_sessions_upcoming` on the module page's placement query: whether a session of
    this placement is still to come, so the page asks for sessions only when there are some."""
    return Exists(
        CohortSession.objects.filter(
            placement_id=mine["placement_id"],
            status=CohortSession.Status.SCHEDULED,
            ends_at__gte=Now(),
        )
    )


def module_page_panel(*, request, placement, module, **_):
    some = page_flag(placement, request.launch.claims.participant_id, "sessions_upcoming")
    if not some and not request.launch.is_trainer:
        return None  # nothing planned for this module: no empty box on the teacher's page
    if not some:
        return Panel(
            key="sessions-upcoming",
            title="Upcoming sessions",
            template="cohortsessions/_panel_upcoming.html",
            context={"sessions": []},
            order=40,
        )
    return _upcoming_panel(placement.cohort_id, placement.pk)


def trainer_dashboard_panel(*, request, cohort_id, participant_ids, **_):
    panel = _upcoming_panel(cohort_id, None)
    panel.key, panel.title = "sessions-trainer", "Cohort sessions"
    return panel


def attended_column(*, cohort_id, participant_ids):
    held, counts = attended_counts(cohort_id=cohort_id, participant_ids=participant_ids)
    if not held:
        return TeacherColumn(
            key="sessions-attended",
            header="Sessions attended",
            cells={pid: "" for pid in participant_ids},
        )
    return TeacherColumn(
        key="sessions-attended",
        header="Sessions attended",
        cells={pid: f"{counts.get(pid, 0)} of {held}" for pid in participant_ids},
    )


def sessions_required_read(value, fields, *, modules):
    """`sessions_required: N` in a credential of program.yaml: a whole number, 1 to 100."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not 1 <= value <= MAX_SESSIONS_REQUIRED
    ):
        fields.problem(
            KEY, f"{KEY} must be a whole number from 1 to {MAX_SESSIONS_REQUIRED} (sessions)"
        )
        return None
    return value


def sessions_required_check(*, value, participant, cohort_id, achievement):
    attended = attended_sessions(participant=participant, cohort_id=cohort_id)
    evidence = [
        {
            "type": ["Evidence"],
            "name": session.title,
            "description": f"Cohort session attended on {when_local(session)}.",
            "genre": "Cohort session",
        }
        for session in attended
    ]
    return RequirementStatus(
        met=len(attended) >= value,
        label=f"Attend {value} cohort session{'s' if value != 1 else ''}",
        detail=f"{len(attended)} of {value} attended",
        evidence=evidence,
    )


def register() -> None:
    panel_register(page=COHORT_PAGE, provider=cohort_page_panel)
    panel_register(page=MODULE_PAGE, provider=module_page_panel)
    page_flag_register("sessions_upcoming", upcoming_flag)
    panel_register(page=TRAINER_DASHBOARD, provider=trainer_dashboard_panel)
    dashboard_column_register(attended_column)
    credential_key_register(CredentialKey(name=KEY, read=sessions_required_read))
    requirement_register(Requirement(name=KEY, check=sessions_required_check))
    kinds_register()
    producer_register("cohortsessions.tomorrow", sessions_tomorrow)
