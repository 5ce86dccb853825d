from __future__ import annotations

import time

from django.http import HttpResponseNotAllowed

from . import views
from .metrics import REQUEST_SECONDS, REQUESTS

OPS_PATHS = {"/healthz": views.healthz, "/readyz": views.readyz, "/metrics": views.metrics}


class OpsMiddleware:
    """First in MIDDLEWARE. Answers the probes and /metrics before anything that could need
    the database, a known Host or https; counts every other request and its duration."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        view = OPS_PATHS.get(request.path_info)
        if view is not None:
            if request.method not in ("GET", "HEAD"):
                return HttpResponseNotAllowed(["GET", "HEAD"])
            return view(request)
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        REQUESTS.labels(
            method=request.method if request.method in KNOWN_METHODS else "other",
            view=(match.view_name if match else "") or "unmatched",
            status=str(response.status_code),
        ).inc()
        REQUEST_SECONDS.labels(
            method=request.method if request.method in KNOWN_METHODS else "other"
        ).observe(time.perf_counter() - started)
        return response


# Anything else is labelled "other": a client must not grow the metric's label set.
KNOWN_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
