"""The program view's refresh: a Django Tasks task on a queue of its own, run by the grade worker.

The grade worker (lti_tool's `grades worker`) says it is alive every few seconds from its sweep
thread, and lti_tool connects that signal to `reporting_keep`. Reading a program takes 1.6-3.6 s
at district scale, which must not hold up the sweep or the heartbeat `/readyz` watches, so the
heartbeat only decides, at most once a minute, whether anything is due (one query and a few
cache reads) and queues one `program_view_refresh` unless one is waiting (taskmarks). The grade
worker runs the REFRESH_QUEUE in a thread of its own: `db_worker` on the default queue runs one
task at a time, so a refresh there would hold back score deliveries.
"""

from __future__ import annotations

import logging

from django.core.cache import cache
from django_tasks import task

from taskmarks import task_enqueue_once, task_mark_taken

from .rollups import rollups_due, rollups_refresh
from .snapshots import snapshots_due, snapshots_keep

logger = logging.getLogger("ignite.reporting")
REFRESH_QUEUE = "reporting"
CHECKED_KEY = "reporting:rollups:checked"
# A refresh is waiting in the queue (taskmarks): set when the heartbeat queues one, taken by the
# refresh when it starts. See program_view_refresh for why it starts, not ends, and the ttl.
WAITING_KEY = "reporting:refresh-waiting"
WAITING_TTL = 300


@task(queue_name=REFRESH_QUEUE)
def program_view_refresh() -> dict:
    """Read again the led programs' figures that are due, then take the day's snapshots.

    It takes its waiting mark as it starts, before it asks what is due (as the grade delivery
    does), rather than keeping it until it ends: what it finds due it does, and what becomes
    due after it looked the next heartbeat finds (the heartbeat looks at the figures, not at
    events, so nothing is missed either way). Taken at the start, the mark is held by no
    running refresh: one whose worker dies mid-run holds back nothing, and no ttl has to
    outlast the longest refresh. The cost: a refresh still running at the next minute's look
    may get one more queued behind it on the single-threaded "reporting" queue, and that one
    finds little left to do (a refresh takes seconds a program, the heartbeat looks once a
    minute). The mark covers only the wait in the queue (the thread's poll, and a refresh
    running ahead), so WAITING_TTL, five minutes, is ample; it bounds how long a refresh lost
    before it started keeps the heartbeat from queueing another, half the figures' default
    max age (IGNITE_PROGRAM_VIEW_MAX_AGE, 600 s)."""
    task_mark_taken(key=WAITING_KEY)
    try:
        programs = rollups_refresh()
    except Exception:  # noqa: BLE001 - the snapshots still go; the next refresh tries again
        logger.exception("program view refresh failed")
        programs = None
    return {"programs": programs, "snapshots": snapshots_keep()}


def reporting_keep(**_kwargs) -> None:
    """From the worker's heartbeat (every few seconds): at most once a minute, queue a refresh
    when some figures or today's snapshots are due and none is waiting in the queue.

    The minute's claim is an atomic add in the shared cache, so of several workers beating at
    once one looks; the next minute's look finds the mark of the refresh it queued, until that
    refresh starts."""
    try:
        if not cache.add(CHECKED_KEY, 1, 60):
            return
    except Exception:  # noqa: BLE001 - no cache: say so here, not as a failed grade sweep
        logger.warning("could not claim the program view's minute (cache)", exc_info=True)
        return
    try:
        if rollups_due() or snapshots_due():
            task_enqueue_once(program_view_refresh, key=WAITING_KEY, ttl=WAITING_TTL)
    except Exception:  # noqa: BLE001 - the worker goes on; the next minute looks again
        logger.exception("could not queue the program view refresh")
