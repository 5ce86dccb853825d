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

Prepared statements (IGNITE_PG_PREPARED) and migrations: a statement PostgreSQL has prepared
fails with "cached plan must not change result type" once a migration changes the type of a
column it returns, on that connection, every time, until the connection ends (psycopg does not
re-prepare it). A deploy that migrates while the web and worker processes keep running would
answer errors for up to DB_CONN_MAX_AGE. So the backend catches that error: outside a
transaction it drops the connection's prepared statements (`DEALLOCATE ALL`, which psycopg
notices and forgets its own) and runs the statement again, and nobody sees anything; inside a
transaction, which that error has aborted, the request fails as the database being briefly
unavailable (503 with Retry-After, nothing saved) and the statements are dropped before the
connection's next statement.
"""

from __future__ import annotations

import logging
import select

import psycopg
from django.db import NotSupportedError, OperationalError
from django.db.backends.postgresql.base import DatabaseWrapper as PostgresDatabaseWrapper

logger = logging.getLogger("ignite.db")

STALE_PLAN = "cached plan must not change result type"


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


def _stale_plan(error: Exception) -> bool:
    cause = error.__cause__
    return isinstance(cause, psycopg.errors.FeatureNotSupported) and STALE_PLAN in str(cause)


def _deallocate(wrapper) -> None:
    with wrapper.connection.cursor() as cursor:  # psycopg's own: not counted as a query
        cursor.execute("DEALLOCATE ALL")
    wrapper.ignite_stale_plans = False


def replan_after_schema_change(execute, sql, params, many, context):
    """Django execute wrapper (installed on every connection of this backend): see above."""
    wrapper = context["connection"]
    if wrapper.ignite_stale_plans and (
        wrapper.connection.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    ):
        _deallocate(wrapper)
    try:
        return execute(sql, params, many, context)
    except NotSupportedError as exc:
        if not _stale_plan(exc):
            raise
        if wrapper.in_atomic_block or not wrapper.get_autocommit():
            wrapper.ignite_stale_plans = True
            logger.warning("prepared statements outdated by a schema change; transaction failed")
            raise OperationalError(
                "a schema change outdated this connection's prepared statements"
            ) from exc
        logger.warning("prepared statements outdated by a schema change; prepared again")
        _deallocate(wrapper)
        return execute(sql, params, many, context)


class DatabaseWrapper(PostgresDatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.ignite_stale_plans = False
        self.execute_wrappers.append(replan_after_schema_change)

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
