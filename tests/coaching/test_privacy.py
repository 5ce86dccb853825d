"""Coaching data in a participant's export, and what erasure takes away from it."""

from __future__ import annotations

from coaching.models import CoachingCycle, CycleEvent, Observation
from courses.models import Participant
from privacy.holdings import participant_holdings
from privacy.services import participant_erase

from .conftest import FULL, open_cycle


def run_cycle(people) -> int:
    cid = open_cycle(people)
    people["teacher"].post(f"/app/coaching/{cid}/", {"goal_proposal": "Partner talk first"})
    people["coach"].get(f"/app/trainer/coaching/{cid}/observe/")
    people["coach"].post(f"/app/trainer/coaching/{cid}/observe/", {**FULL, "action": "share"})
    people["teacher"].post(
        f"/app/coaching/{cid}/reflect/",
        {"reflection": "Room 14 was noisy", "response": "Thanks", "evidence_consent": "1"},
    )
    return cid


def test_the_export_holds_the_teachers_cycles_and_the_coachs(people):
    cid = run_cycle(people)
    maya = Participant.objects.get(pk=people["teacher_id"])
    [section] = [s for s in participant_holdings(participant=maya) if s.key == "coaching"]
    [row] = section.rows
    assert row["cycle"] == cid and row["role"] == "teacher"
    assert row["goal_proposal"] == "Partner talk first"
    assert row["observation"]["notes"] == FULL["notes"]
    assert row["observation"]["reflection"] == "Room 14 was noisy"
    assert [s["step"] for s in row["steps"]] == [
        "goal_set",
        "observed",
        "feedback_shared",
        "reflected",
    ]
    priya = Participant.objects.get(lti_user__sub="priya")
    [coach_section] = [s for s in participant_holdings(participant=priya) if s.key == "coaching"]
    assert [r["role"] for r in coach_section.rows] == ["coach"]


def test_erasure_removes_the_free_text_and_keeps_steps_and_ratings(people):
    cid = run_cycle(people)
    maya = Participant.objects.get(pk=people["teacher_id"])
    report = participant_erase(participant=maya)
    assert report.counts["coaching goals, observation notes, feedback and reflections"] == 2
    cycle = CoachingCycle.objects.get(pk=cid)
    observation = Observation.objects.get(cycle_id=cid)
    assert (cycle.goal, cycle.goal_proposal) == ("", "")
    assert (observation.notes, observation.strength, observation.next_step) == ("", "", "")
    assert (observation.reflection, observation.response) == ("", "")
    assert observation.evidence_consent is False
    assert observation.ratings == {"clear-goal": 3, "students-explain": 2}
    assert CycleEvent.objects.filter(cycle_id=cid).count() == 4
