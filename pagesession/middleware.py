"""The launch reaches views through middleware, as `request.launch`.

`request.launch` is a `Launch` (a valid launch token came with the request) or `NO_LAUNCH`.
Views that need a launch use the decorators in pagesession/access.py.
"""

from __future__ import annotations

import logging
from functools import cached_property
from urllib.parse import urlsplit

from django.conf import settings
from django.db import DatabaseError
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import render
from django.utils import timezone

from courses.models import Cohort, Participant, Placement, Role

from . import launch_token
from .binding import binding_matches
from .frames import content_security_policy, frame_ancestors_all, frame_ancestors_for
from .launch_token import HEADER, PARAM, LaunchClaims, LaunchTokenError
from .urls_util import tool_origin
from .zones import time_zone_for

logger = logging.getLogger("ignite.lti.security")


class Launch:
    """A launch carried by a valid token. Related rows load lazily, once per request."""

    relaunch = False

    def __init__(self, claims: LaunchClaims, token: str, source: str, *, bound: bool = True):
        self.claims = claims
        # A launch whose frame kept no cookie cannot be bound: its pages' links carry a token
        # signed now, each living IGNITE_UNBOUND_TOKEN_TTL (never past the launch's own
        # lifetime), so a link copied from its page soon stops working. A bound token used
        # without its cookie is passed on unchanged: its few minutes are never extended.
        self.token = claims.to_token() if not (bound or claims.binding) else token
        self.source = source  # "query", "form" or "header"
        self.bound = bound  # the browser's binding cookie came with the token

    def __bool__(self) -> bool:
        return True

    @property
    def role(self) -> str:
        return self.claims.role

    @property
    def is_trainer(self) -> bool:
        return self.claims.role == Role.TRAINER

    @property
    def is_teacher(self) -> bool:
        return self.claims.role == Role.TEACHER

    @cached_property
    def participant(self) -> Participant:
        return Participant.objects.get(pk=self.claims.participant_id)

    @cached_property
    def cohort(self) -> Cohort:
        return Cohort.objects.get(pk=self.claims.cohort_id)

    @cached_property
    def placement(self) -> Placement | None:
        if self.claims.placement_id is None:
            return None
        return Placement.objects.filter(
            pk=self.claims.placement_id, cohort_id=self.claims.cohort_id
        ).first()

    @cached_property
    def frame_ancestors(self) -> list[str]:
        # The platform's origins come through the interface pagesession owns (frames.py):
        # lti_tool, which knows registrations, fills it in.
        return frame_ancestors_for(self.claims.platform_id)

    @cached_property
    def time_zone(self):
        """The platform's zone for this launch's times (None: the server's TIME_ZONE). Read
        from the registrations the worker keeps for frame_ancestors: no query of its own."""
        return time_zone_for(self.claims.platform_id)


class _NoLaunch:
    """No valid launch token on this request (and why, for the error page)."""

    token = ""
    role = Role.NONE
    is_trainer = False
    is_teacher = False
    error = ""
    relaunch = False  # a token that belongs to another browser: answer with the relaunch page

    def __bool__(self) -> bool:
        return False


NO_LAUNCH = _NoLaunch()


