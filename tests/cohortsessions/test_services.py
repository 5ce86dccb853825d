"""The rules of a session's state, at the service level: only a scheduled session is edited
or cancelled; attendance is recorded once a session started, never for a cancelled one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cohortsessions import services
from cohortsessions.models import Attendance, CohortSession
from cohortsessions.services import SessionDetails, SessionRefused
from courses.models import Participant

from .test_sessions import schedule


def _details(**overrides) -> SessionDetails:
    start = dt.datetime(2030, 3, 5, 22, 0, tzinfo=dt.UTC)
    values = {
        "placed": None,
        "title": "",
        "starts_at": start,
        "ends_at": start + dt.timedelta(hours=1),
        "time_zone": "UTC",
        "place": " Room 1 ",
        "video_url": "",
        "agenda": "",
    }
    values.update(overrides)
    return SessionDetails(**values)


def test_scheduling_names_an_untitled_session_and_edits_move_the_sequence_once(cohort):
    trainer = Participant.objects.get(name="Priya Raman")
    cohort_id = trainer.memberships.get().cohort_id
    session = services.session_schedule(cohort_id=cohort_id, created_by=trainer, details=_details())
    assert (session.title, session.place, session.sequence) == ("Cohort session", "Room 1", 0)
    services.session_edit(session, details=_details(place="Room 2"))
    services.session_edit(session, details=_details(place="Room 2"))
    session.refresh_from_db()
    assert (session.place, session.sequence) == ("Room 2", 1)


@pytest.mark.parametrize("status", ["cancelled", "held"])
def test_only_a_scheduled_session_is_edited_or_cancelled(cohort, status):
    session = schedule(cohort["trainer"])
    CohortSession.objects.filter(pk=session.pk).update(status=status)
    session.refresh_from_db()
    with pytest.raises(SessionRefused) as edit:
        services.session_edit(session, details=_details(place="Elsewhere"))
    assert edit.value.status == 409 and "can no longer be changed" in edit.value.title
    with pytest.raises(SessionRefused) as cancel:
        services.session_cancel(session, reason="")
    assert cancel.value.status == 409 and "cannot be cancelled" in cancel.value.title
    session.refresh_from_db()
    assert session.status == status and session.place != "Elsewhere"


def test_cancelling_reads_the_state_from_the_database_not_a_stale_copy(cohort):
    session = schedule(cohort["trainer"])
    stale = CohortSession.objects.get(pk=session.pk)
    services.session_cancel(session, reason="Snow")
    with pytest.raises(SessionRefused):
        services.session_cancel(stale, reason="Again")
    assert CohortSession.objects.get(pk=session.pk).cancel_reason == "Snow"


def test_attendance_is_refused_before_the_start_and_for_a_cancelled_session(cohort):
    trainer = Participant.objects.get(name="Priya Raman")
    maya = Participant.objects.get(name="Maya Alvarez")
    future = schedule(cohort["trainer"])
    now = timezone.now()
    assert services.attendance_refusals(future, now=now) == [services.ATTENDANCE_TOO_EARLY]
    assert services.attendance_refusals(future, now=future.starts_at) == []
    future.status = CohortSession.Status.CANCELLED
    assert services.attendance_refusals(future, now=future.starts_at) == [
        services.ATTENDANCE_CANCELLED
    ]
    with pytest.raises(SessionRefused) as refused:
        services.attendance_save(
            future, statuses={maya.pk: "present"}, notes="", next_steps="", by=trainer
        )
    assert refused.value.status == 400
    assert not Attendance.objects.exists()


def test_recording_attendance_holds_the_session_and_returns_who_changed(cohort):
    trainer = Participant.objects.get(name="Priya Raman")
    maya = Participant.objects.get(name="Maya Alvarez")
    past = schedule(cohort["trainer"], date="2025-01-14")
    changed = services.attendance_record(
        past,
        statuses={maya.pk: "present"},
        notes="n",
        next_steps="",
        by=trainer,
        origin="https://tool.example.org",
    )
    assert changed == [maya.pk]
    past.refresh_from_db()
    assert past.status == CohortSession.Status.HELD


def test_the_lists_sort_sessions_by_state_and_time(cohort):
    trainer = cohort["trainer"]
    past = schedule(trainer, date="2025-01-14", title="Ended")
    coming = schedule(trainer, title="Coming")
    cancelled = schedule(trainer, title="Called off")
    services.session_cancel(cancelled, reason="")
    cohort_id = past.cohort_id
    now = timezone.now()
    lists = services.sessions_for_trainer(cohort_id=cohort_id, now=now)
    assert [s.pk for s in lists.to_record] == [past.pk]
    assert [s.pk for s in lists.upcoming] == [coming.pk]
    assert [s.pk for s in lists.past] == [cancelled.pk]
    upcoming, earlier = services.sessions_for_teacher(cohort_id=cohort_id, now=now)
    # A cancelled session stays among the upcoming ones, for teachers to see it will not happen.
    assert {s.pk for s in upcoming} == {coming.pk, cancelled.pk}
    assert [s.pk for s in earlier] == [past.pk]


def test_a_signed_link_opens_a_session_for_an_active_member_only(cohort):
    session = schedule(cohort["trainer"])
    maya = Participant.objects.get(name="Maya Alvarez")
    bob = Participant.objects.get(name="Bob Other")
    assert services.session_of_member(session_id=session.pk, participant_id=maya.pk) == session
    assert services.session_of_member(session_id=session.pk, participant_id=bob.pk) is None
    assert services.session_of_member(session_id=session.pk + 999, participant_id=maya.pk) is None
    maya.memberships.update(status="inactive")
    assert services.session_of_member(session_id=session.pk, participant_id=maya.pk) is None
