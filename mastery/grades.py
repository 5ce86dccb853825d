"""The grade outbox: write (in the grading transaction), claim, settle, and read.

Delivery itself knows the LMS and lives in lti_tool/passback.py; this module knows only rows.
"""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Exists, F, Max, OuterRef, Q, QuerySet
from django.utils import timezone

from courses.models import Participant, Placement
from courses.page_queries import page_flag
from prepared import Prepared, insert_columns, insert_params
from taskmarks import task_enqueue_once, task_mark_taken

from .models import GradeRecord

logger = logging.getLogger("ignite.grades")

LEASE = timedelta(seconds=120)  # default of IGNITE_GRADE_LEASE_SECONDS
BACKOFF_BASE = 2.0  # seconds
BACKOFF_MAX = 3600.0


def grade_record_create(**score) -> GradeRecord:
    """Add a score to the outbox (`score`: what _outbox_row takes: participant, placement,
    score_given, score_maximum, and kind, the progress values and a comment if not the
    defaults). Call inside the transaction that produced the score."""
    record = _outbox_row(**score)
    # Joins the caller's transaction without a savepoint of its own (an error here must undo
    # the caller's work too); its own transaction when called outside one.
    with transaction.atomic(savepoint=False):
        return _grade_record_write(record)


_KEY_FIELDS = {
    "participant_id": GradeRecord._meta.get_field("participant"),
    "placement_id": GradeRecord._meta.get_field("placement"),
    "kind": GradeRecord._meta.get_field("kind"),
}
# Every score's two statements besides its insert, compiled once per connection (prepared/).
_NEWEST = Prepared(
    "grades-newest",
    # Locks the newest row of the key, so two writers of one key take turns.
    lambda participant_id, placement_id, kind: (
        GradeRecord.objects.select_for_update()
        .filter(participant_id=participant_id, placement_id=placement_id, kind=kind)
        .order_by("-timestamp")
        .only("timestamp")[:1]
    ),
    _KEY_FIELDS,
)
_SUPERSEDE = Prepared(
    "grades-supersede",
    lambda participant_id, placement_id, kind, timestamp: GradeRecord.objects.filter(
        participant_id=participant_id,
        placement_id=placement_id,
        kind=kind,
        status=GradeRecord.Status.PENDING,
        timestamp__lt=timestamp,
    ),
    {**_KEY_FIELDS, "timestamp": GradeRecord._meta.get_field("timestamp")},
    kind="update",
    update=lambda **_values: {"status": GradeRecord.Status.SUPERSEDED, "lease_until": None},
)


def _outbox_row(
    *,
    participant: Participant,
    placement: Placement,
    score_given: Decimal | float | None,
    score_maximum: Decimal | float,
    kind: str = GradeRecord.Kind.MASTERY,
    activity_progress: str = "Completed",
    grading_progress: str = "FullyGraded",
    comment: str = "",
) -> GradeRecord:
    """The outbox row of a score, not saved; its time now (the writer moves it after the
    newest score of its key). Refuses a maximum that is not positive, before any write."""
    if Decimal(str(score_maximum)) <= 0:
        raise ValueError("score_maximum must be greater than 0")
    return GradeRecord(
        participant=participant,
        placement=placement,
        kind=kind,
        score_given=None if score_given is None else Decimal(str(score_given)),
        score_maximum=Decimal(str(score_maximum)),
        activity_progress=activity_progress,
        grading_progress=grading_progress,
        comment=comment,
        timestamp=timezone.now(),
    )


def _grade_record_write(record: GradeRecord) -> GradeRecord:
    """Save an outbox row (from _outbox_row) just after its key's newest score, and mark older
    unsent ones superseded; in the caller's transaction."""
    key = {
        "participant_id": record.participant_id,
        "placement_id": record.placement_id,
        "kind": str(record.kind),
    }
    newest = _NEWEST.run(**key)
    last = newest[0].timestamp if newest else None
    if last is not None and record.timestamp <= last:
        record.timestamp = last + timedelta(milliseconds=1)
    record.save(force_insert=True)
    timestamp = record.timestamp
    # Only the newest score of a kind matters to the gradebook: older unsent ones are dropped.
    _SUPERSEDE.run(**key, timestamp=timestamp)
    transaction.on_commit(_nudge_worker)
    return record