class LaunchMiddleware:
    """Reads the launch token and decides whether it carries the session here.

    The rule (README, "Page links that stay with their browser"):
    - a token bound to a browser (its launch kept a cookie) carries the session only with that
      browser's binding cookie;
    - without it, a trainer's token carries nothing: the request gets the relaunch page;
    - a teacher's or learner's token without its cookie, and a token whose launch kept no cookie
      at all, is accepted only IGNITE_UNBOUND_TOKEN_TTL seconds after it was signed, and only
      ever as that teacher (the teacher role sees nothing but its own work).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.launch = self._launch(request)
        if request.launch.relaunch:
            return _relaunch_page(request)
        # Times on the page, its CSV and its credentials read in the launch's platform zone
        # (the `when` filter labels them); without a launch, the server's TIME_ZONE.
        zone = _zone(request.launch)
        if zone is None:
            timezone.deactivate()
        else:
            timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            # A worker thread serves other requests next: never leave one platform's zone on it.
            timezone.deactivate()

    def _launch(self, request):
        # A form's own field wins over a token left in its action URL: only the field or the
        # header let a POST skip the cookie CSRF check (LaunchCsrfViewMiddleware).
        for source, token in (
            ("header", request.META.get(HEADER, "")),
            ("form", request.POST.get(PARAM, "") if request.method == "POST" else ""),
            ("query", request.GET.get(PARAM, "")),
        ):
            if not token:
                continue
            try:
                claims = LaunchClaims.from_token(token)
            except LaunchTokenError as exc:
                logger.info("launch token rejected (%s) on %s", exc, request.path)
                return _no_launch(str(exc))
            if claims.binding and binding_matches(request=request, expected=claims.binding):
                return Launch(claims, token, source)
            if claims.role == Role.TRAINER:
                logger.warning(
                    "launch token refused (trainer, not this browser's) on %s", request.path
                )
                return _no_launch("unbound", relaunch=True)
            if launch_token.now() - claims.issued_at > settings.IGNITE_UNBOUND_TOKEN_TTL:
                logger.info(
                    "launch token refused (unbound, older than allowed) on %s", request.path
                )
                return _no_launch("unbound-expired", relaunch=True)
            return Launch(claims, token, source, bound=False)
        return NO_LAUNCH


def _zone(launch):
    if not launch:
        return None
    try:
        return launch.time_zone
    except DatabaseError:
        # The database is away (the view answers with the 503 page): the server's zone.
        return None


def _no_launch(error: str, *, relaunch: bool = False) -> _NoLaunch:
    no_launch = _NoLaunch()
    no_launch.error = error
    no_launch.relaunch = relaunch
    return no_launch


def _relaunch_page(request):
    response = render(request, "pagesession/relaunch.html", status=401)
    response["Cache-Control"] = "no-store"
    # Answered before SecurityHeadersMiddleware runs: the same framing policy as any tool page.
    try:
        ancestors = frame_ancestors_all()
    except DatabaseError:
        ancestors = []
    response["Content-Security-Policy"] = content_security_policy(ancestors)
    return response


class LaunchCsrfViewMiddleware(CsrfViewMiddleware):
    """CSRF protection that works without cookies inside an LMS iframe.

    A POST that carries a valid launch token in its body (or header) is a request no other site
    could have forged: the token is a per-launch secret, never in a cookie, never sent to a
    third party. Such a request still has to come from our own origin when the browser says
    where it comes from. Anything else goes through Django's usual cookie-based check.
    """

    def process_view(self, request, callback, callback_args, callback_kwargs):
        launch = getattr(request, "launch", None)
        if (
            request.method not in ("GET", "HEAD", "OPTIONS", "TRACE")
            and launch
            and launch.source in ("form", "header")
            and not getattr(callback, "csrf_exempt", False)
        ):
            origin = request.META.get("HTTP_ORIGIN")
            if origin and origin != "null" and origin != tool_origin(request):
                return self._reject(request, f"Origin {origin} is not this tool")
            if origin == "null" or (not origin and not self._same_origin_referer(request)):
                return self._reject(request, "Cross-site request without a verifiable origin")
            return self._accept(request)
        return super().process_view(request, callback, callback_args, callback_kwargs)

    @staticmethod
    def _same_origin_referer(request) -> bool:
        referer = request.META.get("HTTP_REFERER")
        if not referer:
            # Referrer-Policy: same-origin sends a referer on every same-origin POST; a
            # browser that strips it still sends Origin on POST, handled above.
            return False
        parts = urlsplit(referer)
        return f"{parts.scheme}://{parts.netloc}" == tool_origin(request)
