"""Liveness and readiness: cheap checks a load balancer may poll every few seconds."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection

from mastery.models import GradeRecord

logger = logging.getLogger("ignite.operations")

HEARTBEAT_KEY = "ops:grade-worker:heartbeat"
PROBE_KEY = "ops:readyz:probe"


def heartbeat_beat() -> None:
    """Written by the grade worker every few seconds (lti_tool's grade_worker_alive)."""
    try:
        # Kept well past the readiness limit, so a stale beat reads as stale, not as never.
        cache.set(HEARTBEAT_KEY, time.time(), timeout=24 * 3600)
    except Exception:  # noqa: BLE001 - readiness will report the cache; the worker goes on
        logger.warning("could not write the grade worker heartbeat", exc_info=True)


def heartbeat_age() -> float | None:
    """Seconds since the worker's last heartbeat, or None if there is none (raises if the
    cache cannot be read: that is not the worker's fault)."""
    beat = cache.get(HEARTBEAT_KEY)
    if not isinstance(beat, int | float):
        return None
    return max(time.time() - beat, 0.0)


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return ""


def _cache() -> str:
    cache.set(PROBE_KEY, 1, timeout=60)
    return "" if cache.get(PROBE_KEY) == 1 else "the cache did not keep a value"


def _worker() -> str:
    age = heartbeat_age()
    limit = settings.IGNITE_WORKER_HEARTBEAT_MAX_AGE
    if age is None:
        return "no heartbeat from the grade worker (manage.py grades worker)"
    if age > limit:
        return f"the grade worker's last heartbeat is {age:.0f} s old (limit {limit} s)"
    return ""


def _outbox() -> str:
    limit = settings.IGNITE_READY_OUTBOX_MAX
    # Counting at most limit+1 rows keeps the probe cheap however long the backlog grows.
    backlog = (
        GradeRecord.objects.filter(status__in=("pending", "sending"))
        .values("id")[: limit + 1]
        .count()
    )
    return f"more than {limit} scores wait in the grade outbox" if backlog > limit else ""


CHECKS = {"database": _database, "cache": _cache, "worker": _worker, "outbox": _outbox}


def readiness_check() -> dict[str, str]:
    """Every check's problem ("" when fine). Never raises: a failing check is a problem."""
    problems: dict[str, str] = {}
    for name, check in CHECKS.items():
        if name == "outbox" and problems.get("database"):
            problems[name] = "not checked: the database is unavailable"
            continue
        try:
            problems[name] = check()
        except Exception as exc:  # noqa: BLE001 - an unreachable service is the answer
            problems[name] = f"{exc.__class__.__name__}: {str(exc)[:200]}"
    if any(problems.values()):
        logger.warning("not ready: %s", "; ".join(f"{k}: {v}" for k, v in problems.items() if v))
    return problems
