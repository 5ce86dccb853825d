"""`sessions_required: N` in program.yaml: read with file:line problems, met when the teacher
attended N held sessions of the cohort, and named in the credential's evidence."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from cohortsessions.models import CohortSession
from credentials.models import Achievement, IssuedCredential
from tests.courses.packs import assert_problem_at_last_line, write_pack_with
from tests.credentials.test_credentials import master_and_accept, schema_errors

from .conftest import session_form


@pytest.fixture
def demo_pack(tmp_path, db):
    program = write_pack_with(tmp_path / "packs", "    sessions_required: 2\n")
    call_command("import_content", str(program), stdout=StringIO())
    return program


def _held_session(trainer, teacher_id: int, day: str, title: str, status="present") -> None:
    response = trainer.post("/app/trainer/sessions/new/", session_form(date=day, title=title))
    assert response.status_code == 303
    session = CohortSession.objects.get(title=title)
    response = trainer.post(
        f"/app/trainer/sessions/{session.pk}/attendance/",
        {f"a-{teacher_id}": status, "notes": "", "next_steps": ""},
    )
    assert response.status_code == 303


def test_attendance_recorded_by_the_trainer_earns_the_credential(
    demo_pack, launch_as, placement_of, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    assert Achievement.objects.get().requirements == {"sessions_required": 2}
    teacher, trainer, attempt, results = master_and_accept(launch_as, placement_of)
    assert IssuedCredential.objects.count() == 0  # mastery and evidence alone are not enough
    page = teacher.get(results).content.decode()
    assert "Attend 2 cohort sessions (0 of 2 attended)" in page

    maya = attempt.participant
    _held_session(trainer, maya.pk, "2025-01-14", "Session one")
    assert IssuedCredential.objects.count() == 0
    assert "Attend 2 cohort sessions (1 of 2 attended)" in teacher.get(results).content.decode()

    _held_session(trainer, maya.pk, "2025-02-11", "Session two")
    issued = IssuedCredential.objects.get()
    assert issued.participant_id == maya.pk
    evidence = issued.credential["evidence"]
    sessions = [e for e in evidence if e.get("genre") == "Cohort session"]
    assert [e["name"] for e in sessions] == ["Session one", "Session two"]
    assert "Tue Jan 14, 2025, 16:00–17:30 (America/Chicago, CST)" in sessions[0]["description"]
    assert schema_errors(issued.credential) == []


def test_absent_or_excused_does_not_count(demo_pack, launch_as, placement_of, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    teacher, trainer, attempt, results = master_and_accept(launch_as, placement_of)
    maya = attempt.participant
    _held_session(trainer, maya.pk, "2025-01-14", "One", "absent")
    _held_session(trainer, maya.pk, "2025-02-11", "Two", "excused")
    _held_session(trainer, maya.pk, "2025-03-11", "Three", "present")
    assert IssuedCredential.objects.count() == 0
    assert "Attend 2 cohort sessions (1 of 2 attended)" in teacher.get(results).content.decode()


@pytest.mark.parametrize("value", ["none", "0", "101", "true", "1.5"])
def test_a_bad_value_is_a_problem_with_its_line(tmp_path, value):
    assert_problem_at_last_line(
        write_pack_with(tmp_path, f"    sessions_required: {value}\n"),
        "sessions_required must be a whole number from 1 to 100",
    )
