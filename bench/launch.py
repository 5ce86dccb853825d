#!/usr/bin/env python
"""Complete LTI 1.3 login -> launch flows per second: Ignite against a bare pylti1p3 tool.

The script plays the LMS and the browser. It generates an RSA key, publishes its JWKS over
HTTP on loopback, starts both tools under gunicorn on loopback, and then N client threads
repeat the flow a platform and a browser go through:

  1. POST the tool's OIDC login URL (iss, login_hint, target_link_uri, client_id,
     lti_deployment_id); read state and nonce from the redirect, keep the cookies it sets;
  2. sign an id_token (RS256, kid, the required LTI claims, that nonce);
  3. POST id_token and state to the tool's launch URL with those cookies, and check the
     answer is the tool's success (Ignite: 303 to /app/?lt=...; baseline: 200 with the name).

A flow is 1 to 3. After a warm-up, flows completing during a fixed window are counted; the
report gives flows/s and p50/p95/p99 latency of the whole flow and of the launch POST alone,
for both tools, measured one after the other in the same run, and the ratio.

Run by hand (never in the test suite), from the repository root, with the project's venv:

    .venv/bin/python bench/launch.py                     # SQLite + database cache
    .venv/bin/python bench/launch.py --postgres --redis  # PostgreSQL + Redis cache

See bench/README.md for what is measured, what is not, and how to read the numbers.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import platform as pyplatform
import random
import secrets
import shlex
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import metadata
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
BASELINE_DIR = BENCH / "baseline"

ISSUER = "https://lms.bench.example"
CLIENT_ID = "bench-client-1"
DEPLOYMENT_ID = "bench-deployment-1"
KID = "bench-platform-key-1"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"
ROLE_LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
ROLE_INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432"
DEFAULT_REDIS = "redis://127.0.0.1:6379/1"
HTTP_TIMEOUT = 30.0

# Inherited variables that would change what the servers run with; the bench sets its own.
SCRUBBED_ENV = (
    "DEBUG",
    "IGNITE_DEV_PLATFORM",
    "DATABASE_URL",
    "REDIS_URL",
    "DJANGO_SETTINGS_MODULE",
    "CACHE_KEY_PREFIX",
    "SECRET_KEY",
    "SECRET_KEY_FILE",
    "IGNITE_KEY_ENCRYPTION_SECRET",
    "IGNITE_KEY_ENCRYPTION_SECRET_FILE",
    "IGNITE_BASE_URL",
    "ALLOWED_HOSTS",
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
    "PYTHONPATH",
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class BenchError(Exception):
    """The bench cannot go on (a server did not start, a preparation step failed...)."""


# --- The platform --------------------------------------------------------------------------


class Platform:
    """The LMS side: an RSA key, its JWKS on loopback, and id_tokens signed with it."""

    def __init__(self) -> None:
        # Parsed once: signing with a key object costs well under a millisecond.
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private_key.public_key()))
        jwk.update({"kid": KID, "alg": "RS256", "use": "sig"})
        body = json.dumps({"keys": [jwk]}).encode()
        self.jwks_requests = 0
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                if self.path != "/jwks":
                    self.send_error(404)
                    return
                platform.jwks_requests += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.keyset_url = f"{self.base}/jwks"
        self.auth_login_url = f"{self.base}/authorize"
        self.auth_token_url = f"{self.base}/token"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def id_token(self, *, nonce: str, target_link_uri: str, who: Person) -> str:
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": CLIENT_ID,
            "sub": who.sub,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "name": who.name,
            "given_name": who.name.split()[0],
            "family_name": who.name.split()[-1],
            "email": f"{who.sub}@district.example",
            LTI + "message_type": "LtiResourceLinkRequest",
            LTI + "version": "1.3.0",
            LTI + "deployment_id": DEPLOYMENT_ID,
            LTI + "target_link_uri": target_link_uri,
            LTI + "resource_link": {"id": who.link_id, "title": "Blended learning, week 1"},
            LTI + "roles": [who.role],
            LTI + "context": {"id": who.context_id, "title": "Cohort", "label": "BL"},
        }
        return jwt.encode(claims, self.private_key, algorithm="RS256", headers={"kid": KID})


@dataclass(frozen=True)
class Person:
    sub: str
    name: str
    role: str
    context_id: str
    link_id: str


def pick_person(rng: random.Random, users: int, contexts: int) -> Person:
    """Someone from a fixed population, so repeated launches find the rows they made before."""
    n = rng.randrange(users)
    context = n % contexts
    return Person(
        sub=f"user-{n}",
        name=f"Teacher Number{n}",
        role=ROLE_INSTRUCTOR if n % 25 == 0 else ROLE_LEARNER,
        context_id=f"course-{context}",
        link_id=f"link-{context}-{rng.randrange(3)}",
    )


# --- HTTP as a browser --------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


def http_call(port: int, method: str, path: str, *, body: str = "", headers=None) -> Reply:
    """One request on a fresh connection (gunicorn's sync workers close after each answer)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT)
    try:
        conn.request(method, path, body=body.encode() if body else None, headers=headers or {})
        response = conn.getresponse()
        return Reply(response.status, response.headers, response.read())
    finally:
        conn.close()


def cookies_from(reply: Reply) -> str:
    """A Cookie header with every cookie the response set.

    The tools mark their cookies Secure (Ignite always, as an LTI tool in a cross-site frame
    must); a browser would not send those over plain http, so the bench sends them itself.
    """
    pairs = []
    for line in reply.headers.get_all("Set-Cookie") or []:
        name, _, value = line.split(";", 1)[0].partition("=")
        if name.strip() and value:
            pairs.append(f"{name.strip()}={value.strip()}")
    return "; ".join(pairs)


class FlowError(Exception):
    def __init__(self, kind: str, detail: str = ""):
        super().__init__(kind)
        self.kind = kind
        self.detail = detail


# --- The tools under test -------------------------------------------------------------------


@dataclass
class Target:
    name: str
    title: str
    port: int
    cwd: Path
    app: str
    env: dict[str, str]
    proc: subprocess.Popen | None = None
    log_path: Path | None = None

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def target_link_uri(self) -> str:
        return f"{self.origin}/app/" if self.name == "ignite" else f"{self.origin}/lti/launch/"

    def check_launch(self, reply: Reply, who: Person) -> None:
        if self.name == "ignite":
            location = reply.headers.get("Location", "")
            parts = urlsplit(location)
            if reply.status != 303 or parts.path != "/app/" or "lt" not in parse_qs(parts.query):
                raise FlowError(f"launch {reply.status}", location or _snippet(reply.body))
        elif reply.status != 200 or who.name.encode() not in reply.body:
            raise FlowError(f"launch {reply.status}", _snippet(reply.body))


def _snippet(body: bytes) -> str:
    return " ".join(body[:300].decode("utf-8", "replace").split())


def one_flow(target: Target, platform: Platform, who: Person, login_method: str):
    """Login then launch; returns (flow, login, launch) durations in seconds."""
    params = {
        "iss": ISSUER,
        "login_hint": who.sub,
        "target_link_uri": target.target_link_uri,
        "client_id": CLIENT_ID,
        "lti_deployment_id": DEPLOYMENT_ID,
    }
    started = time.perf_counter()
    if login_method == "GET":
        login = http_call(target.port, "GET", "/lti/login/?" + urlencode(params))
    else:
        login = http_call(
            target.port,
            "POST",
            "/lti/login/",
            body=urlencode(params),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    login_done = time.perf_counter()
    if login.status != 302:
        raise FlowError(f"login {login.status}", _snippet(login.body))
    query = parse_qs(urlsplit(login.headers.get("Location", "")).query)
    try:
        state, nonce, redirect_uri = query["state"][0], query["nonce"][0], query["redirect_uri"][0]
    except (KeyError, IndexError):
        raise FlowError(
            "login redirect lacks state/nonce", login.headers.get("Location", "")
        ) from None
    if redirect_uri != f"{target.origin}/lti/launch/":
        raise FlowError("login redirect_uri", redirect_uri)
    cookie = cookies_from(login)
    if not cookie:
        raise FlowError("login set no cookie")
    id_token = platform.id_token(nonce=nonce, target_link_uri=target.target_link_uri, who=who)
    launch_start = time.perf_counter()
    launch = http_call(
        target.port,
        "POST",
        "/lti/launch/",
        body=urlencode({"id_token": id_token, "state": state}),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    finished = time.perf_counter()
    target.check_launch(launch, who)
    return finished - started, login_done - started, finished - launch_start


# --- Servers, databases, caches ------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_checked(cmd: list[str], *, cwd: Path, env: dict[str, str], what: str) -> str:
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise BenchError(f"{what} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def start_server(target: Target, *, workers: int, tmp: Path, profile_dir: Path | None) -> None:
    target.log_path = tmp / f"{target.name}-gunicorn.log"
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        target.app,
        "--chdir",
        str(target.cwd),
        "--bind",
        f"127.0.0.1:{target.port}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--log-level",
        "warning",
        "--error-logfile",
        "-",
    ]
    env = dict(target.env)
    if profile_dir is not None:
        cmd += ["--config", str(BENCH / "gunicorn_profile.py")]
        env.update(BENCH_PROFILE_DIR=str(profile_dir), BENCH_PROFILE_NAME=target.name)
    with open(target.log_path, "w") as out:
        target.proc = subprocess.Popen(
            cmd, cwd=target.cwd, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if target.proc.poll() is not None:
            raise BenchError(f"{target.title} did not start:\n{tail(target.log_path)}")
        try:
            # A page that renders no template: this only asks whether a worker answers.
            probe = "/.well-known/jwks.json" if target.name == "ignite" else "/lti/launch/"
            http_call(target.port, "GET", probe)
            return
        except OSError:
            time.sleep(0.2)
    raise BenchError(f"{target.title} did not answer within 60 s:\n{tail(target.log_path)}")


def stop_server(target: Target) -> None:
    proc = target.proc
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()  # gunicorn stops its workers gracefully on SIGTERM
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def tail(path: Path | None, lines: int = 30) -> str:
    if path is None or not path.exists():
        return "(no log)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def worker_pids(master: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == master:
            pids.append(int(entry))
    return pids


def cpu_seconds(pids: list[int]) -> float:
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all CPUs since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values[:8])
    return total - idle, total


class Storage:
    """The databases and cache settings of one run, created before and removed after."""

    def __init__(self, args, tmp: Path, run_id: str):
        self.args = args
        self.tmp = tmp
        self.run_id = run_id
        self.pg_databases: list[str] = []
        self.description = ""

    def database_url(self, name: str) -> str:
        if not self.args.postgres:
            return f"sqlite:///{self.tmp / (name + '.sqlite3')}"
        db = f"ignite_bench_{self.run_id}_{name}"
        import psycopg

        with psycopg.connect(self._pg_admin_url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{db}"')
        self.pg_databases.append(db)
        return f"{self.args.postgres_url.rstrip('/')}/{db}"

    def cache_prefix(self, name: str) -> str:
        return f"bench-{self.run_id}-{name}"

    def _pg_admin_url(self) -> str:
        return self.args.postgres_url.rstrip("/") + "/postgres"

    def describe(self) -> dict[str, str]:
        if self.args.postgres:
            import psycopg

            with psycopg.connect(self._pg_admin_url()) as conn:
                version = conn.execute("SHOW server_version").fetchone()[0]
            database = f"PostgreSQL {version}"
        else:
            database = f"SQLite {sqlite3.sqlite_version} (WAL, file in a temp dir)"
        if self.args.redis:
            import redis

            info = redis.Redis.from_url(self.args.redis_url).info("server")
            cache = f"Redis {info.get('redis_version', '?')} ({self.args.redis_url})"
        else:
            cache = "Django database cache (same database)"
        return {"database": database, "cache": cache}

    def cleanup(self) -> None:
        if self.pg_databases:
            import psycopg

            with psycopg.connect(self._pg_admin_url(), autocommit=True) as conn:
                for db in self.pg_databases:
                    conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        if self.args.redis:
            import redis

            client = redis.Redis.from_url(self.args.redis_url)
            keys = list(client.scan_iter(match=f"bench-{self.run_id}-*", count=1000))
            for start in range(0, len(keys), 500):
                client.delete(*keys[start : start + 500])


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def prepare_ignite(platform: Platform, storage: Storage, port: int, root: Path) -> Target:
    env = base_env()
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        SECRET_KEY=secrets.token_urlsafe(50),
        IGNITE_KEY_ENCRYPTION_SECRET=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=storage.database_url("ignite"),
        CACHE_KEY_PREFIX=storage.cache_prefix("ignite"),
        LOG_LEVEL="WARNING",
    )
    if storage.args.redis:
        env["REDIS_URL"] = storage.args.redis_url
    # Only the preparation runs with DEBUG=1: registering http:// platform URLs needs it.
    prep = {**env, "DEBUG": "1"}
    manage = [sys.executable, "manage.py"]
    run_checked([*manage, "migrate", "--noinput"], cwd=root, env=prep, what="Ignite migrate")
    run_checked([*manage, "createcachetable"], cwd=root, env=prep, what="Ignite createcachetable")
    run_checked([*manage, "keys", "generate"], cwd=root, env=prep, what="Ignite keys generate")
    run_checked(
        [
            *manage,
            "lti_platform",
            "add",
            "--issuer",
            ISSUER,
            "--client-id",
            CLIENT_ID,
            "--auth-login-url",
            platform.auth_login_url,
            "--auth-token-url",
            platform.auth_token_url,
            "--keyset-url",
            platform.keyset_url,
            "--deployment-id",
            DEPLOYMENT_ID,
            "--name",
            "Bench LMS",
        ],
        cwd=root,
        env=prep,
        what="Ignite lti_platform add",
    )
    return Target("ignite", "Ignite", port, root, "config.wsgi", env)


def prepare_baseline(platform: Platform, storage: Storage, port: int, tmp: Path) -> Target:
    config = tmp / "baseline-lti.json"
    config.write_text(
        json.dumps(
            {
                ISSUER: [
                    {
                        "default": True,
                        "client_id": CLIENT_ID,
                        "auth_login_url": platform.auth_login_url,
                        "auth_token_url": platform.auth_token_url,
                        "key_set_url": platform.keyset_url,
                        "key_set": None,
                        "deployment_ids": [DEPLOYMENT_ID],
                    }
                ]
            }
        )
    )
    tool_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_file = tmp / "baseline-tool-key.pem"
    key_file.write_bytes(
        tool_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    env = base_env()
    env.update(
        DJANGO_SETTINGS_MODULE="baseline_tool.settings",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=storage.database_url("baseline"),
        CACHE_KEY_PREFIX=storage.cache_prefix("baseline"),
        BASELINE_LTI_CONFIG=str(config),
        BASELINE_TOOL_KEY_FILE=str(key_file),
    )
    if storage.args.redis:
        env["REDIS_URL"] = storage.args.redis_url
    manage = [sys.executable, "manage.py"]
    run_checked(
        [*manage, "migrate", "--noinput"], cwd=BASELINE_DIR, env=env, what="baseline migrate"
    )
    run_checked(
        [*manage, "createcachetable"], cwd=BASELINE_DIR, env=env, what="baseline createcachetable"
    )
    return Target("baseline", "bare pylti1p3", port, BASELINE_DIR, "baseline_tool.wsgi", env)


# --- Measuring ----------------------------------------------------------------------------


@dataclass
class Window:
    """Flows that completed inside one measuring window, and what the machine spent."""

    seconds: float = 0.0
    flow: list[float] = field(default_factory=list)
    login: list[float] = field(default_factory=list)
    launch: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    error_samples: dict[str, str] = field(default_factory=dict)
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    machine_busy: float = 0.0


def measure(target: Target, platform: Platform, args, seed: int) -> Window:
    window = Window()
    lock = threading.Lock()
    begin = time.perf_counter()
    measure_from = begin + args.warmup
    measure_until = measure_from + args.duration

    def worker(n: int) -> None:
        rng = random.Random(seed * 1000 + n)
        while True:
            now = time.perf_counter()
            if now >= measure_until:
                return
            who = pick_person(rng, args.users, args.contexts)
            try:
                flow, login, launch = one_flow(target, platform, who, args.login_method)
                error = None
            except FlowError as exc:
                error = exc
            except (OSError, http.client.HTTPException) as exc:
                error = FlowError(type(exc).__name__, str(exc))
            done = time.perf_counter()
            if not measure_from <= done < measure_until:
                continue
            with lock:
                if error is None:
                    window.flow.append(flow)
                    window.login.append(login)
                    window.launch.append(launch)
                else:
                    window.errors[error.kind] += 1
                    window.error_samples.setdefault(error.kind, error.detail[:300])

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(args.threads)]
    for t in threads:
        t.start()
    time.sleep(max(0.0, measure_from - time.perf_counter()))
    workers = worker_pids(target.proc.pid)
    cpu0, client0, busy0 = cpu_seconds(workers), time.process_time(), machine_busy()
    time.sleep(max(0.0, measure_until - time.perf_counter()))
    cpu1, client1, busy1 = cpu_seconds(workers), time.process_time(), machine_busy()
    for t in threads:
        t.join(timeout=HTTP_TIMEOUT * 3)
    window.seconds = args.duration
    window.server_cpu = cpu1 - cpu0
    window.client_cpu = client1 - client0
    total = busy1[1] - busy0[1]
    window.machine_busy = (busy1[0] - busy0[0]) / total if total else 0.0
    return window


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile, in milliseconds."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] * 1000


def latency(values: list[float]) -> dict[str, float]:
    return {
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "p99": percentile(values, 99),
        "mean": (sum(values) / len(values) * 1000) if values else float("nan"),
        "max": (max(values) * 1000) if values else float("nan"),
    }


def summarise(windows: list[Window]) -> dict:
    flows = [v for w in windows for v in w.flow]
    seconds = sum(w.seconds for w in windows)
    errors: Counter = Counter()
    samples: dict[str, str] = {}
    for w in windows:
        errors.update(w.errors)
        for kind, detail in w.error_samples.items():
            samples.setdefault(kind, detail)
    server_cpu = sum(w.server_cpu for w in windows)
    return {
        "flows": len(flows),
        "seconds": seconds,
        "flows_per_s": len(flows) / seconds if seconds else 0.0,
        "flows_per_s_by_round": [round(len(w.flow) / w.seconds, 1) for w in windows],
        "flow_ms": latency(flows),
        "login_ms": latency([v for w in windows for v in w.login]),
        "launch_ms": latency([v for w in windows for v in w.launch]),
        "errors": sum(errors.values()),
        "errors_by_kind": dict(errors),
        "error_samples": samples,
        "server_cpu_ms_per_flow": server_cpu / len(flows) * 1000 if flows else float("nan"),
        "client_cpu_share": sum(w.client_cpu for w in windows) / seconds if seconds else 0.0,
        "machine_busy": sum(w.machine_busy for w in windows) / len(windows),
    }


# --- Reporting ----------------------------------------------------------------------------


def machine_info(storage: Storage) -> dict:
    cpu_model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass

    def version(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "-"

    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu_model,
        "kernel": pyplatform.release(),
        "python": pyplatform.python_version(),
        "django": version("Django"),
        "pylti1p3next": version("pylti1p3next"),
        "gunicorn": version("gunicorn"),
        "pyjwt": version("PyJWT"),
        **storage.describe(),
    }


def ratio(a: float, b: float) -> float:
    return a / b if b and not math.isnan(a) and not math.isnan(b) else float("nan")


def report_text(report: dict) -> str:
    cfg, machine, results = report["config"], report["machine"], report["results"]
    lines = [
        "LTI 1.3 login -> launch flows (login POST + signed id_token + launch POST)",
        f"machine : {machine['nproc']} CPUs ({machine['cpu']}), Linux {machine['kernel']}, "
        f"Python {machine['python']}, Django {machine['django']}, pylti1p3next "
        f"{machine['pylti1p3next']}, gunicorn {machine['gunicorn']}",
        f"storage : {machine['database']}; cache: {machine['cache']}",
        f"load    : {cfg['threads']} client threads, {cfg['duration']:g} s measured after "
        f"{cfg['warmup']:g} s warm-up, x{cfg['rounds']} round(s); gunicorn {cfg['workers']} "
        f"sync workers per tool; {cfg['users']} users in {cfg['contexts']} courses; "
        f"login by {cfg['login_method']}",
        "",
        f"{'':<14}{'flows/s':>9}  {'flow ms p50':>11} {'p95':>7} {'p99':>7}  "
        f"{'launch ms p50':>13} {'p95':>7} {'p99':>7}  {'errors':>6}  "
        f"{'server CPU':>10}  {'busy':>5}",
    ]
    for r in results.values():
        f, la = r["flow_ms"], r["launch_ms"]
        lines.append(
            f"{r['title']:<14}{r['flows_per_s']:>9.1f}  {f['p50']:>11.1f} {f['p95']:>7.1f} "
            f"{f['p99']:>7.1f}  {la['p50']:>13.1f} {la['p95']:>7.1f} {la['p99']:>7.1f}  "
            f"{r['errors']:>6}  {r['server_cpu_ms_per_flow']:>7.1f} ms  "
            f"{r['machine_busy'] * 100:>4.0f}%"
        )
    if "ratio" in report:
        q = report["ratio"]
        lines.append(
            f"{'Ignite/base':<14}{q['flows_per_s']:>8.2f}x  {q['flow_p50']:>10.2f}x "
            f"{q['flow_p95']:>6.2f}x {q['flow_p99']:>6.2f}x  {q['launch_p50']:>12.2f}x "
            f"{q['launch_p95']:>6.2f}x {q['launch_p99']:>6.2f}x  {'':>6}  "
            f"{q['server_cpu_per_flow']:>8.2f}x"
        )
    lines += [
        "",
        "server CPU = gunicorn workers' user+system CPU per successful flow (database and",
        "Redis servers not included); busy = whole machine, client included "
        f"(the bench client itself used {_client_share(results)} of one CPU).",
    ]
    for r in results.values():
        if len(r["flows_per_s_by_round"]) > 1:
            lines.append(f"{r['title']}: flows/s by round {r['flows_per_s_by_round']}")
        for kind, count in r["errors_by_kind"].items():
            lines.append(f"{r['title']} error {kind} x{count}: {r['error_samples'].get(kind, '')}")
    if cfg["ignite_dir"] != str(ROOT):
        lines.append(f"Ignite served from {cfg['ignite_dir']}")
    lines += ["", f"command : {report['command']}"]
    return "\n".join(lines)


def _json_safe(value):
    """NaN (no successful flow) is not JSON: write null."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return value


def _client_share(results: dict) -> str:
    shares = [f"{r['client_cpu_share'] * 100:.0f}%" for r in results.values()]
    return "/".join(shares)


# --- Main ---------------------------------------------------------------------------------


def bounded(kind, low, high):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}")
        return value

    return parse


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/launch.py",
        description=(
            "Measure complete LTI 1.3 login -> launch flows per second and their latency "
            "(p50/p95/p99 of the whole flow and of the launch POST alone) against Ignite and "
            "against a bare pylti1p3 Django tool (bench/baseline/), each under gunicorn on "
            "127.0.0.1, one after the other in the same run. The script plays the LMS (RSA key, "
            "JWKS on loopback, signed id_tokens) and the browser (cookies, form posts). "
            "Each tool gets a fresh database (SQLite in a temp dir by default)."
        ),
        epilog=(
            "examples:\n"
            "  .venv/bin/python bench/launch.py\n"
            "  .venv/bin/python bench/launch.py --postgres --redis\n"
            "  .venv/bin/python bench/launch.py --target ignite --workers 1 --profile /tmp/prof\n"
            "  .venv/bin/python bench/launch.py --json > result.json\n"
            "Run by hand; it is not part of the test suite. Needs nothing but the project venv\n"
            "(and, for --postgres/--redis, the servers on 127.0.0.1). See bench/README.md."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--threads",
        "-c",
        type=bounded(int, 1, 64),
        default=8,
        help="concurrent client threads (1-64, default 8)",
    )
    parser.add_argument(
        "--duration",
        "-d",
        type=bounded(float, 1, 300),
        default=20.0,
        help="seconds measured per tool and round (1-300, default 20)",
    )
    parser.add_argument(
        "--warmup",
        type=bounded(float, 0, 120),
        default=5.0,
        help="seconds of flows before measuring, not counted (0-120, default 5)",
    )
    parser.add_argument(
        "--workers",
        "-w",
        type=bounded(int, 1, 16),
        default=2,
        help="gunicorn sync workers for each tool (1-16, default 2)",
    )
    parser.add_argument(
        "--rounds",
        type=bounded(int, 1, 10),
        default=1,
        help="measure each tool this many times, alternating which goes first (default 1)",
    )
    parser.add_argument(
        "--target",
        choices=["both", "ignite", "baseline"],
        default="both",
        help="which tool to measure (default both)",
    )
    parser.add_argument(
        "--users",
        type=bounded(int, 1, 1_000_000),
        default=500,
        help="distinct users launching, picked at random (default 500)",
    )
    parser.add_argument(
        "--contexts",
        type=bounded(int, 1, 100_000),
        default=20,
        help="distinct courses they launch from (default 20)",
    )
    parser.add_argument(
        "--login-method",
        choices=["POST", "GET"],
        default="POST",
        help="how the platform sends the login initiation (default POST)",
    )
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="use PostgreSQL (a database per tool, created and dropped) instead of SQLite",
    )
    parser.add_argument(
        "--postgres-url",
        default=DEFAULT_POSTGRES,
        metavar="URL",
        help=f"PostgreSQL server for --postgres (default {DEFAULT_POSTGRES})",
    )
    parser.add_argument(
        "--redis",
        action="store_true",
        help="use Redis as the cache (keys under a per-run prefix, deleted at the end)",
    )
    parser.add_argument(
        "--redis-url",
        default=DEFAULT_REDIS,
        metavar="URL",
        help=f"Redis database for --redis (default {DEFAULT_REDIS})",
    )
    parser.add_argument(
        "--profile",
        metavar="DIR",
        type=Path,
        help=(
            "run the workers under cProfile and write one .prof per worker to DIR, then print "
            "the top functions; throughput is then NOT comparable"
        ),
    )
    parser.add_argument(
        "--ignite-dir",
        metavar="DIR",
        type=Path,
        default=ROOT,
        help=(
            "the Ignite checkout to serve (default: this repository); point it at another "
            "copy to measure a change before and after"
        ),
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the report as JSON on stdout (progress on stderr)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temp dir (databases, server logs)"
    )
    return parser.parse_args(argv)


def print_profile(profile_dir: Path, names: list[str]) -> None:
    import pstats

    for name in names:
        files = sorted(str(p) for p in profile_dir.glob(f"{name}-*.prof"))
        if not files:
            log(f"no profile written for {name}")
            continue
        log(f"\n=== {name}: cProfile of {len(files)} worker(s), by cumulative time ===")
        stats = pstats.Stats(*files, stream=sys.stderr)
        stats.strip_dirs().sort_stats("cumulative").print_stats(40)
        log(f"=== {name}: by own time ===")
        stats.sort_stats("tottime").print_stats(25)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("gunicorn", path=str(Path(sys.executable).parent)) is None:
        log(f"gunicorn is not installed next to {sys.executable}; run with the project venv")
        return 2
    args.ignite_dir = args.ignite_dir.resolve()
    if not (args.ignite_dir / "manage.py").is_file() or not (args.ignite_dir / "config").is_dir():
        log(f"--ignite-dir {args.ignite_dir} is not an Ignite checkout (no manage.py/config)")
        return 2
    command = shlex.join([sys.executable, *sys.argv]) if argv is None else shlex.join(argv)
    names = ["baseline", "ignite"] if args.target == "both" else [args.target]
    tmp = Path(tempfile.mkdtemp(prefix="ignite-bench-"))
    run_id = secrets.token_hex(4)
    storage = Storage(args, tmp, run_id)
    platform = Platform()
    targets: dict[str, Target] = {}
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    try:
        log(f"preparing in {tmp} ({'PostgreSQL' if args.postgres else 'SQLite'} databases)")
        if "ignite" in names:
            targets["ignite"] = prepare_ignite(platform, storage, free_port(), args.ignite_dir)
        if "baseline" in names:
            targets["baseline"] = prepare_baseline(platform, storage, free_port(), tmp)
        for name in names:
            start_server(targets[name], workers=args.workers, tmp=tmp, profile_dir=args.profile)
            # One flow first, so a broken setup is one clear message rather than N errors.
            try:
                one_flow(targets[name], platform, pick_person(random.Random(0), 1, 1), "POST")
            except FlowError as exc:
                raise BenchError(
                    f"{targets[name].title}: the first flow failed ({exc.kind}: {exc.detail})\n"
                    f"{tail(targets[name].log_path)}"
                ) from None
            log(f"{targets[name].title} listening on {targets[name].origin}")
        windows: dict[str, list[Window]] = {name: [] for name in names}
        for round_no in range(args.rounds):
            order = names if round_no % 2 == 0 else list(reversed(names))
            for name in order:
                log(
                    f"round {round_no + 1}/{args.rounds}: {targets[name].title}, "
                    f"{args.threads} threads, {args.warmup:g} s warm-up + {args.duration:g} s"
                )
                window = measure(targets[name], platform, args, seed=round_no)
                log(
                    f"  {len(window.flow) / window.seconds:.1f} flows/s, {sum(window.errors.values())} errors"
                )
                windows[name].append(window)
        report = {
            "command": command,
            "machine": machine_info(storage),
            "config": {
                "threads": args.threads,
                "duration": args.duration,
                "warmup": args.warmup,
                "rounds": args.rounds,
                "workers": args.workers,
                "users": args.users,
                "contexts": args.contexts,
                "login_method": args.login_method,
                "postgres": args.postgres,
                "redis": args.redis,
                "profiled": bool(args.profile),
                "ignite_dir": str(args.ignite_dir),
            },
            "results": {
                name: {"title": targets[name].title, **summarise(windows[name])} for name in names
            },
            "jwks_fetches": platform.jwks_requests,
        }
        if len(names) == 2:
            ig, base = report["results"]["ignite"], report["results"]["baseline"]
            report["ratio"] = {
                "flows_per_s": ratio(ig["flows_per_s"], base["flows_per_s"]),
                **{
                    f"{kind}_{p}": ratio(ig[f"{kind}_ms"][p], base[f"{kind}_ms"][p])
                    for kind in ("flow", "launch")
                    for p in ("p50", "p95", "p99")
                },
                "server_cpu_per_flow": ratio(
                    ig["server_cpu_ms_per_flow"], base["server_cpu_ms_per_flow"]
                ),
            }
    except BenchError as exc:
        log(f"bench failed: {exc}")
        return 1
    finally:
        for target in targets.values():
            stop_server(target)
        platform.close()
        storage.cleanup()
        if args.keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    if args.profile:
        print_profile(args.profile, names)
        log("profiled run: cProfile slows the workers, so these numbers are not comparable")
    if args.json:
        print(json.dumps(_json_safe(report), indent=2))
    else:
        print(report_text(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
