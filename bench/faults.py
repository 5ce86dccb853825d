#!/usr/bin/env python
"""Fault drill: teachers keep working while a web worker is killed, the database restarts and
the LMS fails; then the grade worker is killed in the middle of delivery while the LMS is slow,
down, and throttling. At the end every score must be in the LMS gradebook, the newest one,
never replaced by an older or lower one.

Run by hand (it restarts the local PostgreSQL server when asked; never in the test suite):

    .venv/bin/python bench/faults.py --postgres --redis --restart-db
    .venv/bin/python bench/faults.py                        # SQLite, no database restart

The grade worker runs during the teacher traffic, as in production, so each teacher's scores
are posted one after another. Figures: requests during the faults and how they were answered,
event times as measured, the outbox, and the gradebook checked against the outbox per (person,
line item): value, maximum and time of the newest score, nothing extra, and no older score
posted after a newer one. The exit status is 1 with a FAIL line when any of that is false: a
5xx other than 503, a 503 without Retry-After, any request without an answer other than the
one a killed worker was serving, a score missing, wrong, extra, undelivered or out of order,
or no teacher with two scores (the order check would have had nothing to check).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import launch as lb  # noqa: E402
import load  # noqa: E402


def manage(root: Path, env: dict, *args: str, timeout: int = 300) -> str:
    return lb.run_checked(
        [sys.executable, "manage.py", *args], cwd=root, env=env, what=" ".join(args)
    )


def restart_postgres() -> float:
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    started = time.monotonic()
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", action="store_true")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/1")
    parser.add_argument("--restart-db", action="store_true", help="restart PostgreSQL mid-run")
    parser.add_argument("--drain-timeout", type=int, default=240)
    args = parser.parse_args()
    args.profile = None
    if args.restart_db and not args.postgres:
        parser.error("--restart-db needs --postgres")
    load.THINK = 0.3

    root = lb.ROOT
    tmp = Path(tempfile.mkdtemp(prefix="ignite-faults-"))
    storage = lb.Storage(args, tmp, secrets.token_hex(4))
    platform = load.LoadPlatform()
    from tests.lti_tool.ags_server import AgsServer

    target = ags = worker = worker_log = None
    events: list[str] = []
    kills: list[float] = []  # when a web worker was killed (time.monotonic())
    try:
        port = lb.free_port()
        target = lb.prepare_ignite(platform, storage, port, root)
        prep = {**target.env, "DEBUG": "1"}
        manage(root, prep, "import_content")
        manage(root, {**target.env}, "collectstatic", "--noinput")
        lb.start_server(target, workers=args.workers, tmp=tmp, profile_dir=None)
        tool_jwks = json.loads(lb.http_call(port, "GET", "/.well-known/jwks.json").body)
        ags = AgsServer(lambda: tool_jwks, lb.CLIENT_ID)
        platform.lineitems_url = f"{ags.url}/lineitems"
        manage(
            root, prep, "lti_platform", "add", "--issuer", lb.ISSUER, "--client-id",
            lb.CLIENT_ID, "--auth-login-url", platform.auth_login_url, "--auth-token-url",
            f"{ags.url}/token", "--keyset-url", platform.keyset_url, "--deployment-id",
            lb.DEPLOYMENT_ID,
        )  # fmt: skip
        worker_env = {"IGNITE_GRADE_LEASE_SECONDS": "5"}
        # The grade worker runs while teachers work, as in production: each teacher's scores
        # are posted one after another, so the order check below has something to check.
        worker, worker_log = load.start_grade_worker(target, tmp, worker_env)
        t0 = time.monotonic()

        def event(text: str) -> None:
            events.append(f"t+{time.monotonic() - t0:5.1f}s: {text}")

        # --- phase 1: teachers work; a worker is killed; the database restarts ------------
        stats = load.Stats()
        stop = t0 + args.duration
        people = [
            lb.Person(f"teacher-{n}", f"Teacher {n} Drill",
                      "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner",
                      f"cohort-{n % 4}", f"link-{n % 4}")
            for n in range(args.users)
        ]  # fmt: skip

        def teacher(who, seed):
            rng = random.Random(seed)
            while time.monotonic() < stop:
                try:
                    load.journey(target, platform, who, stats, rng)
                except lb.FlowError:
                    pass
                except Exception as exc:  # noqa: BLE001 - counted
                    stats.error(f"client {exc.__class__.__name__}")

        threads = [threading.Thread(target=teacher, args=(p, i)) for i, p in enumerate(people)]
        for thread in threads:
            thread.start()
        event("teachers start; grade worker running")
        time.sleep(max(0.0, t0 + args.duration / 3 - time.monotonic()))
        victim = lb.worker_pids(target.proc.pid)[0]
        os.kill(victim, signal.SIGKILL)
        kills.append(time.monotonic())
        event(f"killed web worker {victim} (SIGKILL)")
        if args.restart_db:
            time.sleep(max(0.0, t0 + args.duration / 2 - time.monotonic()))
            event("restarting PostgreSQL")
            took = restart_postgres()
            event(f"PostgreSQL back ({took:.1f} s)")
        # --- while teachers still work: the LMS fails, the grade worker dies ----------------
        time.sleep(max(0.0, t0 + args.duration * 0.6 - time.monotonic()))
        ags.delay = 0.2
        for _ in range(40):
            ags.faults["scores"].append(503)
        for _ in range(10):
            ags.faults["scores"].append((429, 1))
        for _ in range(5):
            ags.faults["scores"].append("drop")
        event("the LMS turns slow (0.2 s), answers 503 x40, 429 (Retry-After: 1) x10, drops x5")
        time.sleep(3)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        event("grade worker killed (SIGKILL) mid-delivery")
        ags.expire_all_tokens()
        event("the LMS revoked every access token")
        time.sleep(1)
        worker, _ = load.start_grade_worker(target, tmp, worker_env)
        event("grade worker restarted")
        for thread in threads:
            thread.join()
        event(f"teachers stop ({stats.journeys} journeys)")
        ags.delay = 0.0
        event("the LMS is fast again")
        outbox, drain = load.outbox_wait(target, args.drain_timeout)
        event(f"outbox settled after {drain:.1f} s")
        load.stop_grade_worker(worker)
        book = load.gradebook_check(ags, outbox)

        # What a teacher may see during the faults: a 503 that says when to try again, and
        # the one request a killed sync worker was serving (no answer, within 2 s of the kill).
        # Anything else is a failure: another 5xx, a 503 without Retry-After, any other
        # unexpected status, or a request with no answer at any other time.
        allowed_cuts = {k: 1 for k in kills}
        failed: dict[str, int] = {}
        tolerated: dict[str, int] = {}
        for at, kind in stats.error_times:
            if kind.endswith("503 with Retry-After"):
                tolerated[kind] = tolerated.get(kind, 0) + 1
                continue
            if "no answer" in kind:
                kill = next((k for k in kills if 0 <= at - k <= 2 and allowed_cuts[k]), None)
                if kill is not None:
                    allowed_cuts[kill] -= 1
                    tolerated[kind] = tolerated.get(kind, 0) + 1
                    continue
            failed[kind] = failed.get(kind, 0) + 1
        every = [t for values in stats.times.values() for t in values]
        failures = []
        if failed:
            failures.append(f"{sum(failed.values())} requests failed: {failed}")
        left = {s: outbox["status"].get(s, 0) for s in ("pending", "sending", "failed")}
        if any(left.values()):
            failures.append(f"outbox not delivered: {left}")
        if book["problems"]:
            failures.append(
                f"gradebook differs from the outbox in {len(book['problems'])} places, e.g. "
                + "; ".join(book["problems"][:3])
            )
        if book["out_of_order"]:
            failures.append(f"older score posted after a newer one for {book['out_of_order'][:3]}")
        lms_faults = dict(ags.faults_injected)
        if not lms_faults:
            failures.append("no LMS fault reached the grade worker: the delivery drill was empty")
        if ags.token_requests < 2:
            failures.append(
                "no token was requested after the LMS revoked them: nothing was delivered after"
            )
        if not book["pairs_with_several_posts"]:
            failures.append(
                "no (person, line item) had two scores posted: the order check had nothing to "
                "check (run longer or with more journeys)"
            )
        lines = [
            "Fault drill",
            "storage : "
            + ("PostgreSQL" if args.postgres else "SQLite")
            + (" + Redis" if args.redis else ""),
            *[f"event   : {e}" for e in events],
            f"load    : {args.users} teachers, {args.duration} s: {stats.journeys} journeys, "
            f"{len(every)} requests answered as expected",
            f"answers : {sum(tolerated.values())} tolerated {tolerated or ''}; "
            f"{sum(failed.values())} failed {failed or ''}",
            f"LMS     : faults served {lms_faults or 'none'}; "
            f"{len(ags.faults['scores'])} queued faults left unserved",
            f"outbox  : {load.outbox_line(outbox['status'])}",
            f"gradebook: {book['held']} scores held for {book['expected']} (person, line item) "
            f"pairs, {len(book['problems'])} differ from the outbox",
            f"posts   : {book['posts']} accepted score posts, {book['pairs_with_several_posts']} "
            f"pairs with several, {len(book['out_of_order'])} with an older score posted after "
            f"a newer one; {ags.token_requests} token requests",
            "command : .venv/bin/python bench/faults.py " + " ".join(sys.argv[1:]),
        ]
        lines += [f"FAIL: {f}" for f in failures] or [
            "PASS: only 503s with Retry-After (and the killed worker's own request) failed; "
            "every score is in the gradebook as the outbox says, none out of order"
        ]
        print("\n".join(lines))
        if failures:
            print(f"worker log: {tmp / 'grade-worker.log'}")
        return 1 if failures else 0
    finally:
        load.stop_grade_worker(worker)
        if worker_log is not None:
            worker_log.close()
        load.teardown(target, ags, platform, storage)


if __name__ == "__main__":
    raise SystemExit(main())
