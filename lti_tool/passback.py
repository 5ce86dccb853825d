"""Deliver the grade outbox to the LMS through Assignment and Grade Services 2.0."""

from __future__ import annotations

import logging
from datetime import datetime
from urllib.parse import urlsplit

from django.db.models import Min
from django.utils import timezone

from mastery import grades
from mastery.models import GradeRecord

from .events import grade_delivery_settled
from .models import LtiLineItem, LtiResourceLink, LtiUser
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


def _lineitem_url(client: PlatformClient, link: LtiResourceLink, record: GradeRecord) -> str:
    """The column for this score: the launch's own line item, else one found or made by tag."""
    if record.kind == GradeRecord.Kind.MASTERY and link.lineitem_url:
        return link.lineitem_url
    known = LtiLineItem.objects.filter(resource_link=link, tag=record.kind).first()
    if known:
        return known.url
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


def grade_deliver(*, record: GradeRecord, clients: dict | None = None) -> str:
    """Send one claimed score. Returns the row's new status; never raises for a bad row."""
    clients = {} if clients is None else clients
    try:
        link = LtiResourceLink.objects.select_related(
            "context__deployment__platform", "placement"
        ).get(placement_id=record.placement_id)
    except LtiResourceLink.DoesNotExist:
        grades.grade_no_gradebook(
            record=record, reason="This placement was not launched from an LMS link."
        )
        return GradeRecord.Status.NO_GRADEBOOK
    if not (link.lineitem_url or link.lineitems_url):
        grades.grade_no_gradebook(
            record=record, reason="The LMS did not offer a gradebook for this link."
        )
        return GradeRecord.Status.NO_GRADEBOOK
    platform = link.context.deployment.platform
    user = LtiUser.objects.filter(platform=platform, participant_id=record.participant_id).first()
    if user is None:
        grades.grade_failed(
            record=record, error="No LMS user id is known for this person.", permanent=True
        )
        return GradeRecord.Status.FAILED
    client = clients.setdefault(platform.pk, PlatformClient(platform))
    try:
        url = _lineitem_url(client, link, record)
        client.request(
            "POST",
            scores_url(url),
            AGS_SCOPES,
            what="sending the score",
            json=score_payload(record, user.sub, canvas=is_canvas(platform)),
            headers={"Content-Type": MEDIA_SCORE},
        )
    except ServiceError as exc:
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
    except Exception as exc:  # noqa: BLE001 - one bad row must never stop the worker
        logger.exception("grade %s: unexpected error", record.pk)
        grades.grade_failed(
            record=record, error=f"Unexpected error: {exc.__class__.__name__}", permanent=False
        )
        return GradeRecord.Status.PENDING
    grades.grade_delivered(record=record)
    return GradeRecord.Status.DELIVERED


def grades_drain(*, limit: int = 500, stop=lambda: False) -> dict[str, int]:
    """Deliver every due score (up to `limit`); returns counts by resulting status."""
    counts: dict[str, int] = {}
    clients: dict = {}
    for record_id in grades.grades_due_ids(limit=limit):
        if stop():
            break
        record = grades.grade_claim(record_id=record_id)
        if record is None:
            continue
        status = grade_deliver(record=record, clients=clients)
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
