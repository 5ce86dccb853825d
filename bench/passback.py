#!/usr/bin/env python
"""Grade passback throughput: scores delivered per second to an AGS endpoint on loopback, and
how many OAuth token requests that took.

The script builds a fresh database (SQLite in a temp dir, or PostgreSQL with --postgres),
registers a platform whose token and AGS endpoints are a real HTTP server on 127.0.0.1
(tests/lti_tool/ags_server.py, in this process: it checks the tool's signed client assertion
and bearer tokens and keeps line items and scores), launches N teachers into M graded links,
writes one mastery score per teacher into the grade outbox, then drains the outbox with W
worker *processes* (as on W machines) sharing the one database, each running the delivery the
`manage.py grades worker` task runs (lti_tool.passback.grades_drain: batches claimed with
SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL, IGNITE_GRADE_CONCURRENCY sends at once per
platform over one HTTP session). It reports:

- scores/s from the start signal to the last delivery, and per-score latency p50/p95/p99;
- CPU per score: the worker processes (user + system, from getrusage), their PostgreSQL
  backends (from /proc, with --postgres), and the AGS server standing in for the LMS;
- token requests (target: one per platform and scope set per token lifetime, however many
  workers), line items created (one per link), score POSTs;
- exactly once: each score accepted by the LMS exactly once (no score delivered twice or
  never), whatever the number of worker processes;
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
score is not delivered, delivered twice, differs from the outbox or arrived out of order, when
more tokens were requested than one per lifetime (plus one per revocation with --faults), or,
without faults, when throughput is under --target scores/s (default 300).

Run by hand, from the repository root, with the project's venv:

    .venv/bin/python bench/passback.py                       # 2000 scores, 20 links, 1 worker
    .venv/bin/python bench/passback.py --scores 6000 --workers 3 --postgres
    .venv/bin/python bench/passback.py --faults 0.1
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import os
import platform as pyplatform
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "bench"))  # after the project: bench/credentials.py is no app


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scores", type=int, default=2000, help="scores to deliver (default 2000)")
    parser.add_argument("--links", type=int, default=20, help="graded links (default 20)")
    parser.add_argument(
        "--workers", type=int, default=1, help="worker processes sharing the database (1)"
    )
    parser.add_argument(
        "--concurrency", type=int, default=8, help="IGNITE_GRADE_CONCURRENCY of each worker (8)"
    )
    parser.add_argument(
        "--target", type=float, default=300.0, help="scores/s to reach without faults (300)"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
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
    # The loopback LMS speaks http on 127.0.0.1: let exactly that through the outbound guard.
    os.environ["IGNITE_ALLOW_HTTP_PLATFORMS"] = "1"
    os.environ["IGNITE_PRIVATE_PLATFORM_HOSTS"] = "127.0.0.1"
    os.environ["IGNITE_GRADE_CONCURRENCY"] = str(args.concurrency)
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


def proc_cpu(pid: int | None) -> float | None:
    """User + system CPU seconds of a process on this machine, from /proc (None if unknown)."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child() -> int:
    """One worker process (the parent set the environment): wait for "go" on stdin, deliver
    until no score is waiting or being sent, print what it used as one JSON line."""
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from lti_tool import services_http  # reason: after django.setup
    from lti_tool.passback import grades_drain, next_due_at  # reason: after django.setup
    from mastery.models import GradeRecord  # reason: after django.setup

    backend = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
    else:
        connection.ensure_connection()
    print("ready", flush=True)
    sys.stdin.readline()
    backend_before = proc_cpu(backend)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = usage.ru_utime + usage.ru_stime
    open_statuses = [GradeRecord.Status.PENDING, GradeRecord.Status.SENDING]
    counts: dict[str, int] = {}
    while True:
        got = grades_drain(limit=500)
        for status, n in got.items():
            counts[status] = counts.get(status, 0) + n
        if got:
            continue
        if not GradeRecord.objects.filter(status__in=open_statuses).exists():
            break
        # Retries wait for their backoff and Retry-After, and other workers' leases, as the
        # worker's delayed task does.
        at = next_due_at()
        wait = (at - timezone.now()).total_seconds() if at else 0.2
        time.sleep(min(max(wait, 0.01), 1.0))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    backend_after = proc_cpu(backend)
    print(
        json.dumps(
            {
                "counts": counts,
                "cpu": usage.ru_utime + usage.ru_stime - cpu_before,
                "backend_cpu": None
                if backend_before is None or backend_after is None
                else backend_after - backend_before,
                "token_requests": services_http.counters.token_requests,
            }
        ),
        flush=True,
    )
    return 0