def grade_record_create_after(
    *,
    guard: tuple[str, list],
    also: list[tuple[str, list]] = (),
    using: str = DEFAULT_DB_ALIAS,
    **score,
) -> GradeRecord | None:
    """Run `guard` (the SQL and parameters of an UPDATE that changes at most one row) and, only
    when it changed a row, add the score (`score`: what _outbox_row takes) to the
    outbox as grade_record_create does; `also`
    (statements harmless whether or not the guard changed a row) run with them. Returns the
    outbox row, or None when the guard changed nothing (and no score was written).

    On PostgreSQL that is one statement (a WITH of the writes): the guard, `also`, the lock on
    the key's newest score, the insert and the supersede are one round trip and their own
    transaction, where they were a transaction of five statements (a mastery submit's writes:
    bench/launch.py). Elsewhere (SQLite) the same statements in one transaction."""
    connection = connections[using]
    record = _outbox_row(**score)
    if connection.vendor != "postgresql":
        with transaction.atomic(using=using, savepoint=False):
            with connection.cursor() as cursor:
                cursor.execute(*guard)
                if cursor.rowcount < 1:
                    return None
                for statement in also:
                    cursor.execute(*statement)
            return _grade_record_write(record)
    sql = _outbox_insert_sql(connection, guard[0], [s for s, _ in also])
    key = [record.participant_id, record.placement_id, str(record.kind)]
    params = [*guard[1]]
    for _sql, also_params in also:
        params += also_params
    params += key  # the newest score's lock
    params += insert_params(record, skip=("timestamp",), using=using)
    params += [record.timestamp, record.timestamp]  # the new score's time (after the newest)
    params += [GradeRecord.Status.SUPERSEDED, *key, GradeRecord.Status.PENDING]
    with transaction.mark_for_rollback_on_error(using=using):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            changed, pk, timestamp = cursor.fetchone()
    if not changed:
        return None
    record.pk, record.timestamp = pk, timestamp
    record._state.adding, record._state.db = False, using
    transaction.on_commit(_nudge_worker, using=using)
    return record


_INSERT_SQL: dict[tuple, str] = {}


def _outbox_insert_sql(connection, guard: str, also: list[str]) -> str:
    """The one statement of grade_record_create_after on PostgreSQL, built once per shape. Its
    parts are those of _grade_record_write: lock the key's newest score, insert the new one
    just after it (its columns but the time from prepared.insert_columns, its values from
    insert_params), mark older unsent ones superseded."""
    shape = (guard, *also)
    kept = _INSERT_SQL.get(shape)
    if kept is not None:
        return kept
    q = connection.ops.quote_name
    names, values = insert_columns(GradeRecord, skip=("timestamp",), using=connection.alias)
    meta = GradeRecord._meta
    table, pk = q(meta.db_table), q(meta.pk.column)
    ts, status = q(meta.get_field("timestamp").column), q(meta.get_field("status").column)
    lease = q(meta.get_field("lease_until").column)
    key = " AND ".join(
        f"{q(meta.get_field(name).column)} = %s" for name in ("participant", "placement", "kind")
    )
    also_parts = "".join(f", ignite_also{n} AS ({s})" for n, s in enumerate(also))
    # Only ORM-compiled SQL and the model's quoted names are joined; every value is a parameter.
    sql = (
        f"WITH ignite_guard AS ({guard} RETURNING 1){also_parts}, "  # noqa: S608
        f"ignite_newest AS (SELECT {ts} AS ts FROM {table} WHERE {key} "
        f"ORDER BY {ts} DESC LIMIT 1 FOR UPDATE), "
        f"ignite_score AS (INSERT INTO {table} ({', '.join(names)}, {ts}) "
        f"SELECT {', '.join(values)}, "
        f"CASE WHEN NOT EXISTS (SELECT 1 FROM ignite_newest) "
        f"OR %s > (SELECT ts FROM ignite_newest) THEN %s "
        f"ELSE (SELECT ts FROM ignite_newest) + INTERVAL '1 millisecond' END "
        f"WHERE EXISTS (SELECT 1 FROM ignite_guard) RETURNING {pk} AS id, {ts} AS ts), "
        f"ignite_superseded AS (UPDATE {table} SET {status} = %s, {lease} = NULL "
        f"WHERE {key} AND {status} = %s AND {ts} < (SELECT ts FROM ignite_score)) "
        "SELECT (SELECT count(*) FROM ignite_guard), "
        "(SELECT id FROM ignite_score), (SELECT ts FROM ignite_score)"
    )
    _INSERT_SQL[shape] = sql
    return sql


# A delivery task is waiting (taskmarks: set when one is enqueued, cleared by the task before it
# reads the outbox). Its time to live bounds how long a task lost with a killed worker holds back
# new nudges; the worker's sweep (every few seconds) delivers in the meantime.
NUDGE_KEY = "grades:nudge-waiting"
NUDGE_TTL = 30


def _nudge_worker() -> None:
    """Ask the worker to deliver now, unless a delivery task is already waiting: one waiting
    task drains every due score when it runs, so a burst of submits enqueues one task, not one
    each (an enqueue is a database insert). Safe because the task clears the mark before it
    reads the outbox (grades_nudge_taken): a score committed while the mark was still there is
    in that task's drain, and one committed after finds the mark gone and enqueues again.

    The task is named in settings so that this app does not import the LMS side (lti_tool)
    that knows how to deliver."""
    try:
        task_enqueue_once(settings.IGNITE_GRADE_DELIVERY_TASK, key=NUDGE_KEY, ttl=NUDGE_TTL)
    except Exception:  # noqa: BLE001 - the row is safe in the outbox; the worker's sweep sends it
        logger.warning("could not enqueue grade delivery", exc_info=True)


