"""A NUL character in observation notes or a reflection (PostgreSQL cannot store one) is
refused with a 400 and nothing is saved; the autosave, which asks for JSON, gets the refusal
as JSON so that it says why instead of retrying."""

from __future__ import annotations

import pytest

from coaching.models import CoachingCycle, Observation, Step
from tests.nul_input import ENCODINGS, assert_nul_refused, nul_post

from .conftest import FULL, open_cycle


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("field", ["notes", "strength", "next_step"])
def test_an_observation_with_a_nul_is_refused_and_not_saved(people, encoding, field):
    cid = open_cycle(people)
    coach = people["coach"]
    url = f"/app/trainer/coaching/{cid}/observe/"
    data = {**FULL, field: "Two\x00students", "action": "share"}
    assert_nul_refused(nul_post(coach, url, data, encoding))
    assert not Observation.objects.filter(cycle_id=cid, draft_saved_at__isnull=False).exists()
    assert CoachingCycle.objects.get(pk=cid).step == Step.GOAL_SET


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_the_autosave_gets_a_json_refusal(people, encoding):
    cid = open_cycle(people)
    url = f"/app/trainer/coaching/{cid}/observe/draft/"
    data = {**FULL, "notes": "09:05\x00goal"}
    response = nul_post(people["coach"], url, data, encoding, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert response.json() == {"error": "The request contains characters that are not allowed"}
    assert not Observation.objects.filter(cycle_id=cid, draft_saved_at__isnull=False).exists()


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_reflection_with_a_nul_is_refused_and_not_saved(people, encoding):
    cid = open_cycle(people)
    coach, teacher = people["coach"], people["teacher"]
    coach.get(f"/app/trainer/coaching/{cid}/observe/")
    shared = coach.post(f"/app/trainer/coaching/{cid}/observe/", {**FULL, "action": "share"})
    assert shared.status_code == 303
    url = f"/app/coaching/{cid}/reflect/"
    assert_nul_refused(nul_post(teacher, url, {"reflection": "I will\x00pause."}, encoding))
    assert CoachingCycle.objects.get(pk=cid).step == Step.FEEDBACK_SHARED
