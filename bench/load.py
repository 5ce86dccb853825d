#!/usr/bin/env python
"""Load: N simulated teachers launch, read a lesson, mark it complete and take a mastery check,
over and over for a fixed time, against Ignite under gunicorn; then the grade outbox is drained
to an AGS endpoint on loopback.

Each simulated teacher is a thread playing the browser (cookies, form posts, launch token in
links) with the LMS's signed id_tokens (bench/launch.py's platform). Reported: requests per
second, journeys per second, p50/p95/p99 latency per request kind and overall, and errors (any
unexpected status). After the window the outbox is drained with `manage.py grades deliver` to
tests/lti_tool/ags_server.py and every score is checked against what the gradebook holds.

Run by hand (never in the test suite), from the repository root:

    .venv/bin/python bench/load.py --postgres --redis               # 50 teachers, 60 s
    .venv/bin/python bench/load.py --users 20 --duration 20         # SQLite, shorter
"""

from __future__ import annotations

import argparse
import html
import os
import random
import re
import secrets
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import launch as lb  # noqa: E402  (bench/launch.py: platform, servers, storage)

MODULE = "station-rotation"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"


class LoadPlatform(lb.Platform):
    """bench/launch.py's LMS, whose links open a module and carry an AGS endpoint."""

    lineitems_url = ""

    def id_token(self, *, nonce, target_link_uri, who):
        import jwt

        claims = jwt.decode(
            super().id_token(nonce=nonce, target_link_uri=target_link_uri, who=who),
            options={"verify_signature": False},
        )
        claims[lb.LTI + "custom"] = {"module": MODULE, "mastery_max_attempts": "0"}
        claims[AGS] = {
            "scope": [
                "https://purl.imsglobal.org/spec/lti-ags/scope/score",
                "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
            ],
            "lineitems": self.lineitems_url,
        }
        return jwt.encode(claims, self.private_key, algorithm="RS256", headers={"kid": lb.KID})


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: Counter = Counter()
        self.journeys = 0

    def add(self, kind: str, seconds: float):
        with self.lock:
            self.times[kind].append(seconds)

    def error(self, kind: str):
        with self.lock:
            self.errors[kind] += 1