def main() -> int:
    args = parse_args()
    if args.child:
        return child()
    workdir = Path(tempfile.mkdtemp(prefix="ignite-passback-"))
    db_name = configure(args, workdir)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Max
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

        # The workers: W processes, started and set up first, then all told to go at once.
        procs = [
            subprocess.Popen(
                [sys.executable, str(Path(__file__).resolve()), "--child"],
                cwd=ROOT,
                env=dict(os.environ),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(args.workers)
        ]
        for proc in procs:
            if proc.stdout.readline().strip() != "ready":
                raise SystemExit("FAIL: a worker process did not start")
        stop = threading.Event()

        def revoker():
            # The platform forgets every token it issued at 1/3 and 2/3 of the run (a 401 each).
            try:
                while expiries and not stop.wait(0.05):
                    done = GradeRecord.objects.filter(status=GradeRecord.Status.DELIVERED).count()
                    while expiries and done >= expiries[0]:
                        expiries.pop(0)
                        server.expire_all_tokens()
            finally:
                connection.close()

        revocations = len(expiries)
        cpu_before = os.times()
        started_at = timezone.now()
        started = time.perf_counter()
        threading.Thread(target=revoker, daemon=True).start()
        for proc in procs:
            proc.stdin.write("go\n")
            proc.stdin.flush()
        reports = []
        for proc in procs:
            out, _ = proc.communicate(timeout=1800)
            lines = out.strip().splitlines()
            if proc.returncode != 0 or not lines:
                raise SystemExit(f"FAIL: a worker process ended with status {proc.returncode}")
            reports.append(json.loads(lines[-1]))
        stop.set()
        wall = time.perf_counter() - started
        cpu_after = os.times()
        server_cpu = (cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)
        last = GradeRecord.objects.aggregate(at=Max("delivered_at"))["at"]
        elapsed = (last - started_at).total_seconds() if last else wall
        worker_cpu = sum(r["cpu"] for r in reports)
        backend_cpu = sum(r["backend_cpu"] for r in reports if r["backend_cpu"] is not None)
        token_requests = sum(r["token_requests"] for r in reports)

        delivered = list(
            GradeRecord.objects.filter(status=GradeRecord.Status.DELIVERED).values_list(
                "last_attempt_at", "delivered_at", "attempts"
            )
        )
        latencies = [(d - c).total_seconds() * 1000 for c, d, _ in delivered]
        retries = sum(a - 1 for _, _, a in delivered if a > 1)
        failed = GradeRecord.objects.filter(status=GradeRecord.Status.FAILED).count()
        # What the gradebook holds must be exactly what the outbox says, per (person, line item).
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
        # Exactly once: each score (line item, person, timestamp) accepted once by the LMS.
        accepted = Counter(
            (item, score["userId"], score["timestamp"]) for item, score in server.score_log
        )
        twice = sum(1 for n in accepted.values() if n > 1)
        never = args.scores - len(accepted)
        if len(server.line_items) != args.links:
            failures.append(
                f"{len(server.line_items)} gradebook columns made for {args.links} links "
                "(one each expected)"
            )
        if twice:
            failures.append(f"{twice} scores delivered more than once")
        if never:
            failures.append(f"{never} scores never reached the LMS")
        lifetimes = math.ceil(elapsed / max(args.token_ttl - services_http.TOKEN_EXPIRY_MARGIN, 1))
        allowed_tokens = lifetimes + revocations
        if server.token_requests > allowed_tokens:
            failures.append(
                f"{server.token_requests} token requests, over {allowed_tokens} (one per token "
                f"lifetime, plus one per revocation)"
            )
        throughput = len(delivered) / elapsed if elapsed > 0 else 0.0
        if not args.faults and throughput < args.target:
            failures.append(
                f"throughput {throughput:.1f} scores/s, under the target of {args.target:g}"
            )
        per_score = 1000 / max(len(delivered), 1)
        engine = "PostgreSQL" if args.postgres else "SQLite (WAL)"
        print(
            "\n".join(
                [
                    "Grade passback: outbox -> AGS on loopback",
                    f"machine : {os.cpu_count()} CPUs, {pyplatform.platform()}, "
                    f"Python {pyplatform.python_version()}, {engine}",
                    f"load    : {args.scores} scores, {args.links} links, {args.workers} worker "
                    f"process(es) x concurrency {args.concurrency}, each score POST failing "
                    f"with probability {args.faults:g}",
                    f"delivered       : {len(delivered)} of {args.scores} "
                    f"({failed} failed) in {elapsed:.2f} s",
                    f"throughput      : {throughput:.1f} scores/s (target {args.target:g}"
                    + (", not checked with faults)" if args.faults else ")"),
                    f"CPU per score   : workers {worker_cpu * per_score:.2f} ms"
                    + (
                        f" + their PostgreSQL backends {backend_cpu * per_score:.2f} ms"
                        if args.postgres
                        else " (SQLite inside them)"
                    )
                    + f"; the LMS stand-in (AGS server, this process) {server_cpu * per_score:.2f} ms",
                    f"exactly once    : {len(accepted)} scores accepted by the LMS, {twice} more "
                    f"than once, {never} never ({args.workers} worker process(es))",
                    f"latency (ms)    : p50 {pct(latencies, 50):.0f}  p95 "
                    f"{pct(latencies, 95):.0f}  p99 {pct(latencies, 99):.0f} "
                    "(one delivery: claim to confirmed)",
                    f"token requests  : {token_requests} by the tool, "
                    f"{server.token_requests} seen by the platform (allowed {allowed_tokens}: "
                    f"{lifetimes} token lifetime(s) of {args.token_ttl} s + {revocations} "
                    "revocation(s))",
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
