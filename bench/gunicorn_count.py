"""gunicorn hooks for bench/launch.py: per request, the worker's CPU time and SQL statements.

Loaded with `gunicorn -c bench/gunicorn_count.py` for both tools. The bench names what each
request is with two headers (`X-Bench-Phase`: the regime, `X-Bench-Step`: login, launch, module
page...); the worker adds up, per (phase, step), how many requests it served, the CPU time its
process spent between `pre_request` and `post_request` (a sync worker serves one request at a
time, so that is the request's own CPU: Python and, on SQLite, the database engine), and the SQL
statements Django sent (on SQLite with the database cache, cache reads and writes are SQL
too). Written as JSON to BENCH_COUNT_DIR when the worker exits.

On PostgreSQL it also adds up the CPU of the worker's own database backend during the
request (the server process serving this worker's connection, from /proc/<pid>/stat: user +
system time, which the kernel keeps in ticks of 10 ms, so the figure is an average over many
requests, not a per-request reading). A request that opens a new connection counts all of its
new backend's CPU (start-up included); one whose connection is closed when it ends counts none.

What it leaves out: accepting the connection and parsing the request line (a few hundred
microseconds, in the /proc figures), and Redis's own CPU (a separate, shared process:
bench/launch.py reads it from /proc per window).
"""

from __future__ import annotations

import json
import os
import time
from collections import defaultdict

_totals: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0, 0, 0.0])
_state = {"queries": 0, "cpu0": 0.0, "key": None, "backend": None, "db0": 0.0}
_TICK = os.sysconf("SC_CLK_TCK")
_stat: dict = {"pid": None, "fd": None}  # the backend's /proc/<pid>/stat, kept open


def _backend_cpu() -> tuple[int | None, float]:
    """This worker's PostgreSQL backend (pid) and its CPU seconds so far, or (None, 0)."""
    try:
        from django.db import connections

        wrapper = connections["default"]
        raw = wrapper.connection
        if wrapper.vendor != "postgresql" or raw is None or raw.closed:
            return None, 0.0
        pid = raw.info.backend_pid
        if _stat["pid"] != pid:
            if _stat["fd"] is not None:
                os.close(_stat["fd"])
                _stat["fd"] = None
            _stat["fd"], _stat["pid"] = os.open(f"/proc/{pid}/stat", os.O_RDONLY), pid
        # Read again at offset 0 of the file kept open: a third of the CPU of opening it per
        # read, and this reading is CPU the tool's worker spends that the bare tool's does not.
        fields = os.pread(_stat["fd"], 1024, 0).rsplit(b")", 1)[1].split()
        return pid, (int(fields[11]) + int(fields[12])) / _TICK
    except Exception:  # noqa: BLE001 - no figure rather than a failed request
        _stat["pid"] = None  # a backend gone: open its successor's file next time
        return None, 0.0


def _count(execute, sql, params, many, context):
    _state["queries"] += 1
    return execute(sql, params, many, context)


def _on_connection(sender, connection, **kwargs):
    if _count not in connection.execute_wrappers:
        connection.execute_wrappers.append(_count)


def post_worker_init(worker):
    from django.db import connections
    from django.db.backends.signals import connection_created

    connection_created.connect(_on_connection, weak=False)
    for conn in connections.all(initialized_only=True):
        _on_connection(None, conn)


def pre_request(worker, req):
    headers = dict(req.headers)
    phase = headers.get("X-BENCH-PHASE", "")
    step = headers.get("X-BENCH-STEP", "")
    _state["key"] = (phase, step) if phase and step else None
    _state["queries"] = 0
    if _state["key"] is not None:
        _state["backend"], _state["db0"] = _backend_cpu()
    _state["cpu0"] = time.process_time()


def post_request(worker, req, environ, resp):
    key = _state["key"]
    if key is None:
        return
    cpu = time.process_time() - _state["cpu0"]
    backend, db = _backend_cpu()
    total = _totals[key]
    total[0] += 1
    total[1] += cpu
    total[2] += _state["queries"]
    if backend is not None:
        # The same backend as at the start: its CPU in between; a new one: all of it.
        total[3] += db - _state["db0"] if backend == _state["backend"] else db
    _state["key"] = None


def worker_exit(server, worker):
    directory = os.environ.get("BENCH_COUNT_DIR")
    if not directory:
        return
    rows = [
        {"phase": phase, "step": step, "requests": n, "cpu_s": cpu, "queries": queries, "db_s": db}
        for (phase, step), (n, cpu, queries, db) in _totals.items()
    ]
    name = os.environ.get("BENCH_PROFILE_NAME", "worker")
    with open(os.path.join(directory, f"{name}-{os.getpid()}.json"), "w") as out:
        json.dump(rows, out)
