"""Attendance is personal data: in the participant's export, gone after erasure (with their name
in session notes), while the session itself stays for the cohort."""

from __future__ import annotations

import io
import json
import zipfile

from cohortsessions.models import Attendance, CohortSession
from courses.models import Participant
from privacy.holdings import participant_holdings
from privacy.services import participant_erase, participant_export

from .test_sessions import schedule


def _record(cohort) -> CohortSession:
    session = schedule(cohort["trainer"], date="2025-01-14")
    maya = Participant.objects.get(name="Maya Alvarez")
    sam = Participant.objects.get(name="Sam Lee")
    response = cohort["trainer"].post(
        f"/app/trainer/sessions/{session.pk}/attendance/",
        {
            f"a-{maya.pk}": "present",
            f"a-{sam.pk}": "absent",
            "notes": "Maya Alvarez showed her exit tickets.",
            "next_steps": "Follow up with Maya Alvarez.",
        },
    )
    assert response.status_code == 303
    return session


def test_attendance_is_in_the_export(cohort):
    session = _record(cohort)
    maya = Participant.objects.get(name="Maya Alvarez")
    sections = {s.key: s.rows for s in participant_holdings(participant=maya)}
    assert sections["session_attendance"] == [
        {
            "session": session.pk,
            "title": "Planning clinic",
            "cohort": session.cohort_id,
            "starts_at": session.starts_at.isoformat(),
            "time_zone": "America/Chicago",
            "status": "present",
            "recorded_at": Attendance.objects.get(participant=maya).recorded_at.isoformat(),
            "recorded_by": Participant.objects.get(name="Priya Raman").pk,
        }
    ]
    archive = zipfile.ZipFile(io.BytesIO(participant_export(participant=maya)))
    text = "".join(archive.read(n).decode() for n in archive.namelist() if n.endswith(".json"))
    assert "session_attendance" in text and "Planning clinic" in text
    priya = Participant.objects.get(name="Priya Raman")
    led = {s.key: s.rows for s in participant_holdings(participant=priya)}["sessions_scheduled"]
    assert [row["session"] for row in led] == [session.pk]
    json.dumps(led)


def test_erasure_removes_attendance_and_names_in_notes(cohort):
    session = _record(cohort)
    maya = Participant.objects.get(name="Maya Alvarez")
    report = participant_erase(participant=maya, dry_run=True)
    assert report.counts["session attendance records"] == 1
    assert report.counts["session notes naming them"] == 1
    assert Attendance.objects.filter(participant=maya).exists()  # a dry run changes nothing

    participant_erase(participant=maya)
    assert not Attendance.objects.filter(participant=maya).exists()
    assert Attendance.objects.filter(participant__name="Sam Lee").exists()
    session.refresh_from_db()
    assert "Alvarez" not in session.notes + session.next_steps
    assert session.notes == "a participant showed her exit tickets."

    priya = Participant.objects.get(name="Priya Raman")
    participant_erase(participant=priya)
    session.refresh_from_db()
    assert session.created_by_id is None
    assert Attendance.objects.get().recorded_by_id is None
