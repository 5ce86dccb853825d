"""The program view's refresh: a Django Tasks task on a queue of its own, run by the grade worker.

The grade worker (lti_tool's `grades worker`) says it is alive every few seconds from its sweep
thread, and lti_tool connects that signal to `reporting_keep`. Reading a program takes 1.6-3.6 s
at district scale, which must not hold up the sweep or the heartbeat `/readyz` watches, so the
heartbeat only decides, at most once a minute, whether anything is due (one query and a few
cache reads) and queues one `program_view_refresh`. The grade worker runs the REFRESH_QUEUE in a
thread of its own: `db_worker` on the default queue runs one task at a time, so a refresh there
would hold back score deliveries.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from .rollups import rollups_due, rollups_refresh
from .snapshots import snapshots_due, snapshots_keep

logger = logging.getLogger("ignite.reporting")
REFRESH_QUEUE = "reporting"
CHECKED_KEY = "reporting:rollups:checked"
# A refresh still marked running after this long died with its worker (a refresh takes seconds
# a program); another may be queued.
RUNNING_GIVEN_UP = timedelta(minutes=30)


@task(queue_name=REFRESH_QUEUE)
def program_view_refresh() -> dict:
    """Read again the led programs' figures that are due, then take the day's snapshots."""
    try:
        programs = rollups_refresh()
    except Exception:  # noqa: BLE001 - the snapshots still go; the next refresh tries again
        logger.exception("program view refresh failed")
        programs = None
    return {"programs": programs, "snapshots": snapshots_keep()}


def refresh_waiting() -> bool:
    """Whether a refresh is queued, or running (and not given up for dead)."""
    running_since = timezone.now() - RUNNING_GIVEN_UP
    return DBTaskResult.objects.filter(
        Q(status=TaskResultStatus.READY)
        | Q(status=TaskResultStatus.RUNNING, started_at__gte=running_since),
        task_path=program_view_refresh.module_path,
    ).exists()


def reporting_keep(**_kwargs) -> None:
    """From the worker's heartbeat (every few seconds): at most once a minute, queue a refresh
    when some figures or today's snapshots are due and none is queued or running.

    The minute's claim is an atomic add in the shared cache, so of several workers beating at
    once one looks; the next minute's look finds the refresh it queued."""
    if not cache.add(CHECKED_KEY, 1, 60):
        return
    try:
        if (rollups_due() or snapshots_due()) and not refresh_waiting():
            program_view_refresh.enqueue()
    except Exception:  # noqa: BLE001 - the worker goes on; the next minute looks again
        logger.exception("could not queue the program view refresh")
