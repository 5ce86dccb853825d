"""`manage.py grades worker` in-process: its threads do their work while it runs and stop when it
stops. Its main loop (django-tasks-db's db_worker, which runs the default queue) is stood in for
by a wait, bounded, for what the test expects; the worker's own threads are real."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from django.core.management import call_command
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from courses.models import Participant
from lti_tool.management.commands import grades as grades_command
from notifications.models import Notification
from reporting.tasks import program_view_refresh

THREADS = ("grade-sweeper", "notifier", "program-view-refresh")


def run_worker(monkeypatch, until, *args: str, timeout: float = 20.0) -> list[threading.Thread]:
    """Run `grades worker *args` until `until()` is true (at most `timeout` seconds); return the
    worker's threads as they were while it ran."""
    seen: list[threading.Thread] = []

    def db_worker(name, **kwargs):
        assert name == "db_worker"
        deadline = time.monotonic() + timeout
        while not until() and time.monotonic() < deadline:
            time.sleep(0.02)
        seen.extend(t for t in threading.enumerate() if t.name in THREADS)

    monkeypatch.setattr(grades_command, "call_command", db_worker)
    call_command("grades", "worker", *args)
    return seen


def stopped(threads: list[threading.Thread], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(deadline - time.monotonic(), 0))
    return not any(thread.is_alive() for thread in threads)


@pytest.mark.django_db(transaction=True)
def test_the_refresh_the_heartbeat_queues_runs_in_the_workers_own_thread(monkeypatch):
    def refreshed() -> bool:
        return DBTaskResult.objects.filter(
            task_path=program_view_refresh.module_path, status=TaskResultStatus.SUCCESSFUL
        ).exists()

    # The sweep beats every 50 ms; no program is led yet, so the refresh queued is the day's
    # (empty) snapshots. db_worker is stood in for: only the worker's refresh thread can run it.
    threads = run_worker(monkeypatch, refreshed, "--sweep", "0.05", "--interval", "0.05")
    assert refreshed()
    assert sorted(t.name for t in threads) == sorted(THREADS)
    assert stopped(threads)


@pytest.mark.django_db(transaction=True)
def test_the_workers_notifier_emails_what_is_queued_and_stops_with_the_worker(
    monkeypatch, settings, smtp_server, caplog
):
    settings.IGNITE_NOTIFICATION_INTERVAL = 0.05
    maya = Participant.objects.create(name="Maya Alvarez", email="maya@district.example")
    Notification.objects.create(
        participant=maya,
        kind="exchange.response",
        key="post-1:response-1",
        subject="Jordan responded to your lesson plan",
        body="Glow: the exit ticket.",
    )
    # A sweep that never comes: only the notifier sends email.
    threads = run_worker(monkeypatch, lambda: bool(smtp_server.messages), "--sweep", "3600")
    [message] = smtp_server.messages
    assert message["To"] == "maya@district.example"
    assert message["Subject"] == "Jordan responded to your lesson plan"
    [notifier] = [t for t in threads if t.name == "notifier"]
    assert stopped([notifier])  # the worker stopped, and so did its notifier
    assert Notification.objects.get().state == Notification.State.SENT
    assert stopped(threads)
    assert "sending notifications failed" not in caplog.text


def _slow_smtp(smtp_server, delay: float) -> threading.Event:
    """The SMTP server takes `delay` seconds to accept a message; the event is set when one
    starts arriving (the notifier is then in the middle of sending)."""
    arriving = threading.Event()
    accept = smtp_server.handle_DATA

    async def handle_DATA(server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        arriving.set()
        await asyncio.sleep(delay)
        return await accept(server, session, envelope)

    smtp_server.handle_DATA = handle_DATA
    return arriving


def _queue_one_notification() -> Notification:
    maya = Participant.objects.create(name="Maya Alvarez", email="maya@district.example")
    return Notification.objects.create(
        participant=maya,
        kind="exchange.response",
        key="post-1:response-1",
        subject="Jordan responded to your lesson plan",
        body="Glow: the exit ticket.",
    )


@pytest.mark.django_db(transaction=True)
def test_stopping_mid_send_lets_the_notifier_mark_its_row_sent_first(
    monkeypatch, settings, smtp_server, caplog
):
    settings.IGNITE_NOTIFICATION_INTERVAL = 0.05
    settings.IGNITE_WORKER_STOP_SECONDS = 20
    arriving = _slow_smtp(smtp_server, delay=1.0)
    notification = _queue_one_notification()
    # db_worker (SIGTERM's target) returns as soon as the email starts going out.
    threads = run_worker(monkeypatch, arriving.is_set, "--sweep", "3600")
    # Returned: the email went out once and its row says so; a restarted worker sends nothing.
    notification.refresh_from_db()
    assert notification.state == Notification.State.SENT
    assert len(smtp_server.messages) == 1
    assert not any(t.is_alive() for t in threads)
    assert "did not finish" not in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_thread_that_outlasts_the_stop_timeout_is_named_and_not_waited_for(
    monkeypatch, settings, smtp_server, caplog
):
    settings.IGNITE_NOTIFICATION_INTERVAL = 0.05
    settings.IGNITE_WORKER_STOP_SECONDS = 0.2
    arriving = _slow_smtp(smtp_server, delay=2.0)
    _queue_one_notification()
    threads = run_worker(monkeypatch, arriving.is_set, "--sweep", "3600")
    [notifier] = [t for t in threads if t.name == "notifier"]
    assert notifier.is_alive()  # returned after 0.2 s, the SMTP server still taking its 2 s
    assert "worker thread notifier did not finish within 0.2 s" in caplog.text
    assert "grade-sweeper did not finish" not in caplog.text
    assert stopped(threads)  # (it ends on its own; the test waits before its database goes)
