#!/usr/bin/env python
"""Grade passback throughput: scores delivered per second to an AGS endpoint on loopback, and
how many OAuth token requests that took.

The script builds a fresh database (SQLite in a temp dir, or PostgreSQL with --postgres),
registers a platform whose token and AGS endpoints are a real HTTP server on 127.0.0.1
(tests/lti_tool/ags_server.py: it checks the tool's signed client assertion and bearer tokens
and keeps line items and scores), launches N teachers into M graded links, writes one mastery
score per teacher into the grade outbox, then drains the outbox with W worker threads running
the same code as `manage.py grades worker`. It reports:

- scores/s from the first claim to the last delivery, and per-score latency p50/p95/p99;
- token requests (target: one per platform and scope set per token lifetime), line items
  created (one per link), score POSTs (one per score unless faults force a resend);
- with --faults P: each score POST fails with probability P, drawn per request from a
  generator seeded with --seed (so a run can be repeated, and the share is not exact by
  construction): 500, 503 or 429 with a Retry-After of --retry-after seconds (default 1), or
  cut off without an answer; and every access token is revoked twice during the run (the next
  call gets a 401). Retries wait as they would in production (the outbox's backoff, at least
  the Retry-After), so scores/s includes those waits. The run drains until every score is
  delivered and reports the faults injected, the resends and the token requests it took;
- the gradebook checked against the outbox per (person, line item), and that no older score
  was posted after a newer one.

It runs with DEBUG off (production settings). The exit status is 1, with a FAIL line, when a
score is not delivered, differs from the outbox, or arrived out of order.

Run by hand, from the repository root, with the project's venv:

    .venv/bin/python bench/passback.py                       # 2000 scores, 20 links, 1 worker
    .venv/bin/python bench/passback.py --scores 5000 --workers 4 --postgres
    .venv/bin/python bench/passback.py --faults 0.1
"""

from __future__ import annotations

import argparse
import os
import platform as pyplatform
import random
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scores", type=int, default=2000, help="scores to deliver (default 2000)")
    parser.add_argument("--links", type=int, default=20, help="graded links (default 20)")
    parser.add_argument("--workers", type=int, default=1, help="worker threads (default 1)")
    parser.add_argument("--token-ttl", type=int, default=3600, help="token lifetime, s")
    parser.add_argument(
        "--faults", type=float, default=0.0, help="probability that a score POST fails"
    )
    parser.add_argument("--seed", type=int, default=7, help="seed of the fault draws (7)")
    parser.add_argument(
        "--retry-after", type=int, default=1, help="Retry-After of injected 429/503, s (1)"
    )
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument(
        "--postgres-url", default="postgres://postgres@127.0.0.1:5432", metavar="URL"
    )
    return parser.parse_args()


