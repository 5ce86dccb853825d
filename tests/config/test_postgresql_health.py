"""config/postgresql: the health check skips its round trip only while the connection is quiet,
and still finds a connection the server ended (PostgreSQL only)."""

from __future__ import annotations

import select
import time

import psycopg
import pytest
from django.db import connection
from django.db.backends.postgresql.base import DatabaseWrapper as Stock

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only (DATABASE_URL)")
    assert connection.settings_dict["ENGINE"] == "config.postgresql"


@pytest.fixture
def asked(monkeypatch):
    calls = []
    real = Stock.is_usable

    def is_usable(self):
        calls.append(1)
        return real(self)

    monkeypatch.setattr(Stock, "is_usable", is_usable)
    return calls


def _new_request():
    # What Django does at a request's start with a kept connection.
    connection.health_check_done = False


def _query() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def test_a_quiet_connection_is_kept_without_a_round_trip(asked):
    pid = _query()
    _new_request()
    assert _query() == pid
    assert asked == []


def test_a_connection_the_server_ended_is_replaced(asked):
    pid = _query()
    params = connection.get_connection_params()
    with psycopg.connect(**{**params, "autocommit": True}) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and connection.connection.fileno() >= 0:
        if select.select([connection.connection.fileno()], [], [], 0.05)[0]:
            break
    _new_request()
    assert _query() != pid  # a new connection, not an error
    assert asked == [1]  # the server had spoken: Django's own check decided


def test_inside_a_transaction_django_decides(asked):
    _query()
    with connection.cursor() as cursor:
        cursor.execute("BEGIN")
        try:
            _new_request()
            connection.close_if_health_check_failed()
        finally:
            cursor.execute("ROLLBACK")
    assert asked == [1]
