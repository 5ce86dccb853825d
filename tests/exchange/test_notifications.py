"""Emails about shared practice, received by a real SMTP server on loopback: the author of a
response, the responder of a reply, the trainers of a report (in their digest); each once, and
none about a withdrawn post."""

from __future__ import annotations

from notifications.models import Notification
from notifications.services import notifications_send

from .test_views import respond, share


def test_response_and_reply_are_emailed_once(cohort, smtp_server):
    ann, ben, pid = cohort["ann"], cohort["ben"], cohort["pid"]
    post = share(ann, pid, title="Exit tickets <b>sorted</b>")
    assert respond(ben, pid, post).status_code == 303
    assert notifications_send() == 1
    [message] = smtp_server.messages
    assert message["To"] == "ann@district.example"
    assert "A colleague responded" in message["Subject"]
    assert "Ben Buddy" not in message.get_content()
    text = message.get_content()
    assert "Exit tickets <b>sorted</b>" in text and "Shared practice" in text
    assert message["List-Unsubscribe"]
    response = post.responses.get()
    reply = f"/app/p/{pid}/exchange/{post.pk}/responses/{response.pk}/reply/"
    assert ann.post(reply, {"reply": "Ten minutes."}).status_code == 303
    assert notifications_send() == 1
    assert smtp_server.messages[-1]["To"] == "ben@district.example"
    assert "replied" in smtp_server.messages[-1]["Subject"]
    assert notifications_send() == 0


def test_a_report_goes_to_the_trainers_digest(cohort, smtp_server):
    ann, ben, pid = cohort["ann"], cohort["ben"], cohort["pid"]
    post = share(ann, pid)
    ben.post(f"/app/p/{pid}/exchange/{post.pk}/report/", {"reason": "A student's name"})
    queued = Notification.objects.get(kind="exchange.report")
    assert queued.participant.email == "tess@district.example" and queued.digest
    # Cohort 2's trainer hears nothing of cohort 1.
    assert not Notification.objects.filter(participant__name="Theo Later").exists()


def test_withdrawing_forgets_unsent_emails_about_the_post(cohort, smtp_server):
    ann, ben, pid = cohort["ann"], cohort["ben"], cohort["pid"]
    post = share(ann, pid)
    respond(ben, pid, post)
    ben.post(f"/app/p/{pid}/exchange/{post.pk}/report/", {"reason": "x"})
    assert Notification.objects.count() == 2
    ann.post(f"/app/p/{pid}/exchange/{post.pk}/withdraw/")
    assert not Notification.objects.exists()
    assert notifications_send() == 0 and smtp_server.messages == []
