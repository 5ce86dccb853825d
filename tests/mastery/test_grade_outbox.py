from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from courses.models import Cohort, Participant, Placement
from mastery import grades
from mastery.models import GradeRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair():
    cohort = Cohort.objects.create(title="C")
    return Participant.objects.create(name="T"), Placement.objects.create(cohort=cohort, title="P")


def write(pair, score, **kw):
    participant, placement = pair
    return grades.grade_record_create(
        participant=participant, placement=placement, score_given=score, score_maximum=100, **kw
    )


def test_timestamps_strictly_increase_even_within_the_same_instant(pair, monkeypatch):
    frozen = timezone.now()
    monkeypatch.setattr(grades.timezone, "now", lambda: frozen)
    first, second, third = write(pair, 50), write(pair, 60), write(pair, 70)
    assert first.timestamp < second.timestamp < third.timestamp


def test_newer_score_supersedes_older_unsent_ones(pair):
    old = write(pair, 50)
    new = write(pair, 90)
    old.refresh_from_db()
    assert old.status == GradeRecord.Status.SUPERSEDED
    assert grades.grades_due_ids() == [new.pk]


def test_claim_changes_exactly_one_row_once(pair):
    record = write(pair, 80)
    assert grades.grade_claim(record_id=record.pk) is not None
    assert grades.grade_claim(record_id=record.pk) is None  # a second worker gets nothing
    record.refresh_from_db()
    assert record.status == GradeRecord.Status.SENDING and record.attempts == 1


def test_claim_skips_a_row_once_a_newer_one_exists(pair):
    old = write(pair, 50)
    claimed = grades.grade_claim(record_id=old.pk)
    write(pair, 90)  # arrives while the old one is being sent
    grades.grade_failed(record=claimed, error="timeout", permanent=False)
    old.refresh_from_db()
    GradeRecord.objects.filter(pk=old.pk).update(next_attempt_at=timezone.now())
    assert grades.grade_claim(record_id=old.pk) is None
    old.refresh_from_db()
    assert old.status == GradeRecord.Status.SUPERSEDED


def test_a_dead_senders_lease_expires_and_the_row_is_due_again(pair):
    record = write(pair, 80)
    grades.grade_claim(record_id=record.pk)
    assert grades.grades_due_ids() == []
    GradeRecord.objects.filter(pk=record.pk).update(
        lease_until=timezone.now() - timedelta(seconds=1)
    )
    assert grades.grades_due_ids() == [record.pk]
    assert grades.grade_claim(record_id=record.pk).attempts == 2


def test_transient_failure_backs_off_and_honours_retry_after(pair):
    record = write(pair, 80)
    claimed = grades.grade_claim(record_id=record.pk)
    before = timezone.now()
    next_at = grades.grade_failed(record=claimed, error="HTTP 429", permanent=False, retry_after=30)
    assert next_at >= before + timedelta(seconds=30)
    record.refresh_from_db()
    assert record.status == GradeRecord.Status.PENDING and record.last_error == "HTTP 429"
    assert grades.grades_due_ids() == []


def test_backoff_grows_with_attempts(pair):
    record = write(pair, 80)
    delays = []
    for _ in range(6):
        GradeRecord.objects.filter(pk=record.pk).update(next_attempt_at=timezone.now())
        claimed = grades.grade_claim(record_id=record.pk)
        delays.append(
            (
                grades.grade_failed(record=claimed, error="x", permanent=False) - timezone.now()
            ).total_seconds()
        )
    assert delays[-1] > delays[0] * 4
    assert max(delays) <= grades.BACKOFF_MAX


def test_permanent_failure_stops_and_can_be_retried(pair):
    record = write(pair, 80)
    claimed = grades.grade_claim(record_id=record.pk)
    grades.grade_failed(record=claimed, error="HTTP 400: user not enrolled", permanent=True)
    record.refresh_from_db()
    assert record.status == GradeRecord.Status.FAILED
    assert grades.grades_due_ids() == []
    assert grades.grades_retry(ids=[record.pk]) == 1
    assert grades.grades_due_ids() == [record.pk]


def test_score_maximum_must_be_positive(pair):
    with pytest.raises(ValueError):
        grades.grade_record_create(
            participant=pair[0], placement=pair[1], score_given=0, score_maximum=0
        )


def _waiting_tasks() -> int:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        task_path="lti_tool.tasks.deliver_grades", status="READY"
    ).count()


def test_a_burst_of_scores_enqueues_one_delivery_task(pair, django_capture_on_commit_callbacks):
    for score in (40, 50, 60):
        with django_capture_on_commit_callbacks(execute=True):
            write(pair, score)
    assert _waiting_tasks() == 1


