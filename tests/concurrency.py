"""Run the same call from several threads at once (two tabs, a double click, many workers)."""

from __future__ import annotations

import threading

from django.db import connection


def at_once(call, times: int = 4) -> list:
    """Start `times` threads that call `call()` together; return their results. Any exception
    in a thread fails the test, with its own message."""
    barrier, results, errors = threading.Barrier(times), [], []

    def run():
        try:
            barrier.wait()
            results.append(call())
        except Exception as exc:  # noqa: BLE001 - re-raised below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [], errors
    return results
