"""/healthz and /readyz: cheap, one word to the public, details to the operator only."""

from __future__ import annotations

import json
import time

import pytest
from django.core.cache import cache
from django.db import OperationalError

from courses.models import Cohort, Participant, Placement
from lti_tool.events import grade_worker_alive
from mastery import grades
from operations import probes

pytestmark = pytest.mark.django_db
PUBLIC = {"REMOTE_ADDR": "203.0.113.9"}


def beat(seconds_ago: float = 0.0) -> None:
    cache.set(probes.HEARTBEAT_KEY, time.time() - seconds_ago, timeout=3600)


def test_healthz_answers_without_the_database_or_a_known_host(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz", HTTP_HOST="10.1.2.3:8000", **PUBLIC)
    assert response.status_code == 200
    assert response.content == b"ok\n"


def test_readyz_is_unready_until_the_worker_beats_and_ready_after(client):
    response = client.get("/readyz", **PUBLIC)
    assert (response.status_code, response.content) == (503, b"unavailable\n")
    # The worker's sweeper sends this every few seconds (lti_tool grades worker).
    grade_worker_alive.send(sender=None)
    response = client.get("/readyz", **PUBLIC)
    assert (response.status_code, response.content) == (200, b"ok\n")


def test_readyz_turns_unready_when_the_heartbeat_is_stale_and_ready_again(client, settings):
    settings.IGNITE_WORKER_HEARTBEAT_MAX_AGE = 60
    beat(seconds_ago=61)
    assert client.get("/readyz", **PUBLIC).status_code == 503
    beat(seconds_ago=59)
    assert client.get("/readyz", **PUBLIC).status_code == 200


def test_readyz_turns_unready_while_the_database_is_away_and_ready_after(client, monkeypatch):
    beat()
    assert client.get("/readyz", **PUBLIC).status_code == 200

    class AwayCursor:
        def __enter__(self):
            raise OperationalError("connection refused")

        def __exit__(self, *exc):
            return False

    with monkeypatch.context() as patched:
        patched.setattr(probes.connection, "cursor", lambda: AwayCursor())
        response = client.get("/readyz", **PUBLIC)
        assert (response.status_code, response.content) == (503, b"unavailable\n")
        # The operator reads which check failed; the outbox is not asked meanwhile.
        details = json.loads(client.get("/readyz").content)
        assert details["checks"]["database"] == "OperationalError: connection refused"
        assert details["checks"]["outbox"].startswith("not checked")
        # With the database cache, the heartbeat is unreadable too, and says why.
        assert "heartbeat" not in details["checks"]["worker"]
    assert client.get("/readyz", **PUBLIC).status_code == 200


def test_readyz_turns_unready_when_the_cache_is_away(client, monkeypatch):
    beat()

    def refuse(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(probes.cache, "set", refuse)
    assert client.get("/readyz", **PUBLIC).status_code == 503


def test_readyz_turns_unready_when_the_outbox_backlog_passes_its_limit(client, settings):
    settings.IGNITE_READY_OUTBOX_MAX = 2
    beat()
    cohort = Cohort.objects.create(title="C")
    placement = Placement.objects.create(cohort=cohort, title="P")
    for n in range(3):
        grades.grade_record_create(
            participant=Participant.objects.create(name=f"T{n}"),
            placement=placement,
            score_given=50,
            score_maximum=100,
        )
        expected = 200 if n < 2 else 503
        assert client.get("/readyz", **PUBLIC).status_code == expected, n
    assert (
        "more than 2 scores wait" in json.loads(client.get("/readyz").content)["checks"]["outbox"]
    )


def test_readyz_details_only_for_the_operator(client, settings):
    beat()
    # Behind nginx every request comes from loopback with X-Forwarded-For: that is the public.
    relayed = client.get("/readyz", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert relayed.content == b"ok\n"
    direct = client.get("/readyz")  # the test client's REMOTE_ADDR is 127.0.0.1
    assert json.loads(direct.content)["ready"] is True
    settings.IGNITE_OPS_TOKEN = "s3cret-token"
    assert client.get("/readyz").content == b"ok\n"  # with a token set, loopback is not enough
    assert client.get("/readyz", HTTP_AUTHORIZATION="Bearer wrong", **PUBLIC).content == b"ok\n"
    with_token = client.get("/readyz", HTTP_AUTHORIZATION="Bearer s3cret-token", **PUBLIC)
    assert json.loads(with_token.content)["checks"]["database"] == "ok"


def test_probes_take_only_get_and_head(client):
    assert client.post("/healthz").status_code == 405
    assert client.head("/healthz").status_code == 200