def configure(args, workdir: Path) -> str:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    # Production settings. The loopback platform's http:// URLs are written straight into the
    # database (no form validation), which is all DEBUG was for.
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", f"bench-only-{uuid.uuid4().hex}")
    os.environ.setdefault("IGNITE_KEY_ENCRYPTION_SECRET", f"bench-only-{uuid.uuid4().hex}")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")
    os.environ["CACHE_KEY_PREFIX"] = f"bench-{uuid.uuid4().hex[:8]}"
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("IGNITE_DEV_PLATFORM", None)
    if args.postgres:
        name = f"ignite_bench_{uuid.uuid4().hex[:8]}"
        import psycopg

        with psycopg.connect(f"{args.postgres_url}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = f"{args.postgres_url}/{name}"
        return name
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    return ""


def drop_postgres(args, name: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{args.postgres_url}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> int:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="ignite-passback-"))
    db_name = configure(args, workdir)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from courses.models import Cohort, Participant, Placement  # reason: after django.setup
    from keys.services import jwks, key_ensure  # reason: after django.setup
    from lti_tool import services_http  # reason: after django.setup
    from lti_tool.models import (  # reason: after django.setup
        Deployment,
        LtiContext,
        LtiResourceLink,
        LtiUser,
        Platform,
    )
    from lti_tool.passback import grades_drain, next_due_at  # reason: after django.setup
    from mastery.grades import grade_record_create  # reason: after django.setup
    from mastery.models import GradeRecord  # reason: after django.setup
    from tests.lti_tool.ags_server import AgsServer

    try:
        call_command("migrate", verbosity=0)
        call_command("createcachetable", verbosity=0)
        key_ensure()
        snapshot = jwks()
        server = AgsServer(lambda: snapshot, "bench-client")
        server.token_ttl = args.token_ttl
        platform = Platform.objects.create(
            name="Bench LMS",
            issuer="https://lms.bench.example",
            client_id="bench-client",
            auth_login_url="https://lms.bench.example/auth",
            auth_token_url=f"{server.url}/token",
            keyset_url="https://lms.bench.example/jwks",
        )
        deployment = Deployment.objects.create(platform=platform, deployment_id="bench-1")
        context = LtiContext.objects.create(
            deployment=deployment, context_id="course", cohort=Cohort.objects.create(title="B")
        )
        links = []
        for n in range(args.links):
            placement = Placement.objects.create(cohort=context.cohort, module_slug=f"m-{n}")
            links.append(
                LtiResourceLink.objects.create(
                    context=context,
                    resource_link_id=f"link-{n}",
                    placement=placement,
                    lineitems_url=f"{server.url}/lineitems",
                )
            )
        print(f"writing {args.scores} scores for {args.links} links ...", file=sys.stderr)
        for n in range(args.scores):
            participant = Participant.objects.create(name=f"Teacher {n}")
            LtiUser.objects.create(platform=platform, sub=f"user-{n}", participant=participant)
            grade_record_create(
                participant=participant,
                placement=links[n % args.links].placement,
                score_given=random.randint(0, 100),
                score_maximum=100,
                comment="bench",
            )
        connection.close()

        if args.faults:
            server.fault_rng = random.Random(args.seed)
            server.random_faults["scores"] = (
                args.faults,
                [500, (503, args.retry_after), (429, args.retry_after), "drop"],
            )
            # And the platform forgets every token it issued, twice during the run (a 401 each).
            expiries = [args.scores // 3, 2 * args.scores // 3]
        else:
            expiries = []

        token_requests_before = services_http.counters.token_requests
        stop = threading.Event()
        rounds = [0]

        def worker():
            try:
                while not stop.is_set():
                    done = GradeRecord.objects.filter(status=GradeRecord.Status.DELIVERED).count()
                    while expiries and done >= expiries[0]:
                        expiries.pop(0)
                        server.expire_all_tokens()
                    counts = grades_drain(limit=100)
                    if not counts:
                        due = GradeRecord.objects.exclude(
                            status__in=[
                                GradeRecord.Status.DELIVERED,
                                GradeRecord.Status.SUPERSEDED,
                            ]
                        ).exists()
                        if not due:
                            return
                        # Retries wait for their backoff and Retry-After, as the worker does.
                        at = next_due_at()
                        wait = (at - timezone.now()).total_seconds() if at else 0.2
                        time.sleep(min(max(wait, 0.02), 1.0))
                        rounds[0] += 1
            finally:
                connection.close()

        started = time.perf_counter()
        threads = [threading.Thread(target=worker) for _ in range(args.workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=600)
        stop.set()
        elapsed = time.perf_counter() - started

        delivered = list(
            GradeRecord.objects.filter(status=GradeRecord.Status.DELIVERED).values_list(
                "last_attempt_at", "delivered_at", "attempts"
            )
        )
        latencies = [(d - c).total_seconds() * 1000 for c, d, _ in delivered]
        retries = sum(a - 1 for _, _, a in delivered if a > 1)
        failed = GradeRecord.objects.filter(status=GradeRecord.Status.FAILED).count()
        token_requests = services_http.counters.token_requests - token_requests_before
        # What the gradebook holds must be exactly what the outbox says, per (person, line item).
        import contextlib
        import io
        import json

        import load  # bench/load.py: the outbox snapshot and the gradebook check

        snapshot_out = io.StringIO()
        with contextlib.redirect_stdout(snapshot_out):
            exec(load.OUTBOX, {})  # noqa: S102 - the bench's own snippet, run in this process
        outbox = json.loads(snapshot_out.getvalue())
        book = load.gradebook_check(server, outbox)
        failures = []
        if len(delivered) != args.scores:
            failures.append(f"{args.scores - len(delivered)} scores not delivered")
        if book["problems"]:
            failures.append(
                f"gradebook differs from the outbox in {len(book['problems'])} places, e.g. "
                + "; ".join(book["problems"][:3])
            )
        if book["out_of_order"]:
            failures.append(f"older score posted after a newer one for {book['out_of_order'][:3]}")
        engine = "PostgreSQL" if args.postgres else "SQLite (WAL)"
        print(
            "\n".join(
                [
                    "Grade passback: outbox -> AGS on loopback",
                    f"machine : {os.cpu_count()} CPUs, {pyplatform.platform()}, "
                    f"Python {pyplatform.python_version()}, {engine}",
                    f"load    : {args.scores} scores, {args.links} links, {args.workers} worker "
                    f"thread(s), each score POST failing with probability {args.faults:g}",
                    f"delivered       : {len(delivered)} of {args.scores} "
                    f"({failed} failed) in {elapsed:.2f} s",
                    f"throughput      : {len(delivered) / elapsed:.1f} scores/s",
                    f"latency (ms)    : p50 {pct(latencies, 50):.0f}  p95 "
                    f"{pct(latencies, 95):.0f}  p99 {pct(latencies, 99):.0f} "
                    "(one delivery: claim to confirmed)",
                    f"token requests  : {token_requests} by the tool, "
                    f"{server.token_requests} seen by the platform",
                    f"line items      : {len(server.line_items)} created for {args.links} links",
                    f"gradebook check : {book['held']} scores held for {book['expected']} "
                    f"(person, line item) pairs, {len(book['problems'])} differ from the "
                    f"outbox, {len(book['out_of_order'])} out of order",
                    f"faults injected : {server.faults_injected or 'none'} "
                    f"(p={args.faults:g}, seed {args.seed}, Retry-After {args.retry_after} s)",
                    f"score POSTs     : {len(server.score_posts)} ({retries} resends after faults)",
                    "command : "
                    + " ".join([".venv/bin/python", "bench/passback.py", *sys.argv[1:]]),
                ]
            )
        )
        print("\n".join(f"FAIL: {f}" for f in failures) or "PASS")
        server.close()
        return 1 if failures else 0
    finally:
        if db_name:
            drop_postgres(args, db_name)


if __name__ == "__main__":
    raise SystemExit(main())
