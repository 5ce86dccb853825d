"""Observation scores in the LMS gradebook (issue 16 item 7): off by default, switched per link
by a trainer of the cohort; when on, a shared observation queues one score of its own kind
(its own column), with a comment that names no note."""

from __future__ import annotations

from decimal import Decimal

from coaching.models import PlacementCoaching
from lti_tool.passback import LABELS
from mastery.models import GradeRecord

from .conftest import FULL, open_cycle


def share(people) -> int:
    cid = open_cycle(people)
    people["coach"].get(f"/app/trainer/coaching/{cid}/observe/")
    people["coach"].post(f"/app/trainer/coaching/{cid}/observe/", {**FULL, "action": "share"})
    return cid


def test_off_by_default_nothing_reaches_the_gradebook(people):
    share(people)
    assert not GradeRecord.objects.filter(kind="observation").exists()
    page = people["coach"].get("/app/trainer/coaching/").content.decode()
    assert 'data-testid="gradebook-state">off<' in page
    # The switch is in the page once, and not in its <title>.
    assert page.count('data-testid="coaching-gradebook"') == 1
    assert "<title>Coaching cycles · Ignite</title>" in page


def test_switched_on_a_shared_observation_is_scored_in_its_own_column(people):
    coach = people["coach"]
    on = coach.post(
        "/app/trainer/coaching/gradebook/", {"placement": str(people["pid"]), "on": "1"}
    )
    assert on.status_code == 303
    assert PlacementCoaching.objects.get(placement_id=people["pid"]).grades_to_lms
    share(people)
    record = GradeRecord.objects.get(kind=GradeRecord.Kind.OBSERVATION)
    # clear-goal 3 and students-explain 2 of 4 (quick-check not seen): 5 of 8 points.
    assert record.score_given == Decimal("62.50") and record.score_maximum == 100
    assert record.participant_id == people["teacher_id"]
    assert "2026-11-20" in record.comment and FULL["notes"] not in record.comment
    assert LABELS[GradeRecord.Kind.OBSERVATION] == "Observation of practice"
    off = coach.post(
        "/app/trainer/coaching/gradebook/", {"placement": str(people["pid"]), "on": "0"}
    )
    assert off.status_code == 303
    assert not PlacementCoaching.objects.get(placement_id=people["pid"]).grades_to_lms


def test_only_the_cohorts_trainers_switch_it_and_only_for_their_placements(people, placement_of):
    for who in ("teacher", "classmate"):
        response = people[who].post(
            "/app/trainer/coaching/gradebook/", {"placement": str(people["pid"]), "on": "1"}
        )
        assert response.status_code == 403
    response = people["other_trainer"].post(
        "/app/trainer/coaching/gradebook/", {"placement": str(people["pid"]), "on": "1"}
    )
    assert response.status_code == 400
    assert not PlacementCoaching.objects.exists()
