"""Middleware for every tool page that is not about the launch itself: the framing policy,
requests with NUL characters, and a database that is briefly away. The launch reaches views
through pagesession/middleware.py.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import render

from pagesession.frames import content_security_policy

from .security import all_frame_ancestors

logger = logging.getLogger("ignite.lti.security")

NUL_REFUSED = "The request contains characters that are not allowed."


class SecurityHeadersMiddleware:
    """CSP with frame-ancestors instead of X-Frame-Options on every tool page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" in response:
            return response
        if request.path.startswith("/admin/"):
            response["Content-Security-Policy"] = (
                content_security_policy(None)
                .replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
                .replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
            )
            response["X-Frame-Options"] = "DENY"
            return response
        launch = getattr(request, "launch", None)
        try:
            if launch:
                ancestors = launch.frame_ancestors
            elif 300 <= response.status_code < 400:
                ancestors = []  # a redirect is never rendered: no need to look up the platforms
            else:
                ancestors = all_frame_ancestors()
        except DatabaseError:
            # The database is away (the response is probably the 503 page): frame it only
            # where the launch token's platform was allowed before, or nowhere but here.
            ancestors = []
        response["Content-Security-Policy"] = content_security_policy(ancestors)
        # Framable pages: X-Frame-Options cannot list origins, and CSP supersedes it.
        if "X-Frame-Options" in response:
            del response["X-Frame-Options"]
        return response


class RejectNulMiddleware:
    """Refuse requests whose parameters contain NUL characters, with a plain 400.

    No form or LTI parameter legitimately contains one, PostgreSQL cannot store one in a text
    column, and passing it on turns a malformed request into a server error. What is read:
    the query string and form fields, urlencoded or multipart (Django drops unprintable
    characters from uploaded file names itself). JSON bodies are not read: no tool view takes
    one. A script that asks for JSON (the observation autosave, the mastery check's answers
    autosave and its read of saved answers) gets the refusal as `{"error": ...}`, as its
    endpoint's other refusals, so it says why instead of retrying.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            values = [*request.GET.lists(), *request.POST.lists()]
        except Exception:  # noqa: BLE001 - an unreadable body is Django's to answer
            return self.get_response(request)
        for key, items in values:
            if "\x00" in key or any("\x00" in item for item in items):
                logger.info("request with NUL characters refused on %s", request.path)
                if request.get_preferred_type(["text/html", "application/json"]) == (
                    "application/json"
                ):
                    # A sentence the page's script ends itself, as the views' own errors.
                    return JsonResponse({"error": NUL_REFUSED.rstrip(".")}, status=400)
                return HttpResponseBadRequest(NUL_REFUSED, content_type="text/plain")
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """While the database is unreachable (restarting, failing over), answer 503 with a page
    that says so and a Retry-After, instead of a server error. Nothing was saved by the failed
    request, so trying again is safe."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error("database unavailable on %s: %s", request.path, exception.__class__.__name__)
        response = render(
            request,
            "pagesession/denied.html",
            {
                "title": "Ignite is briefly unavailable",
                "message": (
                    "Ignite could not reach its database for a moment. Nothing you did was lost; "
                    "wait a few seconds and try again."
                ),
            },
            status=503,
        )
        response["Retry-After"] = "5"
        return response
