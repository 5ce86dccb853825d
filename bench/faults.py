#!/usr/bin/env python
"""Fault drill: teachers keep working while a web worker is killed, the database restarts and
the LMS fails; then the grade worker is killed in the middle of delivery while the LMS is slow,
down, and throttling. At the end every score must be in the LMS gradebook, the newest one,
never replaced by an older or lower one.

Run by hand (it restarts the local PostgreSQL server when asked; never in the test suite):

    .venv/bin/python bench/faults.py --postgres --redis --restart-db
    .venv/bin/python bench/faults.py                        # SQLite, no database restart

Figures: requests and errors during the faults (a request cut by a killed worker or a
restarting database is an error the teacher sees; the point is that no data is lost), scores
delivered, resends, token requests, and the gradebook checked against the outbox.
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

CHECK = r"""
import json, django
django.setup()
from mastery.models import GradeRecord, Attempt
from mastery.attempts import counted_attempt
from lti_tool.models import LtiUser
out = {"records": {}, "expected": {}}
for r in GradeRecord.objects.filter(kind="mastery").select_related("participant__lti_user"):
    out["records"].setdefault(r.status, 0)
    out["records"][r.status] += 1
seen = set()
for a in Attempt.objects.filter(status="submitted").select_related("participant__lti_user", "placement"):
    key = (a.participant_id, a.placement_id)
    if key in seen:
        continue
    seen.add(key)
    counted = counted_attempt(a.participant, a.placement)
    out["expected"][a.participant.lti_user.sub] = float(counted.score)
print(json.dumps(out))
"""


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

    target = ags = worker = None
    events: list[str] = []
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

        # --- phase 1: teachers work; a worker is killed; the database restarts ------------
        stats = load.Stats()
        stop = time.monotonic() + args.duration
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
        time.sleep(args.duration / 3)
        victim = lb.worker_pids(target.proc.pid)[0]
        os.kill(victim, signal.SIGKILL)
        events.append(f"t+{args.duration // 3}s: killed web worker {victim} (SIGKILL)")
        if args.restart_db:
            time.sleep(args.duration / 6)
            took = restart_postgres()
            events.append(f"t+{args.duration // 2}s: restarted PostgreSQL ({took:.1f} s)")
        for thread in threads:
            thread.join()

        # --- phase 2: delivery with an LMS that is slow, down, throttling; worker killed ----
        ags.delay = 0.2
        for _ in range(40):
            ags.faults["scores"].append(503)
        for _ in range(10):
            ags.faults["scores"].append((429, 1))
        for _ in range(5):
            ags.faults["scores"].append("drop")
        worker_env = {**target.env, "IGNITE_GRADE_LEASE_SECONDS": "5"}
        worker_log = open(tmp / "grade-worker.log", "w")  # noqa: SIM115 - closed with the run
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "grades", "-v", "0", "worker"],
            cwd=root, env=worker_env, stdout=worker_log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        time.sleep(3)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        events.append("delivery: grade worker killed (SIGKILL) while the LMS was slow and failing")
        ags.expire_all_tokens()
        events.append("delivery: the LMS revoked every access token")
        ags.delay = 0.0
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "grades", "-v", "0", "worker"],
            cwd=root, env=worker_env, stdout=worker_log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + args.drain_timeout
        check_env = {**target.env, "DJANGO_SETTINGS_MODULE": "config.settings"}
        while time.monotonic() < deadline:
            state = json.loads(
                lb.run_checked(
                    [sys.executable, "-c", CHECK], cwd=root, env=check_env, what="outbox check"
                )  # fmt: skip
            )
            waiting = state["records"].get("pending", 0) + state["records"].get("sending", 0)
            if not waiting:
                break
            time.sleep(2)
        worker.terminate()
        worker.wait(timeout=30)

        held = {user: s["scoreGiven"] for (_, user), s in ags.scores.items()}
        expected = state["expected"]
        wrong = {u: (expected[u], held.get(u)) for u in expected if held.get(u) != expected[u]}
        posts_by_user: dict[str, list] = {}
        for post in ags.score_posts:
            posts_by_user.setdefault(post["userId"], []).append(post["timestamp"])
        out_of_order = sum(1 for ts in posts_by_user.values() if ts != sorted(ts))
        every = [t for values in stats.times.values() for t in values]
        lines = [
            "Fault drill",
            "storage : "
            + ("PostgreSQL" if args.postgres else "SQLite")
            + (" + Redis" if args.redis else ""),
            *[f"event   : {e}" for e in events],
            f"load    : {args.users} teachers, {args.duration} s: {stats.journeys} journeys, "
            f"{len(every)} requests, {sum(stats.errors.values())} failed "
            f"{dict(stats.errors) or ''}",
            f"outbox  : {state['records']}",
            f"gradebook: {len(held)} teachers' scores held, {len(expected)} expected, "
            f"{len(wrong)} differ {wrong or ''}",
            f"posts   : {len(ags.score_posts)} accepted score posts, {out_of_order} users with an "
            f"older score posted after a newer one; {ags.token_requests} token requests",
            "command : .venv/bin/python bench/faults.py " + " ".join(sys.argv[1:]),
        ]
        print("\n".join(lines))
        if wrong:
            print(f"worker log: {tmp / 'grade-worker.log'}")
        return 0 if not wrong and not out_of_order else 1
    finally:
        if worker is not None and worker.poll() is None:
            worker.kill()
        load.teardown(target, ags, platform, storage)


if __name__ == "__main__":
    raise SystemExit(main())
