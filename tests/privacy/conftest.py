"""A cohort with two teachers and a trainer: attempts, a saved answer, reviewed evidence and a
score override, so that export, erasure and retention have something to find."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from courses.models import Participant, Placement
from credentials.models import IssuedCredential
from mastery.models import Attempt, EvidenceSubmission, SavedAnswer
from mastery.trainer import score_override
from tests.courses.conftest import demo_pack, launch_as, placement_of  # noqa: F401
from tests.mastery.test_attempts import right_answers, start
from tests.mastery.test_evidence import INSTRUCTOR, PDF, send

MAYA_EMAIL = "maya.alvarez@district.example"
MAYA_REFLECTION = "Stations worked for my third period, Mr Jensen's old room."


@dataclass
class World:
    maya: Participant
    sam: Participant
    priya: Participant
    placement: Placement
    evidence: EvidenceSubmission


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(launch_as, placement_of) -> World:  # noqa: F811 - the fixtures imported above
    maya_t = launch_as(sub="maya-lms-7731", name="Maya Alvarez")
    sam_t = launch_as(sub="sam-lms-2", name="Sam Okafor")
    priya_t = launch_as(sub="priya-lms-9", name="Priya Raman", roles=[INSTRUCTOR])
    maya = Participant.objects.get(name="Maya Alvarez")
    Participant.objects.filter(pk=maya.pk).update(email=MAYA_EMAIL)
    maya.refresh_from_db()
    sam = Participant.objects.get(name="Sam Okafor")
    priya = Participant.objects.get(name="Priya Raman")
    placement = placement_of()
    pid = placement.pk
    for teacher, name, wrong in ((maya_t, maya.name, 0), (sam_t, sam.name, 2)):
        teacher.name = name
        attempt = start(teacher, pid)
        teacher.post(
            f"/app/p/{pid}/mastery/{attempt.number}/",
            right_answers(attempt, wrong=set(attempt.question_ids[:wrong])),
        )
    # Maya starts another attempt and saves one answer in it.
    maya_t.name = maya.name
    second = start(maya_t, pid)
    SavedAnswer.objects.create(
        attempt=second, question_id=second.question_ids[0], fields={"x": ["1"]}
    )
    assert send(maya_t, pid, reflection=MAYA_REFLECTION).status_code == 303
    evidence = EvidenceSubmission.objects.get(participant=maya)
    response = priya_t.post(
        f"/app/trainer/evidence/{evidence.pk}/",
        {"level-0": "1", "feedback": "Maya, add the exit tickets.", "decision": "accept"},
    )
    assert response.status_code == 303, response.content
    score_override(
        participant=maya,
        placement=placement,
        score=Decimal("80"),
        reason="Maya's retake was on paper.",
        overridden_by=priya,
    )
    evidence.refresh_from_db()
    assert evidence.file.read() == PDF
    assert Attempt.objects.filter(participant=maya, status="submitted").count() == 1
    return World(maya=maya, sam=sam, priya=priya, placement=placement, evidence=evidence)


@pytest.fixture
def credential(world):
    return IssuedCredential.objects.get(participant=world.maya)
