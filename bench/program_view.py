#!/usr/bin/env python
"""The program view and a trainer dashboard at district scale, on PostgreSQL.

Times, in-process through Django's test client (no network, no server, one process), the
program lead's view `/app/program/<slug>/`, its largest CSV export, and one cohort's trainer
dashboard `/app/trainer/`, each with a browser-bound launch token as a real launch would carry,
and counts each page's SQL statements. Exits 1 when a target is missed:
program view p95 < 300 ms, trainer dashboard p95 < 150 ms.

The data set comes from `manage.py demo_program` (6,000 teachers, 210 cohorts, 12 modules by
default); `--build` makes it first in a fresh database. Run by hand from the repository root:

    createdb -h 127.0.0.1 -U postgres reporting     # once
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/reporting \\
    REDIS_URL=redis://127.0.0.1:6379/11 \\
        .venv/bin/python bench/program_view.py --build --teachers 6000 --cohorts 210 --modules 12
"""

from __future__ import annotations

import argparse
import os
import platform as pyplatform
import secrets
import sys
import time
from contextlib import nullcontext
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TARGETS = {"program view": 300.0, "trainer dashboard": 150.0}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", action="store_true", help="migrate and run demo_program first")
    parser.add_argument("--teachers", type=int, default=6000)
    parser.add_argument("--cohorts", type=int, default=210)
    parser.add_argument("--modules", type=int, default=12)
    parser.add_argument("--requests", type=int, default=40, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=3)
    return parser.parse_args()


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> int:
    args = parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("FAIL: set DATABASE_URL to a PostgreSQL database (the targets are for PostgreSQL)")
        return 1
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(40))
    os.environ.setdefault("IGNITE_KEY_ENCRYPTION_SECRET", secrets.token_urlsafe(40))
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.utils import timezone

    from courses.models import Cohort, Membership, Participant, Role
    from lti_tool.models import LtiContext, LtiUser, Platform
    from pagesession.binding import BIND_COOKIE, binding_hash
    from pagesession.launch_token import LaunchClaims
    from reporting.models import ProgramLead

    # Production settings serve hashed static files: the manifest must exist (STATIC_ROOT,
    # git-ignored), as bench/launch.py does.
    call_command("collectstatic", "--noinput", verbosity=0)
    if args.build:
        call_command("migrate", verbosity=0)
        from devplatform.demo_program import demo_deadline, demo_program_build
        from reporting.leads import lead_add
        from reporting.models import ProgramPlan
        from reporting.snapshots import snapshots_take

        started = time.monotonic()
        report = demo_program_build(
            teachers=args.teachers, cohorts=args.cohorts, modules=args.modules
        )
        ProgramPlan.objects.update_or_create(
            program=report.program, defaults={"deadline": demo_deadline(timezone.now())}
        )
        lead_add(platform_id=report.platform.pk, email="lead@district.example",
                 programs=[report.program.slug])  # fmt: skip
        snapshots_take()
        print(f"built {report.rows} rows in {time.monotonic() - started:.0f} s")

    lead = ProgramLead.objects.filter(email="lead@district.example").first()
    if lead is None:
        print("FAIL: no demo program here: run with --build (or manage.py demo_program)")
        return 1
    program = lead.programs.first()
    platform = Platform.objects.get(pk=lead.platform_id)
    deployment = platform.deployments.first()
    # The lead's own launch: a person with the lead's email in a course of the platform.
    home = LtiContext.objects.filter(deployment=deployment, context_id="bench-lead-home").first()
    if home is None:
        cohort = Cohort.objects.create(title="Program office")
        home = LtiContext.objects.create(
            deployment=deployment, context_id="bench-lead-home", cohort=cohort
        )
        person = Participant.objects.create(name="Dana Lead", email="lead@district.example")
        LtiUser.objects.create(platform=platform, sub="bench-lead", participant=person)
        Membership.objects.create(participant=person, cohort=cohort, role=Role.TEACHER)
    lead_person = LtiUser.objects.get(platform=platform, sub="bench-lead").participant
    teachers = Membership.objects.filter(
        cohort__lti_context__deployment=deployment, role=Role.TEACHER
    ).count()
    cohorts = Cohort.objects.filter(lti_context__deployment=deployment).count() - 1
    # A trainer of a typical cohort (the median by size).
    sizes = list(
        Membership.objects.filter(cohort__lti_context__deployment=deployment, role=Role.TEACHER)
        .values("cohort_id")
        .order_by()
        .annotate(n=django.db.models.Count("pk"))
        .order_by("n")
        .values_list("cohort_id", "n")
    )
    cohort_id, cohort_size = sizes[len(sizes) // 2]
    trainer = Membership.objects.filter(cohort_id=cohort_id, role=Role.TRAINER).first()

    def client_for(participant_id: int, cohort_id: int, role: str) -> tuple[Client, str]:
        value = secrets.token_urlsafe(32)
        claims = LaunchClaims(
            platform_id=platform.pk, deployment_id=deployment.pk, participant_id=participant_id,
            cohort_id=cohort_id, placement_id=None, role=role, binding=binding_hash(value),
        )  # fmt: skip
        client = Client()
        client.cookies[BIND_COOKIE] = value
        return client, claims.to_token()

    lead_client, lead_token = client_for(lead_person.pk, home.cohort_id, Role.TEACHER)
    trainer_client, trainer_token = client_for(trainer.participant_id, cohort_id, Role.TRAINER)
    school = (
        Participant.objects.filter(lti_user__platform=platform).exclude(school="")
        .values_list("school", flat=True).order_by("school").first()
    )  # fmt: skip
    base = f"/app/program/{program.slug}/"
    # What a lead sees: the worker has computed the figures ahead (reporting/rollups.py).
    from reporting.rollups import rollups_refresh

    started = time.monotonic()
    refreshed = rollups_refresh()
    print(f"worker refresh: {refreshed} program(s) in {(time.monotonic() - started) * 1000:.0f} ms")
    pages = [
        ("program view", lead_client, base, lead_token, {}),
        ("program view, one school", lead_client, base, lead_token, {"school": school}),
        ("program CSV (cohorts)", lead_client, base + "export/cohorts.csv", lead_token, {}),
        ("program view, cold", lead_client, base, lead_token, {"cold": True}),
        ("trainer dashboard", trainer_client, "/app/trainer/", trainer_token, {}),
    ]
    print(
        f"{teachers} teachers, {cohorts} cohorts, {program.modules.count()} modules "
        f"(program {program.slug}); the dashboard's cohort has {cohort_size} teachers"
    )
    # "cpu": this process's CPU per request (Python: view, template; not PostgreSQL's), the
    # steadier figure on a shared machine, where wall-clock times move with other jobs.
    print(f"{'page':<26} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'SQL':>5} {'cpu p50':>8}")
    failures = []
    results = {}
    for label, client, url, token, extra in pages:
        cold = extra.pop("cold", False)
        query = {"lt": token, **extra}
        # "cold": no worker, nothing cached: every request reads and sums the whole program.
        context = override_settings(IGNITE_PROGRAM_VIEW_MAX_AGE=0) if cold else nullcontext()
        requests = max(5, args.requests // 4) if cold else args.requests
        with context:
            for _ in range(args.warmup):
                assert client.get(url, query).status_code == 200, url
            samples, cpu = [], []
            for _ in range(requests):
                start, start_cpu = time.perf_counter(), time.process_time()
                response = client.get(url, query)
                samples.append((time.perf_counter() - start) * 1000)
                cpu.append((time.process_time() - start_cpu) * 1000)
                if response.status_code != 200:
                    failures.append(f"{label}: status {response.status_code}")
                    break
            with CaptureQueriesContext(connection) as queries:
                client.get(url, query)
        sql = sum(1 for q in queries.captured_queries if "ignite_cache" not in q["sql"])
        results[label] = (pct(samples, 50), pct(samples, 95), max(samples), sql)
        print(f"{label:<26} {results[label][0]:8.1f} {results[label][1]:8.1f} "
              f"{results[label][2]:8.1f} {sql:5d} {pct(cpu, 50):8.1f}")  # fmt: skip
        target = TARGETS.get(label)
        if target is not None and results[label][1] >= target:
            failures.append(f"{label}: p95 {results[label][1]:.0f} ms, target < {target:.0f} ms")
    with connection.cursor() as cursor:
        cursor.execute("select version()")
        version = cursor.fetchone()[0].split(",")[0]
    print(
        f"\n{pyplatform.processor() or pyplatform.machine()}, {os.cpu_count()} CPUs "
        f"(shared), load {os.getloadavg()[0]:.2f}; {version}; cache "
        f"{'Redis' if os.environ.get('REDIS_URL') else 'database'}; Python "
        f"{pyplatform.python_version()}; {args.requests} requests per page, in-process"
    )
    print("command: " + " ".join([".venv/bin/python", "bench/program_view.py", *sys.argv[1:]]))
    for failure in failures:
        print("FAIL: " + failure)
    if not failures:
        print("PASS")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
