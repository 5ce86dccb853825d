"""A NUL character in a session's agenda or in attendance notes (PostgreSQL cannot store one)
is refused with a plain 400 and nothing is saved."""

from __future__ import annotations

import pytest

from cohortsessions.models import Attendance, CohortSession
from courses.models import Participant
from tests.nul_input import ENCODINGS, assert_nul_refused, nul_post

from .conftest import session_form
from .test_sessions import schedule


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("field", ["agenda", "title", "place"])
def test_scheduling_with_a_nul_is_refused_and_not_saved(cohort, encoding, field):
    data = session_form(**{field: "Bring\x00plans"})
    response = nul_post(cohort["trainer"], "/app/trainer/sessions/new/", data, encoding)
    assert_nul_refused(response)
    assert not CohortSession.objects.exists()


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_editing_an_agenda_with_a_nul_is_refused_and_not_saved(cohort, encoding):
    session = schedule(cohort["trainer"], agenda="Opening")
    url = f"/app/trainer/sessions/{session.pk}/edit/"
    response = nul_post(cohort["trainer"], url, session_form(agenda="Open\x00ing"), encoding)
    assert_nul_refused(response)
    session.refresh_from_db()
    assert session.agenda == "Opening"


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("field", ["notes", "next_steps"])
def test_attendance_notes_with_a_nul_are_refused_and_not_saved(cohort, encoding, field):
    session = schedule(cohort["trainer"], date="2025-01-14")
    maya = Participant.objects.get(name="Maya Alvarez")
    data = {f"a-{maya.pk}": "present", "notes": "", "next_steps": "", field: "We\x00met"}
    url = f"/app/trainer/sessions/{session.pk}/attendance/"
    assert_nul_refused(nul_post(cohort["trainer"], url, data, encoding))
    assert not Attendance.objects.exists()
    session.refresh_from_db()
    assert session.status == "scheduled" and session.notes == session.next_steps == ""