def grades_nudge_taken() -> None:
    """Called by the delivery task before it reads the outbox: the next score nudges again."""
    task_mark_taken(key=NUDGE_KEY)


def _due(now: datetime | None = None) -> Q:
    now = now or timezone.now()
    return Q(status=GradeRecord.Status.PENDING, next_attempt_at__lte=now) | Q(
        status=GradeRecord.Status.SENDING, lease_until__lt=now
    )


def grades_due_ids(*, limit: int = 100) -> list[int]:
    return list(
        GradeRecord.objects.filter(_due())
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )


def grade_claim(*, record_id: int) -> GradeRecord | None:
    """Claim a due row for delivery: a conditional update that must change exactly one row.

    A row whose sender died mid-delivery is due again once its lease has passed.
    """
    now = timezone.now()
    claimed = GradeRecord.objects.filter(_due(), pk=record_id).update(
        status=GradeRecord.Status.SENDING,
        lease_until=now + timedelta(seconds=getattr(settings, "IGNITE_GRADE_LEASE_SECONDS", 120)),
        attempts=F("attempts") + 1,
        last_attempt_at=now,
    )
    if claimed != 1:
        return None
    record = GradeRecord.objects.select_related("participant", "placement").get(pk=record_id)
    newer = GradeRecord.objects.filter(
        participant_id=record.participant_id,
        placement_id=record.placement_id,
        kind=record.kind,
        timestamp__gt=record.timestamp,
    ).exclude(status=GradeRecord.Status.SUPERSEDED)
    if newer.exists():
        # A newer score exists: never send an older one after (or instead of) it.
        _settle(record, status=GradeRecord.Status.SUPERSEDED)
        return None
    return record


def grades_claim_batch(*, limit: int = 50) -> tuple[list[GradeRecord], int]:
    """Claim up to `limit` due rows for this worker under a lease; returns the rows to send and
    how many rows were claimed (those with a newer score are settled as superseded).

    Workers on several machines claim at once without waiting for each other or taking the
    same row: PostgreSQL's SELECT ... FOR UPDATE SKIP LOCKED hands each claimer rows no other
    claimer holds. SQLite has no row locks; its transactions start IMMEDIATE (settings), so
    claimers take turns. A row whose sender died is due again once its lease has passed.

    Order per (person, placement, kind): a row is not claimed while another row of the same
    pair is being sent (its lease still running), and of the claimed rows only the newest of
    its pair is sent, so an older score never reaches the LMS after a newer one.
    """
    now = timezone.now()
    lease = timedelta(seconds=getattr(settings, "IGNITE_GRADE_LEASE_SECONDS", 120))
    in_flight = GradeRecord.objects.filter(
        participant_id=OuterRef("participant_id"),
        placement_id=OuterRef("placement_id"),
        kind=OuterRef("kind"),
        status=GradeRecord.Status.SENDING,
        lease_until__gte=now,
    ).exclude(pk=OuterRef("pk"))
    with transaction.atomic():
        ids = list(
            GradeRecord.objects.select_for_update(skip_locked=True)
            .filter(_due(now))
            .filter(~Exists(in_flight))
            .order_by("next_attempt_at", "id")
            .values_list("id", flat=True)[:limit]
        )
        if not ids:
            return [], 0
        GradeRecord.objects.filter(pk__in=ids).update(
            status=GradeRecord.Status.SENDING,
            lease_until=now + lease,
            attempts=F("attempts") + 1,
            last_attempt_at=now,
        )
    records = list(GradeRecord.objects.filter(pk__in=ids, status=GradeRecord.Status.SENDING))
    newest = {
        (participant, placement, kind): latest
        for participant, placement, kind, latest in GradeRecord.objects.filter(
            participant_id__in={r.participant_id for r in records},
            placement_id__in={r.placement_id for r in records},
        )
        .exclude(status=GradeRecord.Status.SUPERSEDED)
        .order_by()
        .values_list("participant_id", "placement_id", "kind")
        .annotate(latest=Max("timestamp"))
    }
    older = [
        r
        for r in records
        if r.timestamp < newest.get((r.participant_id, r.placement_id, r.kind), r.timestamp)
    ]
    if older:
        # A newer score exists: never send an older one after (or instead of) it.
        GradeRecord.objects.filter(
            pk__in=[r.pk for r in older], status=GradeRecord.Status.SENDING
        ).update(status=GradeRecord.Status.SUPERSEDED, lease_until=None)
    skip = {r.pk for r in older}
    order = {pk: n for n, pk in enumerate(ids)}
    sendable = sorted((r for r in records if r.pk not in skip), key=lambda r: order[r.pk])
    return sendable, len(ids)