def test_once_the_task_has_taken_the_mark_the_next_score_enqueues_again(
    pair, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        write(pair, 40)
    grades.grades_nudge_taken()  # what the task does before it reads the outbox
    with django_capture_on_commit_callbacks(execute=True):
        write(pair, 50)
    assert _waiting_tasks() == 2


def test_the_delivery_task_clears_the_mark_before_it_reads_the_outbox(pair, monkeypatch):
    from django.core.cache import cache

    from lti_tool import tasks

    seen = []
    monkeypatch.setattr(tasks, "grades_drain", lambda: seen.append(cache.get(grades.NUDGE_KEY)))
    monkeypatch.setattr(tasks, "next_due_at", lambda: None)
    cache.set(grades.NUDGE_KEY, 1, 30)
    tasks.deliver_grades.call()
    assert seen == [None]


def test_a_failed_enqueue_leaves_no_mark(pair, settings, django_capture_on_commit_callbacks):
    from django.core.cache import cache

    settings.IGNITE_GRADE_DELIVERY_TASK = "mastery.grades.no_such_task"
    with django_capture_on_commit_callbacks(execute=True):
        write(pair, 40)
    assert cache.get(grades.NUDGE_KEY) is None  # the next score tries again
    assert GradeRecord.objects.filter(status=GradeRecord.Status.PENDING).count() == 1


# grade_record_create_after: the mastery submit's writes, one statement on PostgreSQL.


def write_after(pair, score, *, guard_pk=None, also=(), name="changed"):
    from prepared import update_statement

    participant, placement = pair
    guard = update_statement(
        Participant.objects.filter(pk=participant.pk if guard_pk is None else guard_pk),
        {"name": name},
    )
    return grades.grade_record_create_after(
        guard=guard,
        also=list(also),
        participant=participant,
        placement=placement,
        score_given=score,
        score_maximum=100,
        kind=GradeRecord.Kind.MASTERY,
        comment=f"score {score}",
    )


def test_after_a_guard_scores_keep_the_outboxs_order_and_supersede(pair, monkeypatch):
    frozen = timezone.now()
    monkeypatch.setattr(grades.timezone, "now", lambda: frozen)
    old = write(pair, 50)  # the ORM's way, then the one-statement way: one outbox
    first, second = write_after(pair, 60), write_after(pair, 70)
    assert old.timestamp < first.timestamp < second.timestamp
    for record in (old, first):
        record.refresh_from_db()
        assert record.status == GradeRecord.Status.SUPERSEDED
    pending = GradeRecord.objects.filter(status=GradeRecord.Status.PENDING)
    assert list(pending.values_list("pk", flat=True)) == [second.pk]
    row = GradeRecord.objects.get(pk=second.pk)
    assert (row.score_given, row.score_maximum, row.comment) == (70, 100, "score 70")
    assert (row.status, row.attempts, row.lease_until, row.timestamp) == (
        GradeRecord.Status.PENDING,
        0,
        None,
        second.timestamp,
    )
    assert pair[0].__class__.objects.get(pk=pair[0].pk).name == "changed"


def test_a_later_clock_is_the_scores_time(pair):
    first = write_after(pair, 60)
    second = write_after(pair, 70)
    assert second.timestamp > first.timestamp
    assert timezone.now() - second.timestamp < timedelta(seconds=5)


def test_a_guard_that_changes_nothing_writes_no_score(pair):
    write(pair, 50)
    assert write_after(pair, 90, guard_pk=-1) is None
    assert GradeRecord.objects.count() == 1
    assert GradeRecord.objects.get().status == GradeRecord.Status.PENDING  # not superseded


def test_also_statements_run_with_the_score(pair):
    from prepared import update_statement

    cohort = Cohort.objects.create(title="before")
    also = update_statement(Cohort.objects.filter(pk=cohort.pk), {"title": "after"})
    assert write_after(pair, 80, also=[also]) is not None
    cohort.refresh_from_db()
    assert cohort.title == "after"


def test_the_writes_are_one_statement_on_postgresql(pair, django_assert_num_queries):
    from django.db import connection

    # SQLite: the guard, the lock on the newest score, the insert, the supersede.
    with django_assert_num_queries(1 if connection.vendor == "postgresql" else 4):
        assert write_after(pair, 80) is not None


def test_a_score_after_a_guard_nudges_the_worker(pair, django_capture_on_commit_callbacks):
    from django.core.cache import cache

    cache.delete(grades.NUDGE_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        write_after(pair, 40)
    assert _waiting_tasks() == 1


def test_a_nonpositive_maximum_is_refused_before_any_write(pair):
    participant, placement = pair
    with pytest.raises(ValueError):
        grades.grade_record_create_after(
            guard=("UPDATE nothing", []),
            participant=participant,
            placement=placement,
            score_given=1,
            score_maximum=0,
            kind=GradeRecord.Kind.MASTERY,
        )
