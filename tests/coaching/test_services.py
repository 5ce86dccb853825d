"""The cycle's rules at the service level: what a closed cycle or shared feedback still takes,
when a teacher may reflect, and the typed arguments the pages' forms pass."""

from __future__ import annotations

from unittest import mock

import pytest
from django.http import QueryDict

from coaching import services
from coaching.forms import CycleCloseForm, CycleOpenForm, ObservationForm
from coaching.models import CoachingCycle, Observation, Step
from coaching.services import CoachingRefused
from courses.models import Participant

from .conftest import FULL, open_cycle


def _people():
    return (
        Participant.objects.get(lti_user__sub="priya"),
        Participant.objects.get(lti_user__sub="maya"),
    )


def _shared(people) -> CoachingCycle:
    cid = open_cycle(people)
    shared = people["coach"].post(
        f"/app/trainer/coaching/{cid}/observe/", {**FULL, "action": "share"}
    )
    assert shared.status_code == 303
    return CoachingCycle.objects.select_related("teacher").get(pk=cid)


def test_a_closed_cycle_or_shared_feedback_takes_no_more_observation(people):
    coach, _teacher = _people()
    cycle = CoachingCycle.objects.get(pk=open_cycle(people))
    draft = services.observation_start(cycle, save=False)
    assert services.observation_editable(cycle, draft)
    services.observation_edit_check(cycle, draft)  # no refusal
    draft.shared_at = draft.draft_saved_at = cycle.created_at
    assert not services.observation_editable(cycle, draft)
    with pytest.raises(CoachingRefused, match="shared already") as shared:
        services.observation_edit_check(cycle, draft)
    assert shared.value.status == 409
    services.cycle_close(cycle=cycle, by=coach, goal_met="no")
    assert not services.observation_editable(cycle)
    with pytest.raises(CoachingRefused, match="This cycle is closed.") as closed:
        services.observation_edit_check(cycle)
    assert closed.value.status == 409


def test_a_teacher_reflects_only_on_shared_feedback(people):
    _coach, teacher = _people()
    cycle = CoachingCycle.objects.select_related("teacher").get(pk=open_cycle(people))
    with pytest.raises(CoachingRefused, match="There is no feedback yet.") as refused:
        services.reflection_save(
            cycle=cycle,
            teacher=teacher,
            reflection="Too early",
            response="",
            evidence_consent=False,
            origin="https://tool.example.org",
        )
    assert refused.value.status == 409
    assert not Observation.objects.filter(reflection="Too early").exists()


def test_the_first_reflection_and_a_new_consent_recheck_credentials_once_each(people):
    _coach, teacher = _people()
    cycle = _shared(people)
    with mock.patch.object(services, "credentials_recheck") as recheck:

        def reflect(consent: bool):
            services.reflection_save(
                cycle=cycle,
                teacher=teacher,
                reflection="I will pause for partner talk.",
                response="",
                evidence_consent=consent,
                origin="https://tool.example.org",
            )

        reflect(False)  # the first reflection
        reflect(False)  # nothing new
        reflect(True)  # consent given now
        reflect(True)  # nothing new
    assert recheck.call_count == 2
    assert CoachingCycle.objects.get(pk=cycle.pk).step == Step.REFLECTED


def test_closing_with_next_opens_the_next_cycle_with_the_same_teacher_and_module(people):
    coach, teacher = _people()
    cycle = CoachingCycle.objects.get(pk=open_cycle(people))
    with pytest.raises(CoachingRefused, match="Say whether the goal was met"):
        services.cycle_close(cycle=cycle, by=coach, goal_met="maybe")
    following = services.cycle_close(
        cycle=cycle, by=coach, goal_met="yes", next_cycle=True, goal="Next", planned_on=""
    )
    assert (following.teacher_id, following.placement_id) == (teacher.pk, cycle.placement_id)
    assert (following.previous_id, following.goal, following.planned_on) == (cycle.pk, "Next", None)
    with pytest.raises(CoachingRefused, match="already closed") as again:
        services.cycle_close(cycle=cycle, by=coach, goal_met="yes")
    assert again.value.status == 409


def test_the_forms_pass_the_services_typed_values():
    opened = CycleOpenForm(QueryDict("teacher=12&placement=x&goal=G&planned_on=2026-11-20"))
    assert opened.values() == {
        "teacher_id": 12,
        "placement_id": None,
        "goal": "G",
        "planned_on": "2026-11-20",
    }
    closing = CycleCloseForm(QueryDict("goal_met=yes&next=1")).values()
    assert closing["next_cycle"] is True and closing["goal_met"] == "yes"
    assert CycleCloseForm(QueryDict("next=yes")).values()["next_cycle"] is False
    tool = {"look_fors": [{"slug": "clear-goal"}]}
    posted = ObservationForm(QueryDict("r-clear-goal=3&r-other=1&action=share"), tool=tool)
    assert posted.share and posted.answers()["r-clear-goal"] == "3"
    assert "r-other" not in posted.answers() and "action" not in posted.answers()
