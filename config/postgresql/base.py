"""Django's PostgreSQL backend, with a health check that asks the server only when needed.

With CONN_HEALTH_CHECKS, Django sends `SELECT 1` before the first query of every request that
reuses a connection: a round trip and PostgreSQL CPU on every page and launch (bench/launch.py:
one statement in four of a returning launch). Here the check first looks at the connection
itself: when psycopg knows it is closed or broken, it is closed; when the server has sent
nothing since the last query finished (the socket is not readable: no termination notice from
a restart, a failover or `pg_terminate_backend`, no end of file) and the connection is idle
outside a transaction, the connection is kept without a round trip; otherwise Django's own
check (`SELECT 1`) decides. A server that went away without a word (a network cut) is found by
the first query, as with Django's check, which would have waited on the same dead socket; the
query then fails with OperationalError (a 503 with Retry-After, lti_tool/middleware.py) and
Django closes the connection at the end of that request.
"""

from __future__ import annotations

import select

import psycopg
from django.db.backends.postgresql.base import DatabaseWrapper as PostgresDatabaseWrapper


def connection_is_quiet(connection) -> bool:
    """Whether a psycopg connection is open, idle, and has heard nothing from the server."""
    try:
        if connection.closed or connection.broken:
            return False
        if connection.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            return False
        readable, _, _ = select.select([connection.fileno()], [], [], 0)
    except Exception:  # noqa: BLE001 - anything unexpected: let Django's own check decide
        return False
    return not readable


class DatabaseWrapper(PostgresDatabaseWrapper):
    def close_if_health_check_failed(self):
        if (
            not self.pool
            and self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and connection_is_quiet(self.connection)
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()
