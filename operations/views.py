"""/healthz, /readyz and /metrics: answered by OpsMiddleware before host checks, sessions and
the launch middleware (a probe comes by address, often not a name in ALLOWED_HOSTS)."""

from __future__ import annotations

import hmac
import ipaddress
import json

from django.conf import settings
from django.http import HttpResponse

from .metrics import metrics_render
from .probes import readiness_check


def _plain(body: str, status: int = 200) -> HttpResponse:
    response = HttpResponse(body + "\n", content_type="text/plain; charset=utf-8", status=status)
    return _quiet(response)


def _quiet(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    # Polled every few seconds: a 503 is logged once, with its reasons, by readiness_check,
    # not again as a django.request error per poll.
    response._has_been_logged = True
    return response


def internal_caller(request) -> bool:
    """The operator: a bearer token equal to IGNITE_OPS_TOKEN, or, with no token set, a direct
    loopback connection (not one relayed by a proxy on this machine, which adds
    X-Forwarded-For: behind nginx every request comes from loopback)."""
    token = settings.IGNITE_OPS_TOKEN
    if token:
        given = request.META.get("HTTP_AUTHORIZATION", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    if "HTTP_X_FORWARDED_FOR" in request.META or "HTTP_X_REAL_IP" in request.META:
        return False
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


def healthz(request) -> HttpResponse:
    """The process answers: nothing else is asked (no database, no cache)."""
    return _plain("ok")


def readyz(request) -> HttpResponse:
    """Ready to serve: database, cache, a live grade worker and an outbox under its limit.

    The public reads a status code and one word; the operator (internal_caller) also reads
    each check's problem. The problems are logged either way (ignite.operations)."""
    problems = readiness_check()
    ready = not any(problems.values())
    status = 200 if ready else 503
    if internal_caller(request):
        body = {"ready": ready, "checks": {k: v or "ok" for k, v in problems.items()}}
        return _quiet(
            HttpResponse(json.dumps(body, indent=1), content_type="application/json", status=status)
        )
    return _plain("ok" if ready else "unavailable", status)


def metrics(request) -> HttpResponse:
    if not internal_caller(request):
        return _plain("forbidden", 403)
    body, content_type = metrics_render()
    return _quiet(HttpResponse(body, content_type=content_type))
