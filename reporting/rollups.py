"""The program view's figures, computed ahead by the worker and kept in the shared cache.

At district scale (6,000 teachers, 210 cohorts, 12 modules) reading and summing a program takes
about a second of database and CPU time, too slow for a page a lead opens every morning. The
grade worker refreshes each led program's facts every IGNITE_PROGRAM_VIEW_MAX_AGE seconds
(default 600) and the all-schools report with them, in a task its heartbeat queues when one is
due (reporting/tasks.py); pages then read the cache:

- the all-schools view and its CSVs: the report the worker made (or, after a deadline change,
  one summed again from the cached facts);
- one school: summed from the cached facts the first time it is asked for, then kept;
- nothing cached yet (no worker running, a new program): read and summed in the request, then
  cached for the next one.

Every page says when its figures were read. With IGNITE_PROGRAM_VIEW_MAX_AGE=0 nothing is kept.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from courses.models import Program
from pagesession.zones import time_zone_for

from .models import ProgramLead
from .queries import (
    ProgramFacts,
    ProgramReport,
    program_deadline,
    program_facts,
    program_report,
    program_trend,
)

logger = logging.getLogger("ignite.reporting")
PREFIX = "reporting:v1"
KEEP = 3 * 3600  # entries outlive their refresh: a stopped worker leaves pages working


def _max_age() -> int:
    return int(getattr(settings, "IGNITE_PROGRAM_VIEW_MAX_AGE", 600))


def _facts_key(platform_id: int, program_id: int) -> str:
    return f"{PREFIX}:facts:{platform_id}:{program_id}"


def _stamp_key(platform_id: int, program_id: int) -> str:
    """When the cached facts were read: a small entry, so a page finds its report without
    loading the facts (a few megabytes at district scale)."""
    return f"{PREFIX}:stamp:{platform_id}:{program_id}"


def _report_key(platform_id, program_id, stamp, deadline, school: str, waiting_days) -> str:
    school_hash = hashlib.sha256(school.encode()).hexdigest()[:16]
    return (
        f"{PREFIX}:report:{platform_id}:{program_id}:{stamp.timestamp()}:"
        f"{deadline[0]}:{deadline[1]}:{school_hash}:{waiting_days}"
    )


def facts_fresh(*, platform_id: int, program, refresh: bool = False) -> ProgramFacts:
    """The program's facts from the cache when younger than the max age, else read now."""
    max_age = _max_age()
    key = _facts_key(platform_id, program.pk)
    if max_age and not refresh:
        cached = cache.get(key)
        if cached is not None and timezone.now() - cached.now < timedelta(seconds=max_age):
            return cached
    facts = program_facts(platform_id=platform_id, program=program)
    if max_age:
        cache.set(key, facts, KEEP)
        cache.set(_stamp_key(platform_id, program.pk), facts.now, KEEP)
    return facts


def report_cached(
    *, platform_id: int, program, school: str = "", waiting_days: int = 7, with_trend=True
) -> ProgramReport:
    """The program view's report, as fresh as IGNITE_PROGRAM_VIEW_MAX_AGE allows."""
    deadline = program_deadline(platform_id=platform_id, program=program)
    max_age = _max_age()
    report = None
    stamp = cache.get(_stamp_key(platform_id, program.pk)) if max_age else None
    if stamp is not None and timezone.now() - stamp < timedelta(seconds=max_age):
        key = _report_key(platform_id, program.pk, stamp, deadline, school, waiting_days)
        report = cache.get(key)
    if report is None:
        facts = facts_fresh(platform_id=platform_id, program=program)
        report = program_report(
            platform_id=platform_id,
            program=program,
            school=school,
            waiting_days=waiting_days,
            facts=facts,
            deadline=deadline,
            with_trend=False,
        )
        if max_age:  # each school's view too, until the facts are read again
            key = _report_key(platform_id, program.pk, facts.now, deadline, school, waiting_days)
            cache.set(key, report, KEEP)
    if with_trend:
        # Snapshots change once a day and cost one small query: always read.
        report.trend = program_trend(platform_id=platform_id, program=program, now=report.now)
    report.program = program
    return report


def _led_pairs() -> list[tuple[int, int]]:
    """Every (platform, program) a lead sees."""
    return sorted(
        set(ProgramLead.programs.through.objects.values_list("programlead__platform_id", "program"))
    )


def _stale(stamp, max_age: int) -> bool:
    return stamp is None or timezone.now() - stamp >= timedelta(seconds=max_age * 0.8)


def rollups_due() -> bool:
    """Whether some led program's figures are due to be read again (one query, one cache read):
    the worker's heartbeat asks this before it queues a refresh (reporting/tasks.py)."""
    max_age = _max_age()
    if not max_age:
        return False
    keys = [_stamp_key(platform_id, program_id) for platform_id, program_id in _led_pairs()]
    stamps = cache.get_many(keys)
    return any(_stale(stamps.get(key), max_age) for key in keys)


def rollups_refresh(*, waiting_days: int = 7) -> int:
    """Read again every led program whose facts are older than the max age (the worker's
    refresh task)."""
    max_age = _max_age()
    if not max_age:
        return 0
    done = 0
    for platform_id, program_id in _led_pairs():
        if not _stale(cache.get(_stamp_key(platform_id, program_id)), max_age):
            continue
        # One worker refreshes a program at a time.
        claim = f"{PREFIX}:claim:{platform_id}:{program_id}"
        if not cache.add(claim, 1, 300):
            continue
        try:
            program = Program.objects.get(pk=program_id)
            # Weeks, days and "this week" in the platform's zone, as its pages show them.
            with timezone.override(time_zone_for(platform_id)):
                facts = facts_fresh(platform_id=platform_id, program=program, refresh=True)
                deadline = program_deadline(platform_id=platform_id, program=program)
                report = program_report(
                    platform_id=platform_id, program=program, waiting_days=waiting_days,
                    facts=facts, deadline=deadline, with_trend=False,
                )  # fmt: skip
            key = _report_key(platform_id, program_id, facts.now, deadline, "", waiting_days)
            cache.set(key, report, KEEP)
            done += 1
        finally:
            cache.delete(claim)
    return done
