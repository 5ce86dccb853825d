"""Sharing feedback emails the teacher once (kind "coaching.feedback"), naming no rating or
note; a teacher who turned the kind off gets nothing."""

from __future__ import annotations

from courses.models import Participant
from notifications.models import OptOut
from notifications.services import notifications_send

from .conftest import FULL, open_cycle


def share(people) -> None:
    cid = open_cycle(people)
    people["coach"].get(f"/app/trainer/coaching/{cid}/observe/")
    people["coach"].post(f"/app/trainer/coaching/{cid}/observe/", {**FULL, "action": "share"})
    # A second share is refused (409) and queues nothing more.
    people["coach"].post(f"/app/trainer/coaching/{cid}/observe/", {**FULL, "action": "share"})


def test_the_teacher_is_emailed_once_when_feedback_is_shared(people, smtp_server):
    Participant.objects.filter(pk=people["teacher_id"]).update(email="maya@district.example")
    share(people)
    assert notifications_send() == 1
    [message] = smtp_server.messages
    assert message["To"] == "maya@district.example"
    assert "shared feedback" in message["Subject"]
    body = message.get_body(("plain",)).get_content()
    assert "Priya Raman" in body and "My modules, then Coaching" in body
    assert FULL["notes"] not in body and FULL["strength"] not in body
    assert message["List-Unsubscribe"]
    assert notifications_send() == 0


def test_no_email_when_the_teacher_turned_it_off(people, smtp_server):
    Participant.objects.filter(pk=people["teacher_id"]).update(email="maya@district.example")
    OptOut.objects.create(participant_id=people["teacher_id"], kind="coaching.feedback")
    share(people)
    assert notifications_send() == 0 and smtp_server.messages == []
