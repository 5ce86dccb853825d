"""Registered platforms and deployments as launches look them up, kept briefly in each process.

Every login and launch names its platform and deployment, and registrations change rarely, so
each worker process keeps the rows it found for IGNITE_REGISTRY_CACHE_TTL seconds (default 30).
Saving or deleting a registration clears the copy in the process that made the change at once;
other workers see it when their copy expires. Misses are not kept: a registration an admin has
just added works on the next launch.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.db.models.signals import post_delete, post_save

from .models import Deployment, Platform

_lock = threading.Lock()
_entries: dict[tuple, tuple[float, object]] = {}


def _ttl() -> float:
    return float(getattr(settings, "IGNITE_REGISTRY_CACHE_TTL", 30))


def _remembered(key: tuple, load):
    now = time.monotonic()
    hit = _entries.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    value = load()
    if value is not None and _ttl() > 0:
        with _lock:
            _entries[key] = (now + _ttl(), value)
    return value


def registry_forget(**_kwargs) -> None:
    with _lock:
        _entries.clear()


def platform_find(issuer: str, client_ids: list[str]) -> Platform | None:
    """The active platform registered for this issuer and one of these client ids."""

    def load():
        rows = list(
            Platform.objects.filter(issuer=issuer, client_id__in=client_ids, is_active=True)[:1]
        )
        return rows[0] if rows else None

    return _remembered(("platform", issuer, tuple(client_ids)), load)


def deployment_find(platform: Platform, deployment_id: str) -> Deployment | None:
    def load():
        rows = list(Deployment.objects.filter(platform=platform, deployment_id=deployment_id)[:1])
        return rows[0] if rows else None

    return _remembered(("deployment", platform.pk, deployment_id), load)


for _model in (Platform, Deployment):
    post_save.connect(registry_forget, sender=_model, dispatch_uid=f"registry-{_model.__name__}")
    post_delete.connect(
        registry_forget, sender=_model, dispatch_uid=f"registry-{_model.__name__}-d"
    )
