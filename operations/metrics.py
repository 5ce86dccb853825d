"""Prometheus metrics (prometheus-client).

Counters live in this process, or, when PROMETHEUS_MULTIPROC_DIR is set (deploy/: every gunicorn
worker and the grade worker share one directory), in files that /metrics sums over every
process, so a scrape of any web worker also sees the deliveries the grade worker made.
The outbox's depth and age are read from the database at scrape time.
"""

from __future__ import annotations

import os

from django.dispatch import receiver
from django.utils import timezone
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

from lti_tool.events import (
    grade_delivery_settled,
    grade_worker_alive,
    launch_rejected,
    roster_synced,
)
from mastery.models import GradeRecord

from .probes import heartbeat_age, heartbeat_beat

REQUESTS = Counter(
    "ignite_http_requests_total", "HTTP requests answered", ["method", "view", "status"]
)
REQUEST_SECONDS = Histogram(
    "ignite_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
LAUNCH_REJECTIONS = Counter(
    "ignite_lti_launch_rejections_total", "Launches and logins refused, by failed check", ["check"]
)
GRADE_DELIVERIES = Counter(
    "ignite_grade_deliveries_total",
    "Score delivery attempts by outcome (pending = will retry)",
    ["outcome"],
)
ROSTER_SYNCS = Counter("ignite_roster_syncs_total", "Roster syncs with the LMS", ["outcome"])

# Statuses that are still the worker's business; the others are settled for good.
OPEN_STATUSES = ("pending", "sending", "failed")


class OutboxCollector:
    """Outbox depth by open status and the age of the oldest score still waiting to be sent."""

    def collect(self):
        from django.db.models import Count, Min

        depth = GaugeMetricFamily(
            "ignite_grade_outbox_depth", "Scores in the grade outbox by status", labels=["status"]
        )
        counts = dict(
            GradeRecord.objects.filter(status__in=OPEN_STATUSES)
            .values_list("status")
            .annotate(n=Count("id"))
        )
        for status in OPEN_STATUSES:
            depth.add_metric([status], counts.get(status, 0))
        yield depth
        oldest = GradeRecord.objects.filter(status__in=("pending", "sending")).aggregate(
            at=Min("created_at")
        )["at"]
        age = (timezone.now() - oldest).total_seconds() if oldest else 0.0
        yield GaugeMetricFamily(
            "ignite_grade_outbox_oldest_age_seconds",
            "Age of the oldest score waiting to be sent (0 when none)",
            value=max(age, 0.0),
        )
        try:
            worker_age = heartbeat_age()
        except Exception:  # noqa: BLE001 - the cache is away; /readyz says so
            worker_age = None
        yield GaugeMetricFamily(
            "ignite_grade_worker_heartbeat_age_seconds",
            "Seconds since the grade worker last reported alive (-1: never)",
            value=-1.0 if worker_age is None else worker_age,
        )


def metrics_render() -> tuple[bytes, str]:
    """The exposition text for every process (multiprocess mode) or this one."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    scraped = CollectorRegistry()
    scraped.register(OutboxCollector())
    return generate_latest(registry) + generate_latest(scraped), CONTENT_TYPE_LATEST


@receiver(launch_rejected)
def _count_launch_rejection(*, check: str, **kwargs) -> None:
    LAUNCH_REJECTIONS.labels(check=check).inc()


@receiver(grade_delivery_settled)
def _count_grade_delivery(*, status: str, **kwargs) -> None:
    GRADE_DELIVERIES.labels(outcome=status).inc()


@receiver(roster_synced)
def _count_roster_sync(*, outcome: str, **kwargs) -> None:
    ROSTER_SYNCS.labels(outcome=outcome).inc()


@receiver(grade_worker_alive)
def _worker_alive(**kwargs) -> None:
    heartbeat_beat()
