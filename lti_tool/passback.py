"""Deliver the grade outbox to the LMS through Assignment and Grade Services 2.0."""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.db.models import Min
from django.utils import timezone

from mastery import grades
from mastery.models import GradeRecord

from .events import grade_delivery_settled
from .models import LtiLineItem, LtiResourceLink, LtiUser
from .platform_keys import http_session
from .services_http import (
    MEDIA_LINEITEM,
    MEDIA_LINEITEMS,
    MEDIA_SCORE,
    SCOPE_LINEITEM,
    SCOPE_RESULT_READONLY,
    SCOPE_SCORE,
    PlatformClient,
    ServiceError,
    scores_url,
)

logger = logging.getLogger("ignite.grades")

AGS_SCOPES = (SCOPE_LINEITEM, SCOPE_RESULT_READONLY, SCOPE_SCORE)
LABELS = {
    GradeRecord.Kind.MASTERY: "Mastery check",
    GradeRecord.Kind.EVIDENCE: "Evidence of practice",
    GradeRecord.Kind.OBSERVATION: "Observation of practice",
}


def _number(value) -> float | int:
    as_float = float(value)
    return int(as_float) if as_float.is_integer() else round(as_float, 4)


LINEITEM_LOCK_WAIT = 30  # seconds a worker waits for another one making the same line item


def _lineitem_url(client: PlatformClient, link: LtiResourceLink, record: GradeRecord) -> str:
    """The column for this score: the launch's own line item, else one found or made by tag.

    Workers (on several machines) meeting the same new link at once must not each make a
    column in the gradebook: one holds a lock in the shared cache while it looks and makes;
    the others wait for its row."""
    if record.kind == GradeRecord.Kind.MASTERY and link.lineitem_url:
        return link.lineitem_url
    lock = f"lti:lineitem-lock:{link.pk}:{record.kind}"
    deadline = time.monotonic() + LINEITEM_LOCK_WAIT
    while True:
        known = LtiLineItem.objects.filter(resource_link=link, tag=record.kind).first()
        if known:
            return known.url
        if cache.add(lock, 1, LINEITEM_LOCK_WAIT):
            break
        if time.monotonic() > deadline:
            lock = ""  # the holder is stuck or gone: look and make without it
            break
        time.sleep(0.05)
    try:
        known = LtiLineItem.objects.filter(resource_link=link, tag=record.kind).first()
        if known:
            return known.url
        return _lineitem_find_or_make(client, link, record)
    finally:
        if lock:
            cache.delete(lock)


