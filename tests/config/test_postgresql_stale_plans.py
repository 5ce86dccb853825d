"""config/postgresql: a migration that changes a column's type outdates the statements a
connection has prepared; the backend prepares them again instead of failing until the
connection ends (PostgreSQL only)."""

from __future__ import annotations

import psycopg
import pytest
from django.db import OperationalError, connection, transaction

pytestmark = pytest.mark.django_db(transaction=True)

SELECT = "SELECT id, name FROM ignite_stale_plan_t WHERE id = %s"


@pytest.fixture
def other():
    """A second connection, as the deploy's `migrate` would be."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only (DATABASE_URL)")
    assert connection.settings_dict["ENGINE"] == "config.postgresql"
    settings = connection.get_connection_params()
    settings.pop("cursor_factory", None)
    settings.pop("context", None)
    conn = psycopg.connect(**{**settings, "autocommit": True, "prepare_threshold": None})
    conn.execute("DROP TABLE IF EXISTS ignite_stale_plan_t")
    conn.execute("CREATE TABLE ignite_stale_plan_t (id int, name varchar(10))")
    conn.execute("INSERT INTO ignite_stale_plan_t VALUES (1, 'x')")
    yield conn
    connection.close()  # this test's statements are not the suite's
    conn.execute("DROP TABLE IF EXISTS ignite_stale_plan_t")
    conn.close()


def _select():
    with connection.cursor() as cursor:
        cursor.execute(SELECT, [1])
        return cursor.fetchall()


def _prepared_here() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%ignite_stale_plan_t%"],
        )
        return cursor.fetchone()[0] > 0


def test_outside_a_transaction_the_statement_is_prepared_again(other):
    for _ in range(7):  # psycopg prepares a statement from its fifth run on
        assert _select() == [(1, "x")]
    assert _prepared_here()
    other.execute("ALTER TABLE ignite_stale_plan_t ALTER COLUMN name TYPE varchar(20)")
    assert _select() == [(1, "x")]  # no error: dropped and prepared anew
    for _ in range(7):
        assert _select() == [(1, "x")]


def test_inside_a_transaction_it_fails_as_unavailable_then_recovers(other):
    for _ in range(7):
        _select()
    other.execute("ALTER TABLE ignite_stale_plan_t ALTER COLUMN name TYPE text")
    with pytest.raises(OperationalError):  # a 503 with Retry-After (lti_tool/middleware.py)
        with transaction.atomic():
            _select()
    assert connection.ignite_stale_plans
    assert _select() == [(1, "x")]  # the connection's next statement drops the old plans first
    assert not connection.ignite_stale_plans


def test_other_unsupported_errors_are_not_touched(other):
    from django.db import NotSupportedError

    with pytest.raises(NotSupportedError):
        with connection.cursor() as cursor:
            # 0A000 too, but not a stale plan
            cursor.execute("SELECT count(*) FROM ignite_stale_plan_t FOR UPDATE")
