"""Registered platforms and deployments as launches and pages look them up, kept in each process.

Every login, launch and framed page names its platform, and registrations change rarely (an
admin adds, edits or removes one), so each worker process keeps the rows it found. Saving or
deleting a Platform or Deployment row bumps a generation number in the shared cache; a worker
compares its copy's generation with the shared one at most every IGNITE_REGISTRY_CHECK_SECONDS
(default 1 s) and drops everything when they differ. An edit or a removal therefore reaches the
process that made it at once and every other worker within that interval, on any number of
hosts; IGNITE_REGISTRY_CACHE_TTL (default 30 s) still bounds how long any copy is kept, in case
the shared cache was flushed. Misses are not kept: a registration an admin has just added works
on the next launch.

A change made without Django's model signals (a bulk `QuerySet.update()` or raw SQL) must call
`registry_changed()` itself.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from .models import Deployment, Platform

GENERATION_KEY = "lti:registry-generation"
logger = logging.getLogger("ignite.lti")

_lock = threading.Lock()
_entries: dict[tuple, tuple[float, object]] = {}
# The shared generation this process's entries belong to, and when it was last compared.
_seen = {"generation": None, "checked": float("-inf")}


def _ttl() -> float:
    return float(getattr(settings, "IGNITE_REGISTRY_CACHE_TTL", 30))


def _check_interval() -> float:
    return float(getattr(settings, "IGNITE_REGISTRY_CHECK_SECONDS", 1.0))


def _shared_generation() -> str:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        # First use, or the cache was flushed: start a generation every worker will adopt.
        cache.add(GENERATION_KEY, secrets.token_hex(8), None)
        generation = cache.get(GENERATION_KEY)
    return generation


def _current(now: float) -> None:
    """Drop this process's entries if any process changed a registration since they were read."""
    if now - _seen["checked"] < _check_interval():
        return
    try:
        generation = _shared_generation()
    except Exception:  # noqa: BLE001 - the shared cache is down: trust nothing kept
        # Without the generation no change can be seen, so read the rows again (kept for at
        # most one check interval); launches and pages go on without the cache.
        logger.warning("registry: shared cache unavailable, re-reading registrations")
        generation = None
        with _lock:
            _entries.clear()
    with _lock:
        if generation != _seen["generation"]:
            _entries.clear()
            _seen["generation"] = generation
        _seen["checked"] = now


def _remembered(key: tuple, load):
    now = time.monotonic()
    _current(now)
    hit = _entries.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    value = load()
    if value is not None and _ttl() > 0:
        with _lock:
            _entries[key] = (now + _ttl(), value)
    return value


def registry_forget(**_kwargs) -> None:
    """Forget this process's copies (tests; and the process that made a change)."""
    with _lock:
        _entries.clear()
        _seen["generation"] = None
        _seen["checked"] = float("-inf")


def _bump() -> None:
    registry_forget()
    try:
        cache.set(GENERATION_KEY, secrets.token_hex(8), None)
    except Exception:  # noqa: BLE001 - never fail an admin's save for the cache
        logger.error(
            "registry: shared cache unavailable; other workers see this change within "
            "IGNITE_REGISTRY_CACHE_TTL seconds"
        )


def registry_changed(**_kwargs) -> None:
    """A registration changed: every worker drops its copies (this one at once).

    Bumped now and again when the transaction commits: a worker that re-read the old row
    between the two (the change not yet visible to it) drops that copy too.
    """
    _bump()
    transaction.on_commit(_bump)


def platform_find(issuer: str, client_ids: list[str]) -> Platform | None:
    """The active platform registered for this issuer and one of these client ids."""

    def load():
        rows = list(
            Platform.objects.filter(issuer=issuer, client_id__in=client_ids, is_active=True)[:1]
        )
        return rows[0] if rows else None

    platform = _remembered(("platform", issuer, tuple(client_ids)), load)
    if platform is not None and _ttl() > 0:
        # The pages this launch leads to ask for it by id (their frame-ancestors header).
        with _lock:
            _entries.setdefault(("platform-pk", platform.pk), (time.monotonic() + _ttl(), platform))
    return platform


def platform_get(pk: int) -> Platform | None:
    """The platform with this id, active or not (a launch token names it; pages ask for the
    origins allowed to frame them)."""

    def load():
        return Platform.objects.filter(pk=pk).first()

    return _remembered(("platform-pk", pk), load)


def deployment_find(platform: Platform, deployment_id: str) -> Deployment | None:
    def load():
        rows = list(Deployment.objects.filter(platform=platform, deployment_id=deployment_id)[:1])
        return rows[0] if rows else None

    return _remembered(("deployment", platform.pk, deployment_id), load)


def frame_ancestors_all() -> list[str]:
    """Origins of every active registered platform: who may frame a page without a launch."""

    def load():
        origins: list[str] = []
        for platform in Platform.objects.filter(is_active=True):
            origins += platform.frame_ancestor_origins()
        return list(dict.fromkeys(origins))

    return _remembered(("frame-ancestors",), load)
