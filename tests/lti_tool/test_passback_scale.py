"""Grade passback at scale: concurrent sends per platform, the 429 limit, tokens held per
worker, and several worker processes against one PostgreSQL delivering each score once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from courses.models import Cohort, Participant, Placement
from lti_tool import passback
from lti_tool.models import Deployment, LtiContext, LtiResourceLink, LtiUser
from lti_tool.passback import deliveries_forget, grades_drain
from mastery import grades
from mastery.models import GradeRecord

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def teachers(platform, ags):
    """`scores(n, links)`: n teachers spread over `links` graded links, one score each."""

    calls = []

    def scores(n: int, links: int = 1) -> list[GradeRecord]:
        calls.append(n)
        c = len(calls)  # each call: a course of its own, new links and new people
        deployment = Deployment.objects.get(platform=platform)
        context = LtiContext.objects.create(
            deployment=deployment, context_id=f"course-{c}", cohort=Cohort.objects.create(title="C")
        )
        placements = []
        for k in range(links):
            placement = Placement.objects.create(cohort=context.cohort, module_slug=f"m-{k}")
            LtiResourceLink.objects.create(
                context=context,
                resource_link_id=f"link-{c}-{k}",
                placement=placement,
                lineitems_url=f"{ags.url}/lineitems",
            )
            placements.append(placement)
        records = []
        for i in range(n):
            participant = Participant.objects.create(name=f"Teacher {c}-{i}")
            LtiUser.objects.create(platform=platform, sub=f"user-{c}-{i}", participant=participant)
            records.append(
                grades.grade_record_create(
                    participant=participant,
                    placement=placements[i % links],
                    score_given=i % 100,
                    score_maximum=100,
                )
            )
        return records

    return scores


def accepted_once(ags) -> Counter:
    return Counter((item, s["userId"], s["timestamp"]) for item, s in ags.score_log)


# --- the limit ---------------------------------------------------------------------------


def test_limit_halves_on_429_down_to_one_and_grows_back_one_at_a_time():
    limit = passback._Limit(8)
    for expected in (4, 2, 1, 1):
        limit.acquire()
        limit.release(throttled=True)
        assert limit.limit == expected
    for _ in range(1):  # one success at limit 1: back to 2
        limit.acquire()
        limit.release()
    assert limit.limit == 2
    for _ in range(2):
        limit.acquire()
        limit.release()
    assert limit.limit == 3
    for _ in range(100):
        limit.acquire()
        limit.release()
    assert limit.limit == 8  # never above IGNITE_GRADE_CONCURRENCY


def test_retry_after_pauses_the_platform_and_a_429_without_one_pauses_a_second():
    limit = passback._Limit(4)
    limit.acquire()
    before = time.time()
    limit.release(throttled=True, retry_after=30)
    assert before + 29 < limit.paused() <= time.time() + 30
    other = passback._Limit(4)
    other.acquire()
    other.release(throttled=True)
    assert 0 < other.paused() - time.time() <= 1.0


# --- one process, many threads -------------------------------------------------------------


@pytest.mark.django_db
@override_settings(IGNITE_GRADE_CONCURRENCY=8)
def test_many_scores_go_concurrently_with_one_token_and_one_column_per_link(teachers, ags):
    teachers(120, links=3)
    ags.delay = 0.02  # each answer takes a moment, as over a network
    assert grades_drain() == {"delivered": 120}
    assert 2 <= ags.max_in_flight <= 8  # several at once, never above the limit
    assert ags.token_requests == 1
    assert len(ags.line_items) == 3
    once = accepted_once(ags)
    assert len(once) == 120 and set(once.values()) == {1}
    # The token is this worker's own until shortly before it expires: the shared cache
    # emptied (another machine's Redis restarted) costs no new token request.
    cache.clear()
    more = teachers(5, links=1)
    assert grades_drain() == {"delivered": 5}
    assert ags.token_requests == 1
    assert {r.pk for r in more} <= set(
        GradeRecord.objects.filter(status=GradeRecord.Status.DELIVERED).values_list("pk", flat=True)
    )


@pytest.mark.django_db
def test_a_token_held_in_memory_is_renewed_before_it_expires(teachers, ags, monkeypatch):
    ags.token_ttl = 3600
    teachers(3)
    grades_drain()
    assert ags.token_requests == 1
    # An hour later (the token's expiry less the margin has passed) a new one is requested.
    from lti_tool import services_http

    real = time.time
    monkeypatch.setattr(services_http.time, "time", lambda: real() + 3600)
    cache.clear()
    GradeRecord.objects.update(status=GradeRecord.Status.PENDING, next_attempt_at=timezone.now())
    grades_drain()
    assert ags.token_requests == 2


@pytest.mark.django_db
@override_settings(IGNITE_GRADE_CONCURRENCY=4)
def test_429_with_retry_after_stops_the_batch_and_gives_the_rest_back_unsent(teachers, ags):
    teachers(40)
    grades_drain(limit=1)  # the line item and the token in place; one score delivered
    ags.faults["scores"].append((429, 30))
    before = timezone.now()
    counts = grades_drain()
    posts = len(ags.score_posts)
    delivered = GradeRecord.objects.filter(status=GradeRecord.Status.DELIVERED).count()
    waiting = GradeRecord.objects.filter(status=GradeRecord.Status.PENDING)
    assert counts.get("pending", 0) == waiting.count() > 0
    assert posts == delivered  # accepted POSTs are exactly the delivered rows
    # No hammering: after the 429 the platform was left alone; every waiting row waits at
    # least the Retry-After, and those never sent kept their attempt count.
    assert posts < 40 - 1
    assert all(r.next_attempt_at >= before + timedelta(seconds=29) for r in waiting)
    throttled = waiting.filter(last_error__contains="injected 429")
    assert throttled.count() == 1 and throttled.get().attempts == 1
    released = waiting.exclude(pk=throttled.get().pk)
    assert released.exists() and set(released.values_list("attempts", flat=True)) == {0}
    assert grades_drain() == {}  # nothing due, nothing sent
    assert len(ags.score_posts) == posts
    # The pause over and the rows due again: everything arrives, each once.
    deliveries_forget()
    GradeRecord.objects.filter(status=GradeRecord.Status.PENDING).update(
        next_attempt_at=timezone.now()
    )
    grades_drain()
    assert GradeRecord.objects.filter(status=GradeRecord.Status.DELIVERED).count() == 40
    assert set(accepted_once(ags).values()) == {1}


# --- order per (person, line item) -----------------------------------------------------------


@pytest.mark.django_db
def test_a_newer_score_waits_while_an_older_one_is_in_flight(teachers, ags):
    (first,) = teachers(1)
    # Another worker claimed the first score and is sending it (its lease is running).
    claimed, _ = grades.grades_claim_batch(limit=10)
    assert [r.pk for r in claimed] == [first.pk]
    newer = grades.grade_record_create(
        participant=first.participant, placement=first.placement, score_given=99, score_maximum=100
    )
    assert grades_drain() == {}  # the newer one is not sent alongside the older
    assert ags.score_posts == []
    grades.grades_delivered(ids=[first.pk])  # the other worker finishes
    assert grades_drain() == {"delivered": 1}
    assert [p["scoreGiven"] for p in ags.score_posts] == [99]
    newer.refresh_from_db()
    assert newer.status == GradeRecord.Status.DELIVERED


@pytest.mark.django_db
def test_of_two_due_scores_of_a_pair_only_the_newest_is_sent(teachers, ags):
    (first,) = teachers(1)
    grades.grades_claim_batch(limit=10)  # a worker claimed it and died: its lease runs out
    GradeRecord.objects.filter(pk=first.pk).update(lease_until=timezone.now() - timedelta(1))
    grades.grade_record_create(
        participant=first.participant, placement=first.placement, score_given=77, score_maximum=100
    )
    assert grades_drain() == {"delivered": 1}
    assert [p["scoreGiven"] for p in ags.score_posts] == [77]
    first.refresh_from_db()
    assert first.status == GradeRecord.Status.SUPERSEDED


# --- several worker processes, one PostgreSQL ------------------------------------------------

WORKER = """
import sys, time, django
django.setup()
from django.utils import timezone
from lti_tool.passback import grades_drain, next_due_at
from mastery.models import GradeRecord
print("ready", flush=True)
sys.stdin.readline()
sent = 0
while True:
    got = grades_drain(limit=500)
    sent += sum(got.values())
    if got:
        continue
    if not GradeRecord.objects.filter(status__in=["pending", "sending"]).exists():
        break
    at = next_due_at()
    time.sleep(min(max((at - timezone.now()).total_seconds() if at else 0.1, 0.01), 0.5))
