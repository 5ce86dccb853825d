"""The daily snapshot of each led program's funnel, kept by the worker for the weekly trend.

The grade worker's refresh task (reporting/tasks.py, queued from its heartbeat when something is
due) calls `snapshots_keep`, which does nothing until a day has no snapshot yet (one cache
read), then takes the day's snapshot of every (platform, program) a lead sees.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from courses.models import Program
from pagesession.zones import time_zone_for

from .models import ProgramLead, ProgramSnapshot
from .queries import program_report

logger = logging.getLogger("ignite.reporting")
DONE_KEY = "reporting:snapshots:{day}"


def snapshot_take(*, platform_id: int, program, now: datetime) -> ProgramSnapshot:
    """Record (or refresh) today's snapshot of one program on one platform."""
    report = program_report(platform_id=platform_id, program=program, now=now, with_trend=False)
    pairs = report.pairs
    snapshot, _ = ProgramSnapshot.objects.update_or_create(
        platform_id=platform_id,
        program=program,
        day=timezone.localdate(now),
        defaults={
            "enrolled": pairs.enrolled,
            "started": pairs.started,
            "lessons_done": pairs.lessons_done,
            "mastered": pairs.mastered,
            "evidence_accepted": pairs.evidence_accepted,
            "credentialed": report.funnel.credentialed,
            "taken_at": now,
        },
    )
    return snapshot


def snapshots_take(*, now: datetime | None = None) -> int:
    """Take today's snapshot of every program a lead sees, on the lead's platform."""
    now = now or timezone.now()
    pairs = set(
        ProgramLead.programs.through.objects.values_list("programlead__platform_id", "program_id")
    )
    programs = Program.objects.in_bulk({program_id for _pid, program_id in pairs})
    count = 0
    for platform_id, program_id in sorted(pairs):
        # The snapshot's day is the platform's day.
        with transaction.atomic(), timezone.override(time_zone_for(platform_id)):
            snapshot_take(platform_id=platform_id, program=programs[program_id], now=now)
        count += 1
    return count


def _done_key(now: datetime) -> str:
    return DONE_KEY.format(day=timezone.localdate(now).isoformat())


def snapshots_due() -> bool:
    """Whether today's snapshots are still to be taken (one cache read)."""
    return not cache.get(_done_key(timezone.now()))


def snapshots_keep() -> int:
    """Once a day (server date): take the day's snapshots. Returns how many were taken now."""
    now = timezone.now()
    key = _done_key(now)
    if cache.get(key):
        return 0
    # Claim the day first: several workers may refresh at once; one takes the snapshots.
    if not cache.add(key + ":claim", 1, 600):
        return 0
    try:
        count = snapshots_take(now=now)
    except Exception:  # noqa: BLE001 - the worker goes on; the next refresh tries again
        cache.delete(key + ":claim")
        logger.exception("program snapshots failed")
        return 0
    cache.set(key, 1, 60 * 60 * 26)
    logger.info("program snapshots taken: %s", count)
    return count