def ms(values: list[float], p: float) -> float:
    """The p-th percentile of durations in seconds, in milliseconds."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


THINK = 0.0  # seconds a teacher spends between requests (reading), set from --think


def timed(stats: Stats, kind: str, port: int, method: str, path: str, expect: int, **kw):
    if THINK:
        time.sleep(THINK * random.uniform(0.5, 1.5))
    started = time.perf_counter()
    reply = lb.http_call(port, method, path, **kw)
    stats.add(kind, time.perf_counter() - started)
    if reply.status != expect:
        stats.error(f"{kind} {reply.status}")
        raise lb.FlowError(kind, f"{reply.status} {lb._snippet(reply.body)}")
    return reply


def form(port_origin: str, data: dict) -> dict:
    return {
        "body": urlencode(data, doseq=True),
        "headers": {"Content-Type": "application/x-www-form-urlencoded", "Origin": port_origin},
    }


def journey(target, platform, who, stats: Stats, rng: random.Random) -> None:
    port, origin = target.port, target.origin
    params = {
        "iss": lb.ISSUER,
        "login_hint": who.sub,
        "target_link_uri": target.target_link_uri,
        "client_id": lb.CLIENT_ID,
        "lti_deployment_id": lb.DEPLOYMENT_ID,
    }
    login = timed(stats, "login", port, "POST", "/lti/login/", 302, **form(origin, params))
    query = parse_qs(urlsplit(login.headers["Location"]).query)
    token = platform.id_token(
        nonce=query["nonce"][0], target_link_uri=target.target_link_uri, who=who
    )
    launch = timed(
        stats,
        "launch",
        port,
        "POST",
        "/lti/launch/",
        303,
        body=urlencode({"id_token": token, "state": query["state"][0]}),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": lb.cookies_from(login),
        },
    )
    home = timed(stats, "landing", port, "GET", launch.headers["Location"], 302)
    module_url = home.headers["Location"]
    lt = parse_qs(urlsplit(module_url).query)["lt"][0]
    page = timed(stats, "module page", port, "GET", module_url, 200).body.decode()
    lessons = re.findall(r'href="(/app/p/\d+/lessons/[^/"]+/)\?lt=', page)
    lesson = rng.choice(lessons)
    timed(stats, "lesson page", port, "GET", f"{lesson}?lt={lt}", 200)
    timed(
        stats, "mark complete", port, "POST", f"{lesson}complete/", 303, **form(origin, {"lt": lt})
    )
    pid = re.search(r"/app/p/(\d+)/", module_url).group(1)
    start = timed(
        stats,
        "mastery start",
        port,
        "POST",
        f"/app/p/{pid}/mastery/",
        303,
        **form(origin, {"lt": lt}),
    )
    if start.status != 303:
        return
    attempt_url = urlsplit(start.headers["Location"]).path
    check = timed(stats, "mastery page", port, "GET", f"{attempt_url}?lt={lt}", 200).body.decode()
    answers: dict[str, list[str]] = {"lt": [lt]}
    for name, value in re.findall(r'name="(q-[^"]+)" value="([^"]*)"', check):
        answers.setdefault(html.unescape(name), [])
        if not answers[html.unescape(name)] or rng.random() < 0.3:
            answers[html.unescape(name)] = [value]
    for name in re.findall(r'<select name="(q-[^"]+)"', check):
        answers[name] = [str(rng.randint(1, 4))]
    timed(stats, "mastery submit", port, "POST", attempt_url, 303, **form(origin, answers))
    timed(stats, "result page", port, "GET", f"{attempt_url}?lt={lt}", 200)
    with stats.lock:
        stats.journeys += 1


def worker_rss(target) -> list[float]:
    """Resident memory (MB) of each gunicorn worker, from /proc."""
    sizes = []
    for pid in lb.worker_pids(target.proc.pid):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
        if match:
            sizes.append(int(match.group(1)) / 1024)
    return sizes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50, help="concurrent teachers (default 50)")
    parser.add_argument("--duration", type=int, default=60, help="seconds (default 60)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="mean seconds between a teacher's requests (default 1.0; 0 = no pause, a stress test)",
    )
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", action="store_true")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/1")
    args = parser.parse_args()
    args.profile = None
    global THINK
    THINK = max(0.0, args.think)

    root = lb.ROOT
    tmp = Path(tempfile.mkdtemp(prefix="ignite-load-"))
    run_id = secrets.token_hex(4)
    storage = lb.Storage(args, tmp, run_id)
    platform = LoadPlatform()
    from tests.lti_tool.ags_server import AgsServer

    ags = None
    target = None
    try:
        port = lb.free_port()
        target = lb.prepare_ignite(platform, storage, port, root)
        prep = {**target.env, "DEBUG": "1"}
        lb.run_checked(
            [sys.executable, "manage.py", "import_content"],
            cwd=root,
            env=prep,
            what="import_content",
        )
        # Production static files (manifest storage), as a deployment runs collectstatic.
        lb.run_checked(
            [sys.executable, "manage.py", "collectstatic", "--noinput"],
            cwd=root,
            env={**target.env},
            what="collectstatic",
        )
        lb.start_server(target, workers=args.workers, tmp=tmp, profile_dir=None)
        jwks = lb.http_call(port, "GET", "/.well-known/jwks.json")
        import json

        tool_jwks = json.loads(jwks.body)
        ags = AgsServer(lambda: tool_jwks, lb.CLIENT_ID)
        platform.lineitems_url = f"{ags.url}/lineitems"
        # The platform's token endpoint is the AGS server's.
        lb.run_checked(
            [
                sys.executable,
                "manage.py",
                "lti_platform",
                "add",
                "--issuer",
                lb.ISSUER,
                "--client-id",
                lb.CLIENT_ID,
                "--auth-login-url",
                platform.auth_login_url,
                "--auth-token-url",
                f"{ags.url}/token",
                "--keyset-url",
                platform.keyset_url,
                "--deployment-id",
                lb.DEPLOYMENT_ID,
            ],
            cwd=root,
            env=prep,
            what="point the platform's token URL at the AGS server",
        )
        stats = Stats()
        stop = time.monotonic() + args.duration
        people = [
            lb.Person(
                f"teacher-{n}",
                f"Teacher {n} Load",
                "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner",
                f"cohort-{n % 5}",
                f"link-{n % 5}",
            )
            for n in range(args.users)
        ]

        def teacher(who, seed):
            rng = random.Random(seed)
            while time.monotonic() < stop:
                try:
                    journey(target, platform, who, stats, rng)
                except lb.FlowError:
                    pass
                except Exception as exc:  # noqa: BLE001 - a crash is an error to count
                    stats.error(f"client {exc.__class__.__name__}")

        lb.log(
            f"{args.users} teachers for {args.duration} s against gunicorn ({args.workers} workers)"
        )
        started = time.monotonic()
        threads = [threading.Thread(target=teacher, args=(p, i)) for i, p in enumerate(people)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        rss = worker_rss(target)

        lb.log("draining the grade outbox")
        drain_started = time.monotonic()
        lb.run_checked(
            [sys.executable, "manage.py", "grades", "deliver"],
            cwd=root,
            env={**target.env},
            what="grades deliver",
        )
        drain = time.monotonic() - drain_started
        status = lb.run_checked(
            [sys.executable, "manage.py", "grades", "status"],
            cwd=root,
            env={**target.env},
            what="grades status",
        )

        every = [t for values in stats.times.values() for t in values]
        lines = [
            "Load: simulated teachers launch, read, complete a lesson, take a mastery check",
            f"machine : {os.cpu_count()} CPUs; storage: "
            + ("PostgreSQL" if args.postgres else "SQLite")
            + (" + Redis" if args.redis else ""),
            f"load    : {args.users} teachers, {elapsed:.0f} s, gunicorn {args.workers} sync workers, "
            f"think time {THINK:.1f} s",
            f"journeys: {stats.journeys} ({stats.journeys / elapsed:.1f}/s); "
            f"requests: {len(every)} ({len(every) / elapsed:.1f}/s)",
            f"errors  : {sum(stats.errors.values())} {dict(stats.errors) or ''}",
            f"latency : all requests p50 {ms(every, 50):.0f} ms, "
            f"p95 {ms(every, 95):.0f} ms, p99 {ms(every, 99):.0f} ms",
        ]
        for kind, values in stats.times.items():
            lines.append(
                f"  {kind:<15} n={len(values):>6}  p50 {ms(values, 50):6.0f}  "
                f"p95 {ms(values, 95):6.0f}  p99 {ms(values, 99):6.0f} ms"
            )
        if rss:
            lines.append(
                f"memory  : {len(rss)} workers, resident {min(rss):.0f}-{max(rss):.0f} MB each "
                f"(mean {sum(rss) / len(rss):.0f} MB) after the load"
            )
        lines.append(
            f"drain   : {drain:.1f} s; gradebook holds {len(ags.scores)} scores; "
            f"{ags.token_requests} token request(s)"
        )
        lines.append("outbox  : " + " ".join(status.split()[:12]))
        lines.append("command : .venv/bin/python bench/load.py " + " ".join(sys.argv[1:]))
        print("\n".join(lines))
        return 0 if not stats.errors else 1
    finally:
        teardown(target, ags, platform, storage)


def teardown(target, ags, platform, storage) -> None:
    """Stop what a run started: the server, the AGS endpoint, the platform, the databases."""
    if target is not None:
        lb.stop_server(target)
    if ags is not None:
        ags.close()
    platform.close()
    storage.cleanup()


if __name__ == "__main__":
    raise SystemExit(main())
