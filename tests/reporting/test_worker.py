"""The grade worker's heartbeat queues the program view's refresh (figures and daily snapshots);
the refresh task does the work, and one waits in the queue at a time."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from courses.models import Program
from lti_tool.events import grade_worker_alive
from lti_tool.management.commands.grades import refresh_worker
from reporting import tasks
from reporting.models import ProgramSnapshot
from reporting.snapshots import snapshots_take
from reporting.tasks import CHECKED_KEY, REFRESH_QUEUE, WAITING_KEY, program_view_refresh
from taskmarks import task_mark_taken
from tests.concurrency import at_once

from .conftest import launch

pytestmark = pytest.mark.django_db
FIGURES = ("enrolled", "started", "lessons_done", "mastered", "evidence_accepted", "credentialed")


def refreshes():
    return DBTaskResult.objects.filter(task_path=program_view_refresh.module_path)


def beat_next_minute():
    """A heartbeat a minute later (the heartbeat looks at most once a minute)."""
    cache.delete(CHECKED_KEY)
    grade_worker_alive.send(sender=None)


def run_queued() -> None:
    """What the grade worker's refresh thread does with the queue (grades.py). It closes the
    connection between tasks, as db_worker does: call it from a transactional test."""
    refresh_worker(interval=0, batch=True).run()


@pytest.fixture
def led(lti, platform, demo_pack, name_lead):
    launch(lti, sub="maya", email="maya@d.example")
    name_lead(sub="dana")
    program = Program.objects.get(slug="demo-program")
    return f"reporting:v1:stamp:{platform.pk}:{program.pk}"


def test_the_heartbeat_only_queues_the_refresh(led):
    with CaptureQueriesContext(connection) as queries:
        grade_worker_alive.send(sender=None)
    queued = refreshes().get()
    assert queued.status == TaskResultStatus.READY and queued.queue_name == REFRESH_QUEUE
    # None of the refresh's work in the sweep thread: no figures, no snapshot, no program read.
    assert cache.get(led) is None
    assert not ProgramSnapshot.objects.exists()
    sql = [
        q["sql"]
        for q in queries.captured_queries
        if "ignite_cache" not in q["sql"] and "SAVEPOINT" not in q["sql"]  # the cache's own
    ]
    # The led programs and the task's row: "is one waiting?" is a cache read (taskmarks).
    assert len(sql) == 2, sql
    assert not any("courses_" in q or "mastery_" in q for q in sql), sql


def test_a_refresh_waiting_is_not_queued_twice(led):
    grade_worker_alive.send(sender=None)
    grade_worker_alive.send(sender=None)  # the same minute: not even a look
    beat_next_minute()  # one is waiting: no second
    beat_next_minute()
    assert refreshes().count() == 1
    assert cache.get(WAITING_KEY) is not None


def test_once_the_refresh_has_started_a_due_refresh_is_queued_again(led, monkeypatch):
    grade_worker_alive.send(sender=None)
    # The refresh takes its mark before it asks what is due; this one finishes nothing, so the
    # figures and the snapshots are still due at the next look.
    seen = []
    monkeypatch.setattr(tasks, "rollups_refresh", lambda: seen.append(cache.get(WAITING_KEY)))
    monkeypatch.setattr(tasks, "snapshots_keep", lambda: 0)
    program_view_refresh.call()
    assert seen == [None]
    beat_next_minute()
    assert refreshes().count() == 2
    beat_next_minute()  # and that one waits: no third
    assert refreshes().count() == 2


def test_a_refresh_whose_worker_died_holds_back_no_other(led):
    grade_worker_alive.send(sender=None)
    # Its worker took it (and so its mark), then died: the row says running for ever.
    refreshes().update(status=TaskResultStatus.RUNNING, started_at=timezone.now())
    task_mark_taken(key=WAITING_KEY)
    beat_next_minute()
    assert refreshes().filter(status=TaskResultStatus.READY).count() == 1


def test_a_failed_enqueue_leaves_no_mark(led, monkeypatch, caplog):
    class Refused:
        def enqueue(self):
            raise RuntimeError("queue down")

    monkeypatch.setattr(tasks, "program_view_refresh", Refused())
    grade_worker_alive.send(sender=None)
    assert "could not queue the program view refresh" in caplog.text
    assert cache.get(WAITING_KEY) is None
    monkeypatch.undo()
    beat_next_minute()  # the next minute queues it
    assert refreshes().count() == 1


def test_a_cache_that_is_down_is_said_and_queues_nothing(led, monkeypatch, caplog):
    def down(*_args, **_kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(tasks.cache, "add", down)
    tasks.reporting_keep()  # the heartbeat's receiver: no error reaches the sweep
    assert "could not claim the program view's minute" in caplog.text
    assert refreshes().count() == 0


@pytest.mark.django_db(transaction=True)
def test_two_workers_beating_at_once_queue_one_refresh(led):
    at_once(lambda: grade_worker_alive.send(sender=None), times=2)
    assert refreshes().count() == 1
    cache.delete(CHECKED_KEY)
    at_once(lambda: grade_worker_alive.send(sender=None), times=2)
    assert refreshes().count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_refresh_computes_ahead_and_snapshots_once_a_day(led):
    grade_worker_alive.send(sender=None)
    run_queued()
    assert refreshes().get().status == TaskResultStatus.SUCCESSFUL
    assert cache.get(led) is not None  # the figures were computed ahead
    snapshot = ProgramSnapshot.objects.get()
    taken = {name: getattr(snapshot, name) for name in FIGURES}
    assert taken["enrolled"] == 1
    # The same snapshot as `program_snapshots` takes.
    ProgramSnapshot.objects.all().delete()
    assert snapshots_take() == 1
    again = ProgramSnapshot.objects.get()
    assert {name: getattr(again, name) for name in FIGURES} == taken
    assert again.day == snapshot.day
    ProgramSnapshot.objects.all().delete()
    beat_next_minute()  # the same day, figures fresh: nothing is due, nothing queued
    assert refreshes().count() == 1
    program_view_refresh.call()  # and a refresh run anyway takes no second snapshot
    assert ProgramSnapshot.objects.count() == 0


def test_program_snapshots_command(lti, demo_pack, name_lead):
    launch(lti, sub="maya", email="maya@d.example")
    name_lead(sub="dana")
    out = StringIO()
    call_command("program_snapshots", stdout=out)
    assert "1 snapshot(s) taken" in out.getvalue()
    assert ProgramSnapshot.objects.get().enrolled == 1


def test_a_lead_of_two_programs_chooses_one(lti, demo_pack, name_lead):
    Program.objects.create(slug="second-program", title="Second program", position=1)
    name_lead(sub="dana")
    name_lead(sub="dana", program="second-program")
    lead = launch(lti, sub="dana", email="", context="lead-home", module=None)
    html = lead.get("/app/program/").content.decode()
    assert html.count('data-testid="program-link"') == 2
    assert lead.get("/app/program/second-program/").status_code == 200
