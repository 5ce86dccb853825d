"""gunicorn hooks for `bench/launch.py --profile`: one cProfile per worker, written at exit.

Loaded with `gunicorn -c bench/gunicorn_profile.py`; the profile starts after the worker has
loaded the application, so it holds request handling only. BENCH_PROFILE_DIR and
BENCH_PROFILE_NAME come from bench/launch.py.
"""

from __future__ import annotations

import cProfile
import os

_profiler: cProfile.Profile | None = None


def post_worker_init(worker):
    global _profiler
    _profiler = cProfile.Profile()
    _profiler.enable()


def worker_exit(server, worker):
    if _profiler is None:
        return
    _profiler.disable()
    name = os.environ.get("BENCH_PROFILE_NAME", "worker")
    _profiler.dump_stats(
        os.path.join(os.environ["BENCH_PROFILE_DIR"], f"{name}-{os.getpid()}.prof")
    )
