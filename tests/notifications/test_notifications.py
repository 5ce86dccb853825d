"""Notifications: queued once in the event's transaction, sent once by the worker through a real
SMTP server, each with an unsubscribe link that works without logging in; a digest for trainers
rather than a stream; nothing to people who turned a kind off or whose LMS gave no address."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from courses.models import Participant
from notifications import services
from notifications.models import Notification, OptOut
from notifications.services import Kind, notifications_send, notify
from privacy.holdings import participant_holdings
from privacy.services import participant_erase

INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


@pytest.fixture(autouse=True)
def test_kinds():
    saved_kinds, saved_producers = dict(services._kinds), dict(services._producers)
    # Only the test's kinds and no producers: the apps' own (cohort sessions, ...) would show
    # on the settings page and queue emails of their own.
    services._kinds.clear()
    services._producers.clear()
    services.kind_register(Kind("test.response", "Responses to your shared practice"))
    services.kind_register(Kind("test.report", "Posts reported in your cohort", "trainer"))
    yield
    services._kinds.clear()
    services._kinds.update(saved_kinds)
    services._producers.clear()
    services._producers.update(saved_producers)


@pytest.fixture
def maya(db):
    return Participant.objects.create(name="Maya Alvarez", email="maya@district.example")


def queue(person, key="post-1:response-1", **kw):
    return notify(
        participant=person,
        kind=kw.pop("kind", "test.response"),
        key=key,
        subject=kw.pop("subject", "Jordan responded to your lesson plan"),
        body=kw.pop("body", "Glow: the exit ticket.\nGrow: try a shorter launch."),
        url=kw.pop("url", "/app/p/1/exchange/1/"),
        **kw,
    )


def test_a_notification_is_queued_once_per_event(maya):
    assert queue(maya) is True
    assert queue(maya) is False
    assert queue(maya, key="post-1:response-2") is True
    assert Notification.objects.filter(participant=maya).count() == 2


def test_nothing_is_queued_without_an_address_or_for_an_unknown_kind(db):
    nobody = Participant.objects.create(name="No Email")
    assert queue(nobody) is False
    assert not Notification.objects.exists()
    with pytest.raises(ValueError, match="unknown notification kind"):
        queue(nobody, kind="test.nope")


def test_the_worker_sends_each_once_through_smtp_with_an_unsubscribe_link(maya, smtp_server):
    queue(maya)
    assert notifications_send() == 1
    assert notifications_send() == 0  # sent is sent: a second round sends nothing
    [message] = smtp_server.messages
    assert message["To"] == "maya@district.example"
    assert message["Subject"] == "Jordan responded to your lesson plan"
    text = message.get_content()
    assert "Grow: try a shorter launch." in text
    assert "http://127.0.0.1:8000/app/p/1/exchange/1/" in text
    link = str(message["List-Unsubscribe"]).strip().strip("<>")
    assert link in text and "/notifications/unsubscribe/" in link
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    row = Notification.objects.get()
    assert row.state == Notification.State.SENT and row.sent_at is not None


def test_links_use_the_public_address(maya, smtp_server, settings):
    settings.IGNITE_BASE_URL = "https://ignite.district.example"
    queue(maya)
    notifications_send()
    text = smtp_server.messages[0].get_content()
    assert "https://ignite.district.example/app/p/1/exchange/1/" in text
    assert (
        str(smtp_server.messages[0]["List-Unsubscribe"])
        .strip()
        .startswith("<https://ignite.district.example/notifications/unsubscribe/")
    )


def test_an_smtp_server_that_is_down_loses_nothing(maya, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens on discard
    settings.IGNITE_EMAIL_ENABLED = True
    queue(maya)
    assert notifications_send() == 0
    row = Notification.objects.get()
    assert row.state == Notification.State.PENDING and row.attempts == 1
    assert row.last_error and row.due_at > timezone.now()
    for attempt in range(2, services.MAX_ATTEMPTS + 1):
        notifications_send(now=row.due_at + timedelta(seconds=1))
        row.refresh_from_db()
        assert row.attempts == attempt
    assert row.state == Notification.State.FAILED


def test_email_not_configured_keeps_everything_queued(maya, settings, smtp_server):
    settings.IGNITE_EMAIL_ENABLED = False
    queue(maya)
    assert notifications_send() == 0
    assert Notification.objects.get().state == Notification.State.PENDING
    assert not smtp_server.messages


def test_trainers_get_a_digest_at_most_once_a_day(db, smtp_server):
    priya = Participant.objects.create(name="Priya Raman", email="priya@district.example")
    for n in (1, 2):
        queue(
            priya, kind="test.report", key=f"report-{n}", subject=f"Post {n} reported", digest=True
        )
    now = timezone.now()
    assert notifications_send(now=now) == 1
    [digest] = smtp_server.messages
    assert digest["Subject"] == "Ignite: 2 updates for you"
    assert "Post 1 reported" in digest.get_content() and "Post 2 reported" in digest.get_content()
    queue(priya, kind="test.report", key="report-3", subject="Post 3 reported", digest=True)
    assert notifications_send(now=now + timedelta(hours=2)) == 0  # waits for tomorrow
    assert notifications_send(now=now + timedelta(hours=25)) == 1
    assert "Post 3 reported" in smtp_server.messages[1].get_content()
    assert len(smtp_server.messages) == 2


def test_producers_run_each_round_and_their_keys_make_repeats_no_ops(maya, smtp_server):
    calls = []

    def tomorrow(*, now):
        calls.append(now)
        queue(maya, key="session-7-day-before", subject="Cohort session tomorrow at 16:00")

    services.producer_register("test.sessions", tomorrow)
    assert notifications_send() == 1  # queued by the producer and sent in the same round
    assert notifications_send() == 0
    assert len(calls) == 2
    assert [m["Subject"] for m in smtp_server.messages] == ["Cohort session tomorrow at 16:00"]


def test_a_broken_producer_does_not_stop_the_others(maya, smtp_server):
    def broken(*, now):
        raise RuntimeError("boom")

    services.producer_register("a.broken", broken)
    services.producer_register("b.fine", lambda *, now: queue(maya))
    assert notifications_send() == 1


def test_forget_drops_unsent_notifications_of_a_withdrawn_thing(maya, smtp_server):
    queue(maya, key="post-1:response-1")
    queue(maya, key="post-2:response-1")
    assert services.notifications_forget(kind="test.response", key_prefix="post-1:") == 1
    notifications_send()
    assert len(smtp_server.messages) == 1


def unsubscribe_path(message) -> str:
    return (
        str(message["List-Unsubscribe"]).strip().strip("<>").removeprefix("http://127.0.0.1:8000")
    )


def test_one_click_unsubscribe_without_login_stops_that_kind(client, maya, smtp_server):
    queue(maya)
    notifications_send()
    path = unsubscribe_path(smtp_server.messages[0])
    page = client.get(path)
    assert page.status_code == 200
    assert "m•••@district.example" in page.content.decode()
    assert not OptOut.objects.exists()  # a link scanner's GET changes nothing
    # What a mail client's one-click button sends (RFC 8058): no cookie, no CSRF token.
    done = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and 'data-testid="unsubscribed"' in done.content.decode()
    assert OptOut.objects.filter(participant=maya, kind="test.response").exists()
    assert queue(maya, key="post-1:response-9") is False
    assert queue(maya, kind="test.report", key="r") is True  # other kinds still come


def test_a_queued_email_is_not_sent_after_its_kind_is_turned_off(maya, smtp_server):
    queue(maya)
    OptOut.objects.create(participant=maya, kind=OptOut.ALL)
    assert notifications_send() == 0
    assert Notification.objects.get().state == Notification.State.SKIPPED


def _sql_of(call) -> tuple[object, int]:
    with CaptureQueriesContext(connection) as queries:
        result = call()
    return result, len(queries.captured_queries)


def _people(count: int, first: int) -> list[Participant]:
    return [
        Participant.objects.create(name=f"Teacher {n}", email=f"t{n}@district.example")
        for n in range(first, first + count)
    ]


def test_a_rounds_queries_do_not_grow_with_its_notifications(db, smtp_server):
    # Of every three people: one turned all email off, one this kind, one another kind only.
    turned_off = (OptOut.ALL, "test.response", "test.report")

    def round_of(count: int, first: int):
        people = _people(count, first)
        for n, person in enumerate(people):
            queue(person)
            OptOut.objects.create(participant=person, kind=turned_off[n % 3])
        return _sql_of(notifications_send)

    (sent_3, queries_3), (sent_12, queries_12) = round_of(3, 0), round_of(12, 100)
    assert (sent_3, sent_12) == (1, 4)
    assert queries_12 == queries_3
    assert {m["To"] for m in smtp_server.messages} == {
        f"t{n}@district.example" for n in (2, 102, 105, 108, 111)
    }
    assert Counter(Notification.objects.values_list("state", flat=True)) == {
        Notification.State.SENT: 5,
        Notification.State.SKIPPED: 10,
    }


def test_a_digests_queries_do_not_grow_with_its_items(db, smtp_server):
    services.kind_register(Kind("test.waiting", "Evidence waiting for review", "trainer"))
    priya, lee = _people(2, 0)
    now = timezone.now()

    def digest_of(person, count: int, day: int):
        for n in range(count):
            kind = ("test.report", "test.waiting")[n % 2]
            queue(person, kind=kind, key=f"{day}-{n}", subject=f"Item {day}-{n}", digest=True)
        return _sql_of(lambda: notifications_send(now=now + timedelta(days=day)))

    OptOut.objects.create(participant=priya, kind="test.waiting")  # half of her items
    (sent_3, queries_3), (sent_12, queries_12) = digest_of(priya, 3, 1), digest_of(priya, 12, 2)
    assert (sent_3, sent_12) == (1, 1) and queries_12 == queries_3
    assert [m["Subject"] for m in smtp_server.messages] == [
        "Ignite: 2 updates for you",
        "Ignite: 6 updates for you",
    ]
    OptOut.objects.create(participant=lee, kind=OptOut.ALL)
    assert digest_of(lee, 3, 3)[0] == 0
    assert not Notification.objects.filter(state=Notification.State.PENDING).exists()


@pytest.mark.parametrize("token", ["nonsense", "eyJwIjoxfQ:1abc:forged", "a" * 300])
def test_a_bad_unsubscribe_link_says_so_without_an_error(client, db, token):
    page = client.get(f"/notifications/unsubscribe/{token}/")
    assert page.status_code == 400
    assert 'data-testid="unsubscribe-invalid"' in page.content.decode()
    assert client.post(f"/notifications/unsubscribe/{token}/").status_code == 400
    assert not OptOut.objects.exists()


def test_an_unsubscribe_link_of_an_erased_person_is_not_found(client, maya):
    path = services.unsubscribe_url(maya.pk, "test.response").split("8000", 1)[1]
    maya.delete()
    assert client.get(path).status_code == 404


def test_the_settings_page_lists_each_readers_kinds_and_saves_choices(launch_as):
    teacher = launch_as(sub="maya", name="Maya Alvarez", email="maya@district.example")
    html = teacher.get("/app/notifications/").content.decode()
    assert "maya@district.example" in html
    assert 'data-kind="test.response"' in html and 'data-kind="test.report"' not in html
    saved = teacher.post("/app/notifications/", {"all": "on"})  # test.response unticked
    assert 'data-testid="notifications-saved"' in saved.content.decode()
    person = Participant.objects.get(email="maya@district.example")
    assert set(OptOut.objects.filter(participant=person).values_list("kind", flat=True)) == {
        "test.response"
    }
    teacher.post("/app/notifications/", {"kind-test.response": "on"})  # everything off
    assert set(OptOut.objects.filter(participant=person).values_list("kind", flat=True)) == {""}
    trainer = launch_as(
        sub="priya", name="Priya Raman", roles=[INSTRUCTOR], email="priya@district.example"
    )
    html = trainer.get("/app/notifications/").content.decode()
    assert 'data-kind="test.report"' in html and 'data-kind="test.response"' in html
    Participant.objects.filter(email="priya@district.example").update(email="")
    html = trainer.get("/app/notifications/").content.decode()
    assert 'data-testid="notifications-no-address"' in html


def test_the_settings_page_needs_a_launch_and_a_same_origin_post(client, launch_as):
    assert client.get("/app/notifications/").status_code == 401
    teacher = launch_as(sub="maya", name="Maya Alvarez", email="maya@district.example")
    forged = teacher.post("/app/notifications/", {}, HTTP_ORIGIN="https://evil.example")
    assert forged.status_code == 403
    assert not OptOut.objects.exists()


def test_the_command_sends_and_reports(maya, smtp_server):
    queue(maya)
    out = StringIO()
    call_command("notifications", "status", stdout=out)
    assert "test.response\tpending\t1" in out.getvalue()
    call_command("notifications", "send", stdout=out)
    assert "sent 1 email" in out.getvalue() and len(smtp_server.messages) == 1


def test_a_persons_notifications_are_in_their_export_and_go_with_erasure(maya):
    queue(maya)
    OptOut.objects.create(participant=maya, kind="test.report")
    sections = {s.key: s for s in participant_holdings(participant=maya)}
    rows = sections["notifications"].rows
    assert {"kind": "test.response", "subject": "Jordan responded to your lesson plan"}.items() <= (
        rows[0].items()
    )
    assert rows[1]["state"] == "turned off"
    report = participant_erase(participant=maya)
    assert report.counts["notifications"] == 1
    assert not Notification.objects.exists() and not OptOut.objects.exists()


def _kinds_off(person) -> list[str]:
    return sorted(OptOut.objects.filter(participant=person).values_list("kind", flat=True))


def test_preferences_set_turns_kinds_off_once_and_back_on(maya):
    services.preferences_set(participant=maya, kinds_on=set(), all_on=True)
    services.preferences_set(participant=maya, kinds_on=set(), all_on=True)  # saved twice
    assert _kinds_off(maya) == ["test.report", "test.response"]
    services.preferences_set(participant=maya, kinds_on={"test.report"}, all_on=False)
    assert _kinds_off(maya) == ["", "test.response"]
    assert queue(maya, kind="test.report", key="r") is False  # all email is off
    services.preferences_set(
        participant=maya, kinds_on={"test.report", "test.response"}, all_on=True
    )
    assert _kinds_off(maya) == []
    assert queue(maya, kind="test.report", key="r") is True


def test_preferences_set_leaves_kinds_the_page_did_not_offer(maya):
    # A trainer turned their kind off; saving the teacher's page (which does not list it)
    # keeps that choice.
    services.opt_out(participant=maya, kind="test.report")
    services.preferences_set(
        participant=maya, kinds_on={"test.response"}, all_on=True, kinds_offered=["test.response"]
    )
    assert _kinds_off(maya) == ["test.report"]
    services.preferences_set(
        participant=maya, kinds_on=set(), all_on=False, kinds_offered=["test.response"]
    )
    assert _kinds_off(maya) == ["", "test.report", "test.response"]


def test_opt_out_is_idempotent_and_says_whether_it_changed_anything(maya):
    assert services.opt_out(participant=maya, kind="test.response") is True
    assert services.opt_out(participant=maya, kind="test.response") is False
    assert services.opt_out(participant=maya, kind=OptOut.ALL) is True
    assert _kinds_off(maya) == ["", "test.response"]
    services.preferences_set(participant=maya, kinds_on={"test.response"}, all_on=True)
    assert _kinds_off(maya) == ["test.report"]


def test_unsubscribing_twice_keeps_one_row(client, maya):
    path = services.unsubscribe_url(maya.pk, "test.response").split("8000", 1)[1]
    assert client.post(path).status_code == 200
    assert client.post(path).status_code == 200
    assert client.post(path, {"scope": "all"}).status_code == 200
    assert _kinds_off(maya) == ["", "test.response"]
