"""Build a program at district scale in the development database (see devplatform/demo_program)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from devplatform.demo_program import demo_deadline, demo_program_build
from reporting.leads import lead_add
from reporting.models import ProgramPlan
from reporting.snapshots import snapshots_take


class Command(BaseCommand):
    help = (
        "Build a realistic program (courses, trainers, teachers across schools, lessons, "
        "attempts, evidence, credentials) for the program view: "
        "demo_program --teachers 6000 --cohorts 210 --modules 12 [--lead EMAIL]."
    )

    def add_arguments(self, parser):
        parser.add_argument("--teachers", type=int, default=6000)
        parser.add_argument("--cohorts", type=int, default=210)
        parser.add_argument("--modules", type=int, default=12)
        parser.add_argument("--platform", default="district", help="demo platform short name")
        parser.add_argument("--program", default="district-plan", help="program slug")
        parser.add_argument("--lead", default="lead@district.example", help="a lead's email")
        parser.add_argument("--seed", type=int, default=17)

    def handle(self, *args, **opts):
        if not (1 <= opts["cohorts"] <= 5000 and opts["cohorts"] <= opts["teachers"] <= 200_000):
            raise CommandError("need 1..5000 cohorts and at least one teacher per cohort")
        if not 1 <= opts["modules"] <= 50:
            raise CommandError("--modules must be 1..50")
        started = time.monotonic()
        report = demo_program_build(
            teachers=opts["teachers"],
            cohorts=opts["cohorts"],
            modules=opts["modules"],
            platform_name=opts["platform"],
            program_slug=opts["program"],
            seed=opts["seed"],
        )
        ProgramPlan.objects.update_or_create(
            program=report.program,
            defaults={"deadline": demo_deadline(timezone.now()), "reminders": False},
        )
        if opts["lead"]:
            lead_add(
                platform_id=report.platform.pk, email=opts["lead"], programs=[report.program.slug]
            )
        snapshots_take()
        self.stdout.write(
            f"{report.teachers} teachers in {report.cohorts} cohorts, {report.modules} modules "
            f"on platform {report.platform.pk} ({report.platform}); program "
            f"{report.program.slug}; {report.rows} rows in {time.monotonic() - started:.0f} s"
        )