print(sent, flush=True)
"""


def _database_url() -> str:
    s = connection.settings_dict
    user = quote(s["USER"] or "")
    password = f":{quote(s['PASSWORD'])}" if s.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.mark.django_db(transaction=True)
@override_settings(IGNITE_GRADE_CONCURRENCY=4)
def test_several_worker_processes_deliver_each_score_exactly_once(teachers, ags):
    if connection.vendor != "postgresql":
        pytest.skip("several worker processes share one PostgreSQL (CI's PostgreSQL pass)")
    teachers(300, links=4)
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "IGNITE_GRADE_CONCURRENCY": "4",
        "PYTHONPATH": str(ROOT),
    }
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    try:
        for worker in workers:
            assert worker.stdout.readline().strip() == "ready"
        for worker in workers:  # all at once
            worker.stdin.write("go\n")
            worker.stdin.flush()
        sent = [int(worker.communicate(timeout=120)[0].split()[-1]) for worker in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
    assert all(worker.returncode == 0 for worker in workers)
    assert sum(sent) == 300
    assert sum(1 for n in sent if n) >= 2  # the work was shared, not done by one
    once = accepted_once(ags)
    assert len(once) == 300 and set(once.values()) == {1}  # none twice, none never
    assert GradeRecord.objects.filter(status=GradeRecord.Status.DELIVERED).count() == 300
    assert ags.token_requests == 1  # one per platform and scope set, however many workers
    assert len(ags.line_items) == 4  # one gradebook column per link


@pytest.mark.django_db
def test_a_refused_token_is_replaced_once_for_every_send_that_used_it(platform, ags):
    """Many scores in flight with one token all get a 401: one new token, not one per score."""
    scopes = passback.AGS_SCOPES
    first = passback.PlatformClient(platform).access_token(scopes)
    ags.expire_all_tokens()
    renewed = [passback.PlatformClient(platform).access_token(scopes, refused=first)]
    renewed += [passback.PlatformClient(platform).access_token(scopes, refused=first)]
    assert renewed[0] == renewed[1] != first
    assert ags.token_requests == 2
