"""Cohort sessions: a trainer schedules, edits, cancels and records them; teachers see them on
their pages with the notes afterwards; only the launch's own cohort, with clear 4xx answers."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cohortsessions.hooks import attended_column
from cohortsessions.models import Attendance, CohortSession
from courses.models import Participant
from tests.courses.conftest import trainer_on_another_platform

from .conftest import XSS, session_form


def schedule(trainer, **overrides) -> CohortSession:
    before = set(CohortSession.objects.values_list("pk", flat=True))
    response = trainer.post("/app/trainer/sessions/new/", session_form(**overrides))
    assert response.status_code == 303, response.content.decode()[:2000]
    return CohortSession.objects.exclude(pk__in=before).get()


def test_a_trainer_schedules_a_session_in_its_zone_and_teachers_see_it(cohort):
    session = schedule(cohort["trainer"], placement=str(cohort["pid"]))
    assert (
        session.cohort_id
        == Participant.objects.get(name="Maya Alvarez").memberships.get().cohort_id
    )
    # 16:00 in Chicago on March 5, 2030 (CST, UTC-6) is 22:00 UTC.
    assert session.starts_at == dt.datetime(2030, 3, 5, 22, 0, tzinfo=dt.UTC)
    assert session.ends_at - session.starts_at == dt.timedelta(minutes=90)
    assert session.time_zone == "America/Chicago"
    assert session.status == "scheduled" and session.placement_id == cohort["pid"]
    # No agenda typed: the module's facilitator guide gave one.
    assert session.agenda.splitlines() == ["Leading the demo session (75 minutes)", "0-10: Opening"]

    page = cohort["maya"].get("/app/sessions/").content.decode()
    assert "Planning clinic" in page
    assert "Tue Mar 5, 2030, 16:00–17:30 (America/Chicago, CST)" in page
    assert "Room 204, Lincoln Middle School" in page
    assert f"/app/sessions/{session.pk}.ics" in page
    for path in ("/app/modules/", f"/app/p/{cohort['pid']}/"):
        html = cohort["maya"].get(path).content.decode()
        assert 'data-testid="sessions-upcoming"' in html, path
        assert "Planning clinic" in html, path
    # Another course never sees it.
    assert "Planning clinic" not in cohort["other_teacher"].get("/app/sessions/").content.decode()
    assert "Planning clinic" not in cohort["other_teacher"].get("/app/modules/").content.decode()


def test_the_schedule_form_starts_from_the_platforms_zone_and_the_guides_agenda(cohort, platform):
    platform.time_zone = "America/Denver"
    platform.save()
    trainer = cohort["trainer"]
    # (the client drops a path's query string when given data: pass both as data)
    html = trainer.client.get(
        "/app/trainer/sessions/new/", {"lt": trainer.lt, "placement": cohort["pid"]}
    ).content.decode()
    assert '<option value="America/Denver" selected>' in html
    assert "Leading the demo session (75 minutes)\n0-10: Opening" in html
    assert "<script>alert(1)" not in html  # the guide's markup never reaches the page
    plain = trainer.get("/app/trainer/sessions/new/").content.decode()
    assert "Leading the demo session" not in plain


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"video_url": "http://meet.example.org/x"}, "Use an https:// link"),
        ({"video_url": "javascript:alert(1)"}, "Enter a valid URL"),
        ({"end": "15:00"}, "must end after it starts"),
        ({"end": "16:00"}, "must end after it starts"),
        ({"place": "", "video_url": ""}, "Give a place, a video link or both."),
        ({"date": "2030-02-30"}, "Enter a valid date"),
        ({"date": "1850-01-01"}, "Choose a date between 2000 and 2100"),
        ({"start": "25:00"}, "Enter a valid time"),
        ({"time_zone": "Mars/Olympus"}, "Select a valid choice"),
        ({"placement": "999999"}, "Select a valid choice"),
        # Clocks in Chicago jump from 02:00 to 03:00 on March 10, 2030.
        ({"date": "2030-03-10", "start": "02:30", "end": "04:00"}, "does not exist on that day"),
        ({"title": "x" * 201}, "at most 200 characters"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(cohort, overrides, message):
    response = cohort["trainer"].post("/app/trainer/sessions/new/", session_form(**overrides))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="session-form-errors"' in html
    assert message in html.replace("&#x27;", "'")
    assert not CohortSession.objects.exists()


def test_a_placement_of_another_cohort_is_not_a_choice(cohort, placement_of):
    other = placement_of("b-link").pk
    response = cohort["trainer"].post(
        "/app/trainer/sessions/new/", session_form(placement=str(other))
    )
    assert response.status_code == 400 and not CohortSession.objects.exists()


def test_editing_raises_the_calendar_sequence_and_cancelling_tells_teachers(cohort):
    trainer = cohort["trainer"]
    session = schedule(trainer)
    form = trainer.get(f"/app/trainer/sessions/{session.pk}/edit/").content.decode()
    assert 'value="2030-03-05"' in form and 'value="16:00"' in form
    response = trainer.post(
        f"/app/trainer/sessions/{session.pk}/edit/", session_form(start="15:00")
    )
    assert response.status_code == 303
    session.refresh_from_db()
    assert session.sequence == 1
    assert session.starts_at == dt.datetime(2030, 3, 5, 21, 0, tzinfo=dt.UTC)
    # Saving without a change keeps the sequence.
    trainer.post(f"/app/trainer/sessions/{session.pk}/edit/", session_form(start="15:00"))
    session.refresh_from_db()
    assert session.sequence == 1

    response = trainer.post(
        f"/app/trainer/sessions/{session.pk}/cancel/", {"reason": "Snow day <b>closed</b>"}
    )
    assert response.status_code == 303
    session.refresh_from_db()
    assert session.status == "cancelled" and session.sequence == 2
    page = cohort["maya"].get("/app/sessions/").content.decode()
    assert 'data-testid="session-cancelled"' in page
    assert "Snow day &lt;b&gt;closed&lt;/b&gt;" in page
    assert "Planning clinic" not in cohort["maya"].get("/app/modules/").content.decode()
    # A cancelled session can be neither cancelled again nor edited.
    assert trainer.post(f"/app/trainer/sessions/{session.pk}/cancel/").status_code == 409
    assert trainer.get(f"/app/trainer/sessions/{session.pk}/edit/").status_code == 409
    too_long = trainer.post(
        f"/app/trainer/sessions/{schedule(trainer).pk}/cancel/", {"reason": "x" * 501}
    )
    assert too_long.status_code == 400


def test_attendance_and_notes_are_recorded_and_shown_to_teachers(cohort):
    trainer = cohort["trainer"]
    session = schedule(trainer, date="2025-01-14")
    maya = Participant.objects.get(name="Maya Alvarez")
    sam = Participant.objects.get(name="Sam Lee")
    form = trainer.get(f"/app/trainer/sessions/{session.pk}/attendance/").content.decode()
    assert form.count('data-testid="attendance-row"') == 2  # the two teachers, not the trainer
    response = trainer.post(
        f"/app/trainer/sessions/{session.pk}/attendance/",
        {
            f"a-{maya.pk}": "present",
            f"a-{sam.pk}": "excused",
            "notes": f"We calibrated example 2. {XSS}",
            "next_steps": "Score three artifacts by Friday.",
        },
    )
    assert response.status_code == 303
    session.refresh_from_db()
    assert session.status == "held"
    assert dict(Attendance.objects.values_list("participant__name", "status")) == {
        "Maya Alvarez": "present",
        "Sam Lee": "excused",
    }
    page = cohort["maya"].get("/app/sessions/").content.decode()
    assert "Score three artifacts by Friday." in page
    assert "We calibrated example 2. &lt;script&gt;" in page and XSS not in page
    assert "You were recorded present" in page
    dashboard = trainer.get("/app/trainer/").content.decode()
    assert '<th scope="col">Sessions attended</th>' in dashboard
    assert '<td data-testid="sessions-attended">1 of 1</td>' in dashboard
    assert '<td data-testid="sessions-attended">0 of 1</td>' in dashboard

    # Changing a mark updates the row rather than adding one.
    trainer.post(
        f"/app/trainer/sessions/{session.pk}/attendance/",
        {f"a-{sam.pk}": "present", "notes": "", "next_steps": ""},
    )
    assert Attendance.objects.get(participant=sam).status == "present"
    assert Attendance.objects.count() == 2


def test_bad_attendance_is_refused_and_nothing_is_recorded(cohort):
    trainer = cohort["trainer"]
    past = schedule(trainer, date="2025-01-14")
    future = schedule(trainer)
    maya = Participant.objects.get(name="Maya Alvarez")
    bob = Participant.objects.get(name="Bob Other")
    url = f"/app/trainer/sessions/{past.pk}/attendance/"
    cases = [
        (url, {f"a-{maya.pk}": "sleeping"}, "Choose present, absent or excused"),
        (url, {f"a-{bob.pk}": "present"}, "only be recorded for this course's teachers"),
        (url, {"notes": "x" * 10001}, "too long"),
        (
            f"/app/trainer/sessions/{future.pk}/attendance/",
            {f"a-{maya.pk}": "present"},
            "once the session has started",
        ),
    ]
    for target, data, message in cases:
        response = trainer.post(target, data)
        assert response.status_code == 400, data
        assert message in response.content.decode().replace("&#x27;", "'"), data
    assert not Attendance.objects.exists()
    past.refresh_from_db()
    assert past.status == "scheduled"


def test_trainer_pages_are_for_this_cohorts_trainers_only(
    cohort, client, jwks_server, platform_private_key
):
    session = schedule(cohort["trainer"], date="2025-01-14")
    trainer_urls = [
        "/app/trainer/sessions/",
        "/app/trainer/sessions/new/",
        f"/app/trainer/sessions/{session.pk}/edit/",
        f"/app/trainer/sessions/{session.pk}/attendance/",
    ]
    for url in trainer_urls:
        assert cohort["maya"].get(url).status_code == 403, url
    for url in trainer_urls[1:]:
        assert cohort["maya"].post(url, session_form()).status_code == 403, url
    assert cohort["maya"].post(f"/app/trainer/sessions/{session.pk}/cancel/").status_code == 403
    elsewhere = trainer_on_another_platform(client, jwks_server, platform_private_key)
    for intruder in (cohort["other_trainer"], elsewhere):
        for url in trainer_urls[2:] + [f"/app/sessions/{session.pk}.ics"]:
            assert intruder.get(url).status_code == 404, url
        assert intruder.post(f"/app/trainer/sessions/{session.pk}/cancel/").status_code == 404
        assert "Planning clinic" not in intruder.get("/app/trainer/sessions/").content.decode()
        assert b"Planning clinic" not in intruder.get("/app/sessions/cohort.ics").content
    session.refresh_from_db()
    assert session.status == "scheduled" and not Attendance.objects.exists()
    # Without a launch, nothing.
    assert client.get("/app/sessions/").status_code == 401


def test_names_and_texts_are_escaped(cohort):
    session = schedule(cohort["trainer"], title=XSS, place=XSS, agenda=XSS)
    pages = [
        cohort["maya"].get("/app/sessions/"),
        cohort["maya"].get("/app/modules/"),
        cohort["trainer"].get("/app/trainer/sessions/"),
        cohort["trainer"].get(f"/app/trainer/sessions/{session.pk}/edit/"),
        cohort["trainer"].get("/app/trainer/"),
    ]
    for page in pages:
        html = page.content.decode()
        assert XSS not in html
        assert "&lt;script&gt;" in html


def test_the_dashboard_column_costs_the_same_queries_for_any_cohort_size(cohort):
    session = schedule(cohort["trainer"], date="2025-01-14")
    ids = list(Participant.objects.values_list("pk", flat=True))
    Attendance.objects.create(session=session, participant_id=ids[0], status="present")
    session.status = "held"
    session.save()
    with CaptureQueriesContext(connection) as few:
        small = attended_column(cohort_id=session.cohort_id, participant_ids=ids[:1])
    with CaptureQueriesContext(connection) as many:
        large = attended_column(cohort_id=session.cohort_id, participant_ids=ids)
    assert len(few) == len(many) == 1
    assert small.cells == {ids[0]: "1 of 1"}
    assert large.cells[ids[1]] == "0 of 1"
    # A second held session nobody attended still counts as held; absences are not present.
    other = schedule(cohort["trainer"], date="2025-01-21")
    Attendance.objects.create(session=other, participant_id=ids[1], status="absent")
    other.status = "held"
    other.save()
    cells = attended_column(cohort_id=session.cohort_id, participant_ids=ids).cells
    assert (cells[ids[0]], cells[ids[1]]) == ("1 of 2", "0 of 2")
    assert attended_column(cohort_id=session.cohort_id, participant_ids=[]).cells == {}


def test_local_times_follow_daylight_saving(cohort):
    summer = schedule(cohort["trainer"], date="2030-07-02")
    assert summer.starts_at.astimezone(ZoneInfo("America/Chicago")).hour == 16
    assert summer.starts_at.hour == 21  # CDT is UTC-5


def test_the_module_page_asks_for_sessions_only_when_some_are_coming(cohort):
    path = f"/app/p/{cohort['pid']}/"
    maya = cohort["maya"]
    maya.get(path)  # warm the per-worker caches
    with CaptureQueriesContext(connection) as without:
        html = maya.get(path).content.decode()
    assert 'data-testid="sessions-upcoming"' not in html
    schedule(cohort["trainer"], placement=str(cohort["pid"]))
    with CaptureQueriesContext(connection) as with_one:
        html = maya.get(path).content.decode()
    assert 'data-testid="sessions-upcoming"' in html and "Planning clinic" in html
    assert len(with_one) == len(without) + 1