def _lineitem_find_or_make(client: PlatformClient, link: LtiResourceLink, record) -> str:
    if not link.lineitems_url:
        raise ServiceError("this LMS link has no line items service", permanent=True)
    placement = link.placement
    resource_id = f"{placement.module_slug or 'placement-' + str(placement.pk)}:{record.kind}"
    container = link.lineitems_url
    separator = "&" if "?" in container else "?"
    for page in client.get_pages(
        f"{container}{separator}resource_link_id={link.resource_link_id}",
        AGS_SCOPES,
        accept=MEDIA_LINEITEMS,
        what="listing line items",
    ):
        for item in page if isinstance(page, list) else []:
            if (
                isinstance(item, dict)
                and item.get("resourceLinkId") == link.resource_link_id
                and (item.get("tag") == record.kind or item.get("resourceId") == resource_id)
                and item.get("id")
            ):
                return LtiLineItem.objects.get_or_create(
                    resource_link=link, tag=record.kind, defaults={"url": item["id"]}
                )[0].url
    label = f"{placement.title or 'Ignite'}: {LABELS.get(record.kind, record.kind)}"
    response = client.request(
        "POST",
        container,
        AGS_SCOPES,
        what="creating a line item",
        json={
            "scoreMaximum": _number(record.score_maximum),
            "label": label[:255],
            "resourceId": resource_id,
            "resourceLinkId": link.resource_link_id,
            "tag": record.kind,
        },
        headers={"Content-Type": MEDIA_LINEITEM, "Accept": MEDIA_LINEITEM},
    )
    try:
        url = response.json()["id"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ServiceError(
            "the LMS created a line item but did not say its id", permanent=False
        ) from exc
    return LtiLineItem.objects.get_or_create(
        resource_link=link, tag=record.kind, defaults={"url": url}
    )[0].url


CANVAS_SUBMISSION = "https://canvas.instructure.com/lti/submission"


def is_canvas(platform) -> bool:
    host = urlsplit(platform.issuer).hostname or ""
    return host == "instructure.com" or host.endswith(".instructure.com")


def score_payload(record: GradeRecord, user_id: str, *, canvas: bool = False) -> dict:
    payload = {
        "userId": user_id,
        "activityProgress": record.activity_progress,
        "gradingProgress": record.grading_progress,
        "timestamp": record.timestamp.isoformat(timespec="milliseconds"),
    }
    if record.score_given is not None:
        # AGS: scoreGiven and scoreMaximum go together; never above the maximum.
        payload["scoreGiven"] = _number(min(record.score_given, record.score_maximum))
        payload["scoreMaximum"] = _number(record.score_maximum)
    if record.comment:
        payload["comment"] = record.comment
    if canvas:
        # Canvas's AGS extension: show the score as a submission at the time it was made,
        # so SpeedGrader and "missing"/"late" policies see it.
        payload[CANVAS_SUBMISSION] = {
            "new_submission": True,
            "submitted_at": record.timestamp.isoformat(timespec="milliseconds"),
        }
    return payload


@dataclass
class _Job:
    record: GradeRecord
    url: str
    payload: dict
    outcome: str = ""  # "sent", "error", "unauthorized", "released"
    error: ServiceError | None = None


class _Limit:
    """How many scores a worker sends one platform at once: up to IGNITE_GRADE_CONCURRENCY,
    halved on each 429 (down to 1) and raised by one after as many successes in a row as the
    limit (additive increase, multiplicative decrease); a Retry-After pauses the platform."""

    def __init__(self, maximum: int):
        self.maximum = max(1, maximum)
        self.limit = self.maximum
        self.in_flight = 0
        self.successes = 0
        self.paused_until = 0.0  # time.time() before which nothing is sent
        self.condition = threading.Condition()

    def acquire(self) -> None:
        with self.condition:
            while self.in_flight >= self.limit:
                self.condition.wait()
            self.in_flight += 1

    def release(self, *, throttled: bool = False, retry_after: float | None = None) -> None:
        with self.condition:
            self.in_flight -= 1
            if throttled:
                self.limit = max(1, self.limit // 2)
                self.successes = 0
                self.paused_until = max(
                    self.paused_until, time.time() + (retry_after if retry_after else 1.0)
                )
            else:
                self.successes += 1
                if self.successes >= self.limit and self.limit < self.maximum:
                    self.limit += 1
                    self.successes = 0
            self.condition.notify_all()

    def paused(self) -> float:
        """The time to wait until, if the platform asked to wait; else 0."""
        return self.paused_until if self.paused_until > time.time() else 0.0


class _Delivery:
    """What a worker process keeps per platform registration between batches: one HTTP
    session (its connections are reused), a thread pool and the adaptive limit."""

    def __init__(self, concurrency: int):
        self.session = http_session(pool_maxsize=max(concurrency, 1))
        self.pool = ThreadPoolExecutor(max_workers=max(concurrency, 1), thread_name_prefix="ags")
        self.limit = _Limit(concurrency)


_deliveries: dict[tuple, _Delivery] = {}
_deliveries_lock = threading.Lock()


def deliveries_forget() -> None:
    """Drop this process's sessions, pools and limits (tests; as a restarted worker)."""
    with _deliveries_lock:
        old = list(_deliveries.values())
        _deliveries.clear()
    for delivery in old:
        delivery.pool.shutdown(wait=False)
        delivery.session.close()


def _delivery_for(platform) -> _Delivery:
    concurrency = max(1, int(getattr(settings, "IGNITE_GRADE_CONCURRENCY", 8)))
    key = (platform.pk, platform.auth_token_url, platform.client_id, concurrency)
    with _deliveries_lock:
        delivery = _deliveries.get(key)
        if delivery is None:
            delivery = _deliveries[key] = _Delivery(concurrency)
        return delivery


def _send_one(client: PlatformClient, delivery: _Delivery, job: _Job, token: str) -> None:
    """Runs in a pool thread: HTTP only (no database, no cache)."""
    throttled, retry_after = False, None
    try:
        client.send(
            "POST",
            job.url,
            token,
            what="sending the score",
            json=job.payload,
            headers={"Content-Type": MEDIA_SCORE},
        )
        job.outcome = "sent"
    except ServiceError as exc:
        job.outcome, job.error = ("unauthorized" if exc.status == 401 else "error"), exc
        throttled, retry_after = exc.status == 429, exc.retry_after
    except Exception as exc:  # noqa: BLE001 - one bad row must never stop the worker
        logger.exception("grade %s: unexpected error", job.record.pk)
        job.outcome = "error"
        job.error = ServiceError(f"Unexpected error: {exc.__class__.__name__}", permanent=False)
    finally:
        delivery.limit.release(throttled=throttled, retry_after=retry_after)


def _send_all(client: PlatformClient, delivery: _Delivery, jobs: list[_Job], token: str) -> None:
    """Send a platform's jobs through its pool, at most `limit` at once; once the platform has
    asked to wait (429), the jobs not yet sent are given back unsent."""
    futures = []
    for job in jobs:
        if delivery.limit.paused():
            job.outcome = "released"
            continue
        delivery.limit.acquire()
        if delivery.limit.paused():
            delivery.limit.release()
            job.outcome = "released"
            continue
        futures.append(delivery.pool.submit(_send_one, client, delivery, job, token))
    wait(futures)


def _deliver_batch(records: list[GradeRecord]) -> list[str]:
    """Send a claimed batch: the database work here (this thread), the score POSTs in each
    platform's pool; returns the rows' new statuses."""
    statuses: list[str] = []
    links = {
        link.placement_id: link
        for link in LtiResourceLink.objects.select_related(
            "context__deployment__platform", "placement"
        ).filter(placement_id__in={r.placement_id for r in records})
    }
    users = {
        (u.platform_id, u.participant_id): u.sub
        for u in LtiUser.objects.filter(participant_id__in={r.participant_id for r in records})
    }
    items = {
        (i.resource_link_id, i.tag): i.url
        for i in LtiLineItem.objects.filter(resource_link__in=[link.pk for link in links.values()])
    }
    clients: dict[int, PlatformClient] = {}
    jobs: dict[int, list[_Job]] = defaultdict(list)
    for record in records:
        link = links.get(record.placement_id)
        if link is None:
            grades.grade_no_gradebook(
                record=record, reason="This placement was not launched from an LMS link."
            )
            statuses.append(GradeRecord.Status.NO_GRADEBOOK)
            continue
        if not (link.lineitem_url or link.lineitems_url):
            grades.grade_no_gradebook(
                record=record, reason="The LMS did not offer a gradebook for this link."
            )
            statuses.append(GradeRecord.Status.NO_GRADEBOOK)
            continue
        platform = link.context.deployment.platform
        sub = users.get((platform.pk, record.participant_id))
        if sub is None:
            grades.grade_failed(
                record=record, error="No LMS user id is known for this person.", permanent=True
            )
            statuses.append(GradeRecord.Status.FAILED)
            continue
        client = clients.get(platform.pk)
        if client is None:
            client = clients[platform.pk] = PlatformClient(
                platform, session=_delivery_for(platform).session
            )
        try:
            if record.kind == GradeRecord.Kind.MASTERY and link.lineitem_url:
                url = link.lineitem_url
            else:
                url = items.get((link.pk, record.kind)) or _lineitem_url(client, link, record)
                items[(link.pk, record.kind)] = url
        except Exception as exc:  # noqa: BLE001 - settled like a failed send
            statuses.append(_settle_failure(record, exc))
            continue
        payload = score_payload(record, sub, canvas=is_canvas(platform))
        jobs[platform.pk].append(_Job(record, scores_url(url), payload))
    # A token per platform, here (the shared cache may be the database); then every
    # platform's scores at once, each platform through its own pool.
    tokens: dict[int, str] = {}
    for platform_pk, platform_jobs in list(jobs.items()):
        try:
            tokens[platform_pk] = clients[platform_pk].access_token(AGS_SCOPES)
        except ServiceError as exc:
            statuses.extend(_settle_failure(job.record, exc) for job in platform_jobs)
            del jobs[platform_pk]
    _send_everywhere(clients, jobs, tokens)
    # A 401: one fresh token for that platform, and its refused scores once more.
    retry: dict[int, list[_Job]] = {}
    for platform_pk, platform_jobs in jobs.items():
        refused = [job for job in platform_jobs if job.outcome == "unauthorized"]
        if not refused:
            continue
        logger.info("401 from %s, retrying with a new access token", clients[platform_pk].platform)
        try:
            tokens[platform_pk] = clients[platform_pk].access_token(
                AGS_SCOPES, refused=tokens[platform_pk]
            )
        except ServiceError as exc:
            for job in refused:
                job.outcome, job.error = "error", exc
            continue
        for job in refused:
            job.outcome, job.error = "", None
        retry[platform_pk] = refused
    _send_everywhere(clients, retry, tokens)
    sent = []
    for platform_pk, platform_jobs in jobs.items():
        until = _delivery_for(clients[platform_pk].platform).limit.paused()
        for job in platform_jobs:
            if job.outcome == "sent":
                sent.append(job.record.pk)
                statuses.append(GradeRecord.Status.DELIVERED)
            elif job.outcome == "released":
                grades.grade_release(
                    record=job.record,
                    until=datetime.fromtimestamp(until or time.time(), tz=UTC),
                    reason="Waiting: the LMS asked Ignite to slow down (HTTP 429).",
                )
                statuses.append(GradeRecord.Status.PENDING)
            else:
                statuses.append(_settle_failure(job.record, job.error))
    if sent:
        grades.grades_delivered(ids=sent)
    return statuses


def _send_everywhere(clients, jobs: dict[int, list[_Job]], tokens: dict[int, str]) -> None:
    groups = [(pk, platform_jobs) for pk, platform_jobs in jobs.items() if platform_jobs]
    if len(groups) == 1:
        ((pk, platform_jobs),) = groups
        _send_all(clients[pk], _delivery_for(clients[pk].platform), platform_jobs, tokens[pk])
        return
    # Several platforms: each platform's sending waits only for its own limit.
    threads = [
        threading.Thread(
            target=_send_all,
            args=(clients[pk], _delivery_for(clients[pk].platform), platform_jobs, tokens[pk]),
            name=f"ags-dispatch-{pk}",
        )
        for pk, platform_jobs in groups
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _settle_failure(record: GradeRecord, exc: BaseException | None) -> str:
    if not isinstance(exc, ServiceError):
        logger.error("grade %s: unexpected error", record.pk, exc_info=exc)
        grades.grade_failed(
            record=record, error=f"Unexpected error: {exc.__class__.__name__}", permanent=False
        )
        return GradeRecord.Status.PENDING
    logger.warning(
        "grade %s not delivered (%s): %s",
        record.pk,
        "permanent" if exc.permanent else "will retry",
        exc.message,
    )
    grades.grade_failed(
        record=record, error=exc.message, permanent=exc.permanent, retry_after=exc.retry_after
    )
    return GradeRecord.Status.FAILED if exc.permanent else GradeRecord.Status.PENDING


def _batch_size() -> int:
    """Rows claimed at once: enough to keep every sending thread busy, few enough that the
    whole batch is sent well within the lease even when each call runs into the timeout (a
    call may take up to twice IGNITE_HTTP_TIMEOUT to read, lti_tool/outbound.py)."""
    concurrency = max(1, int(getattr(settings, "IGNITE_GRADE_CONCURRENCY", 8)))
    lease = float(getattr(settings, "IGNITE_GRADE_LEASE_SECONDS", 120))
    rounds = max(1, int(lease / (3 * max(float(settings.IGNITE_HTTP_TIMEOUT), 0.1))))
    return max(1, min(concurrency * min(rounds, 8), 200))


def grades_drain(*, limit: int = 500, stop=lambda: False) -> dict[str, int]:
    """Deliver every due score (up to `limit` claimed); returns counts by resulting status.

    Batches are claimed under a lease (mastery.grades.grades_claim_batch), so several worker
    processes, on one machine or several, share the outbox and each score is sent once."""
    counts: dict[str, int] = {}
    claimed_total = 0
    size = _batch_size()
    while claimed_total < limit and not stop():
        records, claimed = grades.grades_claim_batch(limit=min(size, limit - claimed_total))
        if not claimed:
            break
        claimed_total += claimed
        if not records:
            continue
        for status in _deliver_batch(records):
            grade_delivery_settled.send(sender=GradeRecord, status=str(status))
            counts[status] = counts.get(status, 0) + 1
    return counts


def next_due_at() -> datetime | None:
    """When the worker should look again: the earliest retry or lease expiry still open."""
    pending = GradeRecord.objects.filter(status=GradeRecord.Status.PENDING).aggregate(
        at=Min("next_attempt_at")
    )["at"]
    leases = GradeRecord.objects.filter(status=GradeRecord.Status.SENDING).aggregate(
        at=Min("lease_until")
    )["at"]
    times = [t for t in (pending, leases) if t is not None]
    return min(times) if times else None


def now() -> datetime:
    return timezone.now()
