"""At most one waiting task of a kind (taskmarks): a burst queues one task, the task taking its
mark lets the next call queue again, a failed enqueue leaves no mark, and a cache that cannot be
reached queues anyway."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache

import taskmarks
from taskmarks import task_enqueue_once, task_mark_taken

pytestmark = pytest.mark.django_db
KEY = "tests:taskmarks:waiting"


class FakeTask:
    def __init__(self, error: Exception | None = None):
        self.enqueued = 0
        self.error = error

    def enqueue(self):
        self.enqueued += 1
        if self.error:
            raise self.error


class DownCache:
    """A cache whose server is gone."""

    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError("cache down")

        return fail


class CallsCache:
    """The real cache, recording which of its methods are called."""

    def __init__(self):
        self.calls: list[str] = []

    def __getattr__(self, name):
        self.calls.append(name)
        return getattr(cache, name)


def test_a_burst_queues_one_task():
    task = FakeTask()
    assert [task_enqueue_once(task, key=KEY, ttl=30) for _ in range(3)] == [True, False, False]
    assert task.enqueued == 1
    assert cache.get(KEY) is not None


def test_once_the_task_has_taken_its_mark_the_next_call_queues_again():
    task = FakeTask()
    task_enqueue_once(task, key=KEY, ttl=30)
    task_mark_taken(key=KEY)
    assert task_enqueue_once(task, key=KEY, ttl=30) is True
    assert task.enqueued == 2


def test_marks_are_per_key():
    task = FakeTask()
    task_enqueue_once(task, key=KEY, ttl=30)
    assert task_enqueue_once(task, key=KEY + ":other", ttl=30) is True
    assert task.enqueued == 2


def test_a_waiting_task_costs_one_cache_read(monkeypatch):
    # With Django's database cache `add` counts the table, selects and inserts: read first.
    task_enqueue_once(FakeTask(), key=KEY, ttl=30)
    spy = CallsCache()
    monkeypatch.setattr(taskmarks, "cache", spy)
    assert task_enqueue_once(FakeTask(), key=KEY, ttl=30) is False
    assert spy.calls == ["get"]


def test_a_failed_enqueue_leaves_no_mark_and_says_so():
    failing = FakeTask(error=RuntimeError("queue down"))
    with pytest.raises(RuntimeError):
        task_enqueue_once(failing, key=KEY, ttl=30)
    assert cache.get(KEY) is None
    task = FakeTask()
    assert task_enqueue_once(task, key=KEY, ttl=30) is True  # the next call tries again
    assert task.enqueued == 1


def test_a_task_named_by_path_is_imported_only_when_queued():
    task_enqueue_once(FakeTask(), key=KEY, ttl=30)
    # A task is waiting: the path is not even imported.
    assert task_enqueue_once("tests.taskmarks.no_such_task", key=KEY, ttl=30) is False
    task_mark_taken(key=KEY)
    with pytest.raises(ImportError):
        task_enqueue_once("tests.taskmarks.no_such_task", key=KEY, ttl=30)
    assert cache.get(KEY) is None


def test_a_task_named_by_path_is_queued(monkeypatch):
    task = FakeTask()
    monkeypatch.setattr("tests.taskmarks.test_taskmarks.NAMED", task, raising=False)
    assert task_enqueue_once("tests.taskmarks.test_taskmarks.NAMED", key=KEY, ttl=30) is True
    assert task.enqueued == 1


def test_with_the_cache_down_every_call_queues(monkeypatch, caplog):
    monkeypatch.setattr(taskmarks, "cache", DownCache())
    task = FakeTask()
    assert task_enqueue_once(task, key=KEY, ttl=30) is True
    assert task_enqueue_once(task, key=KEY, ttl=30) is True
    assert task.enqueued == 2
    assert "could not read the task mark" in caplog.text
    task_mark_taken(key=KEY)  # nor does taking the mark raise: it expires on its own
    assert "could not clear the task mark" in caplog.text
    with pytest.raises(RuntimeError):  # a failed enqueue still says so
        task_enqueue_once(FakeTask(error=RuntimeError("queue down")), key=KEY, ttl=30)


def test_the_mark_expires_with_its_ttl():
    # A task lost before it took its mark holds back the next one for `ttl` seconds at most.
    task = FakeTask()
    task_enqueue_once(task, key=KEY, ttl=1)
    assert task_enqueue_once(task, key=KEY, ttl=1) is False
    time.sleep(1.1)
    assert task_enqueue_once(task, key=KEY, ttl=1) is True
    assert task.enqueued == 2
