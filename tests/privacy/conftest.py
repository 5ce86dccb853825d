"""A cohort with two teachers and a trainer: attempts, a saved answer, reviewed evidence and a
score override, so that export, erasure and retention have something to find."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from courses.models import Participant, Placement
from credentials.models import IssuedCredential
from exchange.models import Post, Response
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
    _share_practice(maya_t, sam_t, pid)
    assert Attempt.objects.filter(participant=maya, status="submitted").count() == 1
    return World(maya=maya, sam=sam, priya=priya, placement=placement, evidence=evidence)


SHARE = {
    "kind": "lesson_plan",
    "tried": "Stations in Mr Jensen's old room.",
    "happened": "h",
    "change": "c",
    "privacy_confirmed": "yes",
}


def _share_practice(maya_t, sam_t, pid) -> None:
    """Maya and Sam each share a post; each responds to the other's and reports it; Maya
    replies to Sam's response."""
    maya_post = maya_t.post(
        f"/app/p/{pid}/exchange/",
        {**SHARE, "title": "Maya's stations", "file": SimpleUploadedFile("m.pdf", PDF)},
    )
    sam_post = sam_t.post(f"/app/p/{pid}/exchange/", {**SHARE, "title": "Sam's plan", "tried": "t"})
    assert maya_post.status_code == sam_post.status_code == 303
    maya_id, sam_id = (
        Post.objects.get(title="Maya's stations").pk,
        Post.objects.get(title="Sam's plan").pk,
    )
    protocol = {"glow": "g", "grow": "add exit tickets", "question": "q"}
    assert maya_t.post(f"/app/p/{pid}/exchange/{sam_id}/respond/", protocol).status_code == 303
    assert (
        sam_t.post(
            f"/app/p/{pid}/exchange/{maya_id}/respond/", {**protocol, "grow": "g"}
        ).status_code
        == 303
    )
    for who, post_id in ((maya_t, sam_id), (sam_t, maya_id)):
        response = who.post(f"/app/p/{pid}/exchange/{post_id}/report/", {"reason": "exit tickets"})
        assert response.status_code == 303
    reply = Response.objects.get(post_id=maya_id)
    answer = maya_t.post(
        f"/app/p/{pid}/exchange/{maya_id}/responses/{reply.pk}/reply/",
        {"reply": "Mr Jensen agreed."},
    )
    assert answer.status_code == 303


@pytest.fixture
def credential(world):
    return IssuedCredential.objects.get(participant=world.maya)
