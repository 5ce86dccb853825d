"""Reminders about a program's deadline, by email through notifications/ (contract A).

Off unless the program's pack turns them on (`reminders: true` in program.yaml) and the program
has a deadline. The worker runs `reminders_produce` every few minutes; each email's key makes a
repeat a no-op, and a cache flag keeps the producer from reading the program again the same day
once it has run:

- trainers: a weekly digest item per cohort (teachers behind pace, evidence waiting), key
  `<program>-<cohort>-<ISO week>`;
- teachers behind pace: one reminder 14 days before the deadline and one 7 days before, keys
  `<program>-<deadline>-14d` and `-7d` (a teacher no longer behind gets none);
- leads: a weekly summary of each program they lead, key `<program>-<platform>-<ISO week>`.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from courses.models import Participant
from notifications.services import TEACHER, TRAINER, Kind, kind_register, notify, producer_register
from pagesession.zones import time_zone_for

from .models import ProgramLead, ProgramPlan
from .queries import program_deadline, program_report
from .tenancy import participants_by_sub, platform_cohorts, platform_ids

logger = logging.getLogger("ignite.reporting")

TRAINER_WEEKLY = "reporting.trainer_weekly"
DEADLINE_REMINDER = "reporting.deadline_reminder"
LEAD_WEEKLY = "reporting.lead_weekly"
KINDS = [
    Kind(TRAINER_WEEKLY, "Weekly digest: your teachers behind pace and evidence waiting", TRAINER),
    Kind(DEADLINE_REMINDER, "Reminders two weeks and one week before a program deadline", TEACHER),
    Kind(LEAD_WEEKLY, "Weekly summary of the programs you lead", TRAINER),
]
DONE = "reporting:reminders:{platform}:{program}:{day}"


def reminders_register() -> None:
    for kind in KINDS:
        kind_register(kind)
    producer_register("reporting.reminders", reminders_produce)


def reminders_produce(*, now: datetime) -> int:
    """Queue what is due for every program that turned reminders on. Returns how many."""
    plans = list(ProgramPlan.objects.filter(reminders=True).select_related("program"))
    queued = 0
    if not plans:
        return 0
    for platform_id in platform_ids():
        for plan in plans:
            flag = DONE.format(
                platform=platform_id, program=plan.program_id, day=timezone.localdate(now)
            )
            if cache.get(flag):
                continue
            # Days before the deadline and ISO weeks count in the platform's zone.
            with transaction.atomic(), timezone.override(time_zone_for(platform_id)):
                queued += _program(platform_id=platform_id, program=plan.program, now=now)
            cache.set(flag, 1, 26 * 3600)
    return queued


def _week(now: datetime) -> str:
    year, week, _day = timezone.localdate(now).isocalendar()
    return f"{year}-W{week:02d}"


def _program(*, platform_id: int, program, now: datetime) -> int:
    deadline, _source = program_deadline(platform_id=platform_id, program=program)
    if deadline is None:
        return 0
    report = program_report(platform_id=platform_id, program=program, now=now, with_trend=False)
    if not report.pairs.enrolled:
        return 0
    queued = 0
    week = _week(now)
    due = f"{deadline:%B} {deadline.day}, {deadline.year}"
    behind_ids = {t.participant_id for t in report.behind}
    people = {
        p.pk: p
        for p in Participant.objects.filter(
            pk__in=behind_ids | {int(r.key) for r in report.trainers}
        )
    }

    # Teachers behind pace, two weeks and one week before the deadline.
    days_left = (deadline - timezone.localdate(now)).days
    window = "7d" if 0 <= days_left <= 7 else "14d" if 7 < days_left <= 14 else ""
    if window:
        for teacher in report.behind:
            person = people.get(teacher.participant_id)
            if person is None:
                continue
            queued += notify(
                participant=person,
                kind=DEADLINE_REMINDER,
                key=f"{program.slug}-{deadline.isoformat()}-{window}",
                subject=f"{program.title}: {days_left} days to the deadline",
                body=(
                    f"The deadline for {program.title} is {due}. You have mastered "
                    f"{teacher.mastered} of your {teacher.enrolled} modules so far: open Ignite "
                    "from your course to pick up where you left off."
                ),
                url="/app/",
            )

    # Trainers: a weekly digest item per cohort with someone behind or evidence waiting.
    behind_by_cohort: dict[str, list[str]] = {}
    for teacher in report.behind:
        for title in teacher.cohorts:
            behind_by_cohort.setdefault(title, []).append(teacher.name)
    for trainer in report.trainers:
        person = people.get(int(trainer.key))
        if person is None:
            continue
        for cohort in (c for c in report.cohorts if c.cohort_id in trainer.cohorts):
            names = sorted(behind_by_cohort.get(cohort.label, []))
            if not names and not cohort.waiting:
                continue
            lines = []
            if names:
                shown = ", ".join(names[:15]) + (
                    f" and {len(names) - 15} more" if len(names) > 15 else ""
                )
                lines.append(f"{len(names)} teacher(s) behind the pace to {due}: {shown}.")
            if cohort.waiting:
                lines.append(f"{cohort.waiting} evidence submission(s) waiting for your review.")
            queued += notify(
                participant=person,
                kind=TRAINER_WEEKLY,
                key=f"{program.slug}-{cohort.cohort_id}-{week}",
                subject=f"{cohort.label}: this week in {program.title}",
                body="\n".join(lines)
                + "\nOpen the trainer dashboard from your course to follow up.",
                url="/app/trainer/",
                digest=True,
            )

    # Leads: a weekly summary.
    leads = ProgramLead.objects.filter(platform_id=platform_id, programs=program)
    for lead in leads:
        match = (
            Participant.objects.filter(
                memberships__cohort__in=platform_cohorts(platform_id), email__iexact=lead.email
            )
            if lead.email
            else participants_by_sub(platform_id, lead.sub)
        )
        person = match.filter(~Q(email="")).distinct().first()
        if person is None:
            continue
        pace = (
            f"the pace line asks for {report.expected}%"
            if report.expected is not None
            else "no pace line yet"
        )
        queued += notify(
            participant=person,
            kind=LEAD_WEEKLY,
            key=f"{program.slug}-{platform_id}-{week}",
            subject=f"{program.title}: {report.pairs.progress}% mastered, deadline {due}",
            body=(
                f"{report.funnel.enrolled} teachers in {len(report.cohorts)} courses. "
                f"{report.pairs.progress}% of module enrolments are mastered ({pace}). "
                f"{len(report.behind)} teacher(s) behind pace, {len(report.waiting_cohorts)} "
                f"course(s) with evidence waiting more than {report.waiting_days} days, "
                f"{len(report.idle_trainers)} trainer(s) with no activity this week.\n"
                "Open the program view from any Ignite page in your LMS."
            ),
            url="/app/program/",
        )
    return queued
