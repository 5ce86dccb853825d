#!/usr/bin/env python
"""(A benchmark run by hand, in one file so that it can be copied and run alone: hence its
length.)

Load: N simulated teachers launch, read a lesson, mark it complete and take a mastery check,
over and over for a fixed time, against Ignite under gunicorn, with the grade worker running
beside it as production runs it (`manage.py grades worker`) and delivering to an AGS endpoint
on loopback.

Each simulated teacher is a thread playing the browser (cookies, form posts, launch token in
links) with the LMS's signed id_tokens (bench/launch.py's platform). A thread plays several
people in turn, so that each launch is a person's first launch in more than a minute ("last
opened" is kept to the minute: a relaunch within it writes nothing, which would flatter the
figures). Reported: requests and journeys per second and what limits them, p50/p95/p99 latency
per request kind, errors (any unexpected status, any request that got no answer), the full
outbox status, and every score in the gradebook checked against the outbox: value, maximum,
person, line item and time of the newest score per (person, line item), nothing extra, and no
older score posted after a newer one.

The exit status is 1, with a FAIL line saying why, when any request failed, a score is
missing, wrong or extra in the gradebook, arrived out of order, or is left undelivered.

Run by hand (never in the test suite), from the repository root:

    .venv/bin/python bench/load.py --postgres --redis               # 50 teachers, 60 s
    .venv/bin/python bench/load.py --users 20 --duration 20         # SQLite, shorter
"""

from __future__ import annotations

import argparse
import html
import json
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from datetime import datetime
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
        self.error_times: list[tuple[float, str]] = []  # (time.monotonic(), kind)
        self.unavailable = 0  # 503 answers that carried a valid Retry-After
        self.journeys = 0
        self.think = 0.0  # seconds the clients spent thinking, all threads together

    def add(self, kind: str, seconds: float):
        with self.lock:
            self.times[kind].append(seconds)

    def error(self, kind: str):
        with self.lock:
            self.errors[kind] += 1
            self.error_times.append((time.monotonic(), kind))


def retry_after_valid(value: str | None) -> bool:
    """A Retry-After a browser or client can act on: delay-seconds >= 1, or an HTTP date."""
    if not value:
        return False
    if value.strip().isdigit():
        return int(value) >= 1
    from email.utils import parsedate_to_datetime

    try:
        return parsedate_to_datetime(value) is not None
    except (TypeError, ValueError):
        return False


def ms(values: list[float], p: float) -> float:
    """The p-th percentile of durations in seconds, in milliseconds."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


THINK = 0.0  # seconds a teacher spends between requests (reading), set from --think


def timed(stats: Stats, kind: str, port: int, method: str, path: str, expect: int, **kw):
    if THINK:
        pause = THINK * random.uniform(0.5, 1.5)
        time.sleep(pause)
        with stats.lock:
            stats.think += pause
    started = time.perf_counter()
    try:
        reply = lb.http_call(port, method, path, **kw)
    except (OSError, lb.http.client.HTTPException) as exc:
        stats.error(f"{kind}: no answer ({exc.__class__.__name__})")
        raise lb.FlowError(kind, str(exc)) from None
    stats.add(kind, time.perf_counter() - started)
    if reply.status != expect:
        if reply.status == 503:
            if retry_after_valid(reply.headers.get("Retry-After")):
                with stats.lock:
                    stats.unavailable += 1
                stats.error(f"{kind} 503 with Retry-After")
            else:
                stats.error(f"{kind} 503 WITHOUT a valid Retry-After")
        else:
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
    module_url = launch.headers["Location"]
    if urlsplit(module_url).path == "/app/":  # an Ignite that lands through /app/
        module_url = timed(stats, "landing", port, "GET", module_url, 302).headers["Location"]
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
    for name in re.findall(r'inputmode="decimal"[^>]*name="(q-[^"]+)"', check):
        answers[html.unescape(name)] = [str(rng.randint(0, 100))]
    # A question left unanswered asks "submit anyway?" (issue 13); a teacher who means it says so.
    answers["confirm"] = ["unanswered"]
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


# Run with Ignite's settings (`python -c`): the outbox's status counts, and per (person,
# placement, kind) the newest score with the line item it belongs to.
OUTBOX = r"""
import json, django
django.setup()
from django.db.models import Count
from lti_tool.models import LtiLineItem, LtiResourceLink
from mastery.models import GradeRecord
status = dict(GradeRecord.objects.values_list("status").annotate(n=Count("id")))
links = {link.placement_id: link for link in LtiResourceLink.objects.all()}
items = {(i.resource_link_id, i.tag): i.url for i in LtiLineItem.objects.all()}
newest = {}
for r in GradeRecord.objects.select_related("participant__lti_user").order_by("timestamp", "pk"):
    newest[(r.participant_id, r.placement_id, r.kind)] = r