def grades_delivered(*, ids: list[int]) -> int:
    """Settle a batch of sent rows as delivered, in one statement."""
    return GradeRecord.objects.filter(pk__in=ids, status=GradeRecord.Status.SENDING).update(
        status=GradeRecord.Status.DELIVERED,
        delivered_at=timezone.now(),
        last_error="",
        lease_until=None,
    )


def grade_release(*, record: GradeRecord, until: datetime, reason: str) -> None:
    """Give back a claimed row that was not sent (the LMS asked to wait): due again at `until`,
    and the attempt not counted."""
    _settle(
        record,
        status=GradeRecord.Status.PENDING,
        next_attempt_at=until,
        attempts=F("attempts") - 1,
        last_error=reason,
    )


def _settle(record: GradeRecord, **values) -> None:
    values.setdefault("lease_until", None)
    GradeRecord.objects.filter(pk=record.pk, status=GradeRecord.Status.SENDING).update(**values)


def grade_delivered(*, record: GradeRecord) -> None:
    _settle(record, status=GradeRecord.Status.DELIVERED, delivered_at=timezone.now(), last_error="")


def grade_no_gradebook(*, record: GradeRecord, reason: str) -> None:
    _settle(record, status=GradeRecord.Status.NO_GRADEBOOK, last_error=reason)


def grade_failed(
    *, record: GradeRecord, error: str, permanent: bool, retry_after: float | None = None
) -> datetime | None:
    """Record a failed delivery: permanent ones stop for a person to see; others back off."""
    if permanent:
        _settle(record, status=GradeRecord.Status.FAILED, last_error=error)
        return None
    delay = min(BACKOFF_BASE * 2 ** max(record.attempts - 1, 0), BACKOFF_MAX)
    delay = random.uniform(delay / 2, delay)  # noqa: S311 - jitter, not security
    if retry_after is not None:
        delay = max(delay, min(retry_after, BACKOFF_MAX))
    next_at = timezone.now() + timedelta(seconds=delay)
    _settle(record, status=GradeRecord.Status.PENDING, last_error=error, next_attempt_at=next_at)
    return next_at


def grades_retry(*, ids: list[int] | None = None, placement_ids: list[int] | None = None) -> int:
    """Send failed scores again (the trainer's retry button, `manage.py grades retry`)."""
    qs: QuerySet[GradeRecord] = GradeRecord.objects.filter(status=GradeRecord.Status.FAILED)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    if placement_ids is not None:
        qs = qs.filter(placement_id__in=placement_ids)
    # A failed row with a newer sibling is superseded instead of resent.
    count = 0
    for record in qs:
        newer = GradeRecord.objects.filter(
            participant_id=record.participant_id,
            placement_id=record.placement_id,
            kind=record.kind,
            timestamp__gt=record.timestamp,
        ).exclude(status=GradeRecord.Status.SUPERSEDED)
        status = GradeRecord.Status.SUPERSEDED if newer.exists() else GradeRecord.Status.PENDING
        count += GradeRecord.objects.filter(pk=record.pk, status=GradeRecord.Status.FAILED).update(
            status=status, next_attempt_at=timezone.now(), attempts=0
        )
    if count:
        transaction.on_commit(_nudge_worker)
    return count


def grade_latest_for(
    *, participant_id: int, placement_id: int, kind: str = GradeRecord.Kind.MASTERY
) -> GradeRecord | None:
    return (
        GradeRecord.objects.filter(
            participant_id=participant_id, placement_id=placement_id, kind=kind
        )
        .exclude(status=GradeRecord.Status.SUPERSEDED)
        .order_by("-timestamp")
        .first()
    )


def grades_latest(*, participant: Participant, placement: Placement) -> dict[str, GradeRecord]:
    """The latest record of each kind (what grade_latest_for gives per kind), in one query;
    none when the placement was read with a flag saying there is none
    (courses/page_queries.py)."""
    if not page_flag(placement, participant, "grades"):
        return {}
    # One read per request: the module page asks for both kinds from two places.
    memo = getattr(placement, "_grades_latest", None)
    if memo is not None and memo[0] == participant.pk:
        return memo[1]
    latest: dict[str, GradeRecord] = {}
    for record in (
        GradeRecord.objects.filter(participant=participant, placement=placement)
        .exclude(status=GradeRecord.Status.SUPERSEDED)
        .order_by("-timestamp")
    ):
        latest.setdefault(record.kind, record)
    if getattr(placement, "page_participant_id", None) == participant.pk:
        placement._grades_latest = (participant.pk, latest)
    return latest
