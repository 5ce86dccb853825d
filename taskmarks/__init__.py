"""At most one waiting task of a kind: a mark in the shared cache says one is queued.

A task that does all the work due when it runs (deliver every due score, refresh every due
figure) need not be queued again while one waits: `task_enqueue_once` queues it only when no
mark is there, and sets the mark; the task calls `task_mark_taken` when it starts, before it
reads what is due, so work that becomes due from then on queues a task of its own. The mark's
time to live bounds how long a task lost before it started (a queue emptied, a worker killed)
holds back the next one.

The mark lives in the cache, not in the task backend's tables, so the caller works the same
on the database backend and on RQ. It is read before it is added: in the common case (a task
is waiting) that is one cache read, which with Django's database cache is one SELECT where
`add` counts the table, selects and inserts. When the cache cannot be read the task is queued
anyway: a second task does no harm, a missing one delays work. This package imports no app
(the bottom layer in .importlinter), so every app may use it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from django_tasks.base import Task

logger = logging.getLogger("ignite.tasks")


def task_enqueue_once(task: Task | str, *, key: str, ttl: float) -> bool:
    """Queue `task` (a Task, or its dotted path, imported only when queued: a lower app names a
    higher app's task in settings) unless the mark `key` says one is waiting; True when queued.

    A failed enqueue (or import) clears the mark, so the next call tries again, and raises:
    the caller knows what else picks the work up and how loudly to say so."""
    try:
        if cache.get(key) is not None or not cache.add(key, 1, ttl):
            return False
    except Exception:  # noqa: BLE001 - no cache: queue as if no task were waiting
        logger.warning("could not read the task mark %s", key, exc_info=True)
    try:
        (import_string(task) if isinstance(task, str) else task).enqueue()
    except BaseException:
        task_mark_taken(key=key)  # nothing waits
        raise
    return True


def task_mark_taken(*, key: str) -> None:
    """Called by the task when it starts, before it reads what is due: the next call of
    `task_enqueue_once` with `key` queues again."""
    try:
        cache.delete(key)
    except Exception:  # noqa: BLE001 - the mark expires on its own (its ttl)
        logger.warning("could not clear the task mark %s", key, exc_info=True)