expected = []
for r in newest.values():
    link = links.get(r.placement_id)
    url = None
    if link is not None:
        url = link.lineitem_url if r.kind == "mastery" and link.lineitem_url else items.get((link.pk, r.kind))
    given = None if r.score_given is None else float(min(r.score_given, r.score_maximum))
    expected.append({
        "user": r.participant.lti_user.sub, "lineitem": url, "kind": r.kind, "score": given,
        "max": float(r.score_maximum), "status": r.status,
        "timestamp": r.timestamp.isoformat(timespec="milliseconds"),
    })
print(json.dumps({"status": status, "expected": expected}))
"""

WAITING = ("pending", "sending")


def outbox_read(target) -> dict:
    return json.loads(
        lb.run_checked(
            [sys.executable, "-c", OUTBOX],
            cwd=target.cwd,
            env={**target.env, "DJANGO_SETTINGS_MODULE": "config.settings"},
            what="reading the outbox",
        )
    )


def outbox_wait(target, timeout: float) -> tuple[dict, float]:
    """Poll until nothing is pending or being sent (or the timeout); the outbox and the wait."""
    started = time.monotonic()
    while True:
        state = outbox_read(target)
        if not any(state["status"].get(s, 0) for s in WAITING):
            return state, time.monotonic() - started
        if time.monotonic() - started > timeout:
            return state, time.monotonic() - started
        time.sleep(1.0)


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value)


def gradebook_check(ags, outbox: dict) -> dict:
    """The gradebook against the outbox, keyed by (line item, person), and the posting order."""
    problems: list[str] = []
    expected_keys = set()
    for e in outbox["expected"]:
        key = (e["lineitem"], e["user"])
        expected_keys.add(key)
        if e["status"] in ("no_gradebook",):
            continue
        if e["status"] != "delivered":
            problems.append(f"{e['user']} {e['kind']}: newest score is {e['status']}")
            continue
        held = ags.scores.get(key)
        if held is None:
            problems.append(f"{e['user']} {e['kind']}: not in the gradebook ({e['lineitem']})")
            continue
        got = (
            None if held.get("scoreGiven") is None else float(held["scoreGiven"]),
            float(held.get("scoreMaximum", 0)),
            _ts(held["timestamp"]),
        )
        want = (e["score"], e["max"], _ts(e["timestamp"]))
        if got != want:
            problems.append(f"{e['user']} {e['kind']}: gradebook holds {got}, outbox says {want}")
    for key in set(ags.scores) - expected_keys:
        problems.append(f"gradebook holds a score the outbox does not: {key}")
    posted: dict[tuple, list[datetime]] = defaultdict(list)
    for item, score in ags.score_log:
        posted[(item, score["userId"])].append(_ts(score["timestamp"]))
    out_of_order = [
        k for k, ts in posted.items() if any(b < a for a, b in zip(ts, ts[1:], strict=False))
    ]
    return {
        "problems": problems,
        "held": len(ags.scores),
        "expected": len(expected_keys),
        "out_of_order": out_of_order,
        "pairs_with_several_posts": sum(1 for ts in posted.values() if len(ts) > 1),
        "posts": len(ags.score_log),
    }


def outbox_line(status: dict) -> str:
    names = ("pending", "sending", "delivered", "failed", "superseded", "no_gradebook")
    known = [f"{name} {status.get(name, 0)}" for name in names]
    other = [f"{k} {v}" for k, v in status.items() if k not in names]
    return ", ".join(known + other)


def start_grade_worker(target, tmp: Path, env_extra: dict | None = None):
    log_file = open(tmp / "grade-worker.log", "a")  # noqa: SIM115 - closed by the caller
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "grades", "-v", "0", "worker"],
        cwd=target.cwd,
        env={**target.env, **(env_extra or {})},
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    return proc, log_file


def stop_grade_worker(proc) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)  # the worker finishes the score in hand and stops
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class Identities:
    """The people one client thread plays. Each launched once before the load, "a day ago"
    (bench/launch.py's aging), and launches again only after more than a minute (within it a
    relaunch writes nothing, which would flatter the figures); when all are busy, a new person
    makes a first launch."""

    GAP = 61.0

    def __init__(self, thread: int, context: int, seeded: int, kinds: Counter):
        self.thread = thread
        self.context = context
        self.fresh = [f"teacher-{thread}-{n}" for n in range(1, seeded + 1)]
        self.last: dict[str, float] = {}
        self.count = seeded
        self.kinds = kinds

    def next(self) -> lb.Person:
        now = time.monotonic()
        if self.fresh:
            sub = self.fresh.pop(0)
            self.kinds["returning on another day"] += 1
        else:
            sub = next((s for s, at in self.last.items() if now - at > self.GAP), None)
            if sub is not None:
                self.kinds["returning after more than a minute"] += 1
            else:
                self.count += 1
                sub = f"teacher-{self.thread}-{self.count}"
                self.kinds["first launch"] += 1
        self.last[sub] = now
        return self.person(sub)

    def person(self, sub: str) -> lb.Person:
        return lb.Person(
            sub,
            f"Teacher {sub.split('-', 1)[1]} Load",
            "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner",
            f"cohort-{self.context}",
            f"link-{self.context}",
        )


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
    parser.add_argument(
        "--drain-timeout", type=int, default=120, help="seconds to wait for the outbox (120)"
    )
    parser.add_argument(
        "--people",
        type=int,
        default=8,
        help="people each teacher thread plays, launched once before the load (default 8)",
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
    worker = worker_log = None
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
        # Every teacher's people launch once, then that is made a day ago.
        kinds: Counter = Counter()
        lb.log(f"{args.users * args.people} people launch once, then age a day")
        seeds = [Identities(n, n % 5, args.people, Counter()) for n in range(args.users)]
        for identities in seeds:
            for sub in identities.fresh:
                lb.one_flow(target, platform, identities.person(sub), "POST")
        lb.age_people(target)
        # The grade worker runs during the load, as production runs it.
        worker, worker_log = start_grade_worker(target, tmp)
        stats = Stats()
        stop = time.monotonic() + args.duration

        def teacher(n, seed):
            rng = random.Random(seed)
            identities = Identities(n, n % 5, args.people, kinds)
            while time.monotonic() < stop:
                try:
                    journey(target, platform, identities.next(), stats, rng)
                except lb.FlowError:
                    pass
                except Exception as exc:  # noqa: BLE001 - a crash is an error to count
                    stats.error(f"client {exc.__class__.__name__}")

        lb.log(
            f"{args.users} teachers for {args.duration} s against gunicorn ({args.workers} "
            "workers), grade worker running"
        )
        started = time.monotonic()
        threads = [threading.Thread(target=teacher, args=(i, i)) for i in range(args.users)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        rss = worker_rss(target)

        lb.log("waiting for the grade worker to empty the outbox")
        outbox, drain = outbox_wait(target, args.drain_timeout)
        stop_grade_worker(worker)
        book = gradebook_check(ags, outbox)

        every = [t for values in stats.times.values() for t in values]
        latency_mean = sum(every) / len(every) if every else 0.0
        # A closed loop: each teacher thinks, then waits for the answer. With think time T the
        # rate cannot exceed users / (T + mean latency); when it comes close, the clients set it.
        bound = args.users / (THINK + latency_mean) if (THINK + latency_mean) else 0.0
        rate = len(every) / elapsed if elapsed else 0.0
        if THINK and bound and rate > 0.9 * bound:
            limiter = (
                f"set by think time: {args.users} teachers / ({THINK:.1f} s think + "
                f"{latency_mean * 1000:.0f} ms mean latency) = {bound:.1f}/s at most; this "
                "measures latency under that load, not capacity (use --think 0 for capacity)"
            )
        else:
            limiter = (
                f"set by the server ({rate / bound:.0%} of the {bound:.1f}/s the clients allow): "
                "a capacity figure on this machine, client threads included"
                if bound
                else "set by the server"
            )
        failures = []
        errors = sum(stats.errors.values())
        if errors:
            failures.append(f"{errors} requests failed {dict(stats.errors)}")
        left = {s: outbox["status"].get(s, 0) for s in (*WAITING, "failed")}
        if any(left.values()):
            failures.append(f"outbox not delivered after {drain:.0f} s: {left}")
        if book["problems"]:
            failures.append(
                f"gradebook differs from the outbox in {len(book['problems'])} places, e.g. "
                + "; ".join(book["problems"][:3])
            )
        if book["out_of_order"]:
            failures.append(f"older score posted after a newer one for {book['out_of_order'][:3]}")
        if not book["expected"]:
            failures.append("no score reached the outbox: the load did not test passback")

        lines = [
            "Load: simulated teachers launch, read, complete a lesson, take a mastery check",
            f"machine : {os.cpu_count()} CPUs; storage: "
            + ("PostgreSQL" if args.postgres else "SQLite")
            + (" + Redis" if args.redis else ""),
            f"load    : {args.users} teachers, {elapsed:.0f} s, gunicorn {args.workers} sync "
            f"workers, grade worker running, think time {THINK:.1f} s; each launch is the "
            "person's first in over a minute",
            f"journeys: {stats.journeys} ({stats.journeys / elapsed:.1f}/s); "
            f"requests: {len(every)} ({rate:.1f}/s)",
            f"requests/s {limiter}",
            "launches: " + ", ".join(f"{n} {kind}" for kind, n in kinds.most_common()),
            f"errors  : {errors} {dict(stats.errors) or ''}",
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
        lines += [
            f"outbox  : {outbox_line(outbox['status'])}",
            f"drain   : the outbox was empty {drain:.1f} s after the load ended",
            f"gradebook: {book['held']} scores held for {book['expected']} (person, line item) "
            f"pairs; {len(book['problems'])} differ; {book['posts']} score posts, "
            f"{book['pairs_with_several_posts']} pairs with several, "
            f"{len(book['out_of_order'])} out of order; {ags.token_requests} token request(s)",
            "command : .venv/bin/python bench/load.py " + " ".join(sys.argv[1:]),
        ]
        lines += [f"FAIL: {f}" for f in failures] or [
            "PASS: every request answered, every score delivered as the outbox says"
        ]
        print("\n".join(lines))
        return 1 if failures else 0
    finally:
        stop_grade_worker(worker)
        if worker_log is not None:
            worker_log.close()
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
