"""`manage.py grades worker` in-process: its threads do their work while it runs and stop when it
stops. Its main loop (django-tasks-db's db_worker, which runs the default queue) is stood in for
by a wait, bounded, for what the test expects; the worker's own threads are real."""

from __future__ import annotations

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
