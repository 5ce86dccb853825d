from __future__ import annotations

import logging
import secrets

from django.conf import settings
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from courses.models import Program, Role
from courses.progress import placement_module
from courses.views import cohort_page
from pagesession.access import launch_required, trainer_required
from pagesession.binding import (
    binding_hash,
    binding_set,
    binding_value,
    handoff_issue,
    handoff_take,
)
from pagesession.cookies import partitioned_cookie_delete, partitioned_cookie_set
from pagesession.launch_token import PARAM
from pagesession.templatetags.launch_urls import lurl
from pagesession.urls_util import absolute, add_query, origin_of, see_other, tool_origin

from .constants import MESSAGE_DATA_PRIVACY, MESSAGE_DEEP_LINKING
from .errors import LaunchError
from .events import launch_rejected
from .launch import launch_validate
from .login import (
    STATE_COOKIE_PREFIX,
    login_params_of,
    login_params_recall,
    login_params_remember,
    login_start,
)
from .registry import platform_get
from .services import launch_land, placements_plan

security_log = logging.getLogger("ignite.lti.security")


def launch_error_response(request, exc: LaunchError):
    new_window = None
    if exc.check == "state" and _framed(request):
        # The same sign-in, first party in a window of its own, where the browser keeps the
        # state. Offered only while Ignite still knows the login's parameters.
        new_window = login_params_recall(state=request.POST.get("state", ""))
    launch_rejected.send(sender=LaunchError, check=exc.check)
    security_log.warning(
        "launch rejected check=%s status=%s iss=%s client_id=%s deployment_id=%s path=%s detail=%s",
        exc.check,
        exc.status,
        exc.context.get("iss", "-"),
        exc.context.get("client_id", "-"),
        exc.context.get("deployment_id", "-"),
        request.path,
        exc.detail or "-",
    )
    return render(
        request,
        "lti_tool/launch_error.html",
        {"error": exc, "check": exc.check, "new_window_params": new_window},
        status=exc.status,
    )


def _framed(request) -> bool:
    # Fetch metadata (Chromium, Firefox, Safari 16.4+): is this request loading an iframe?
    return request.headers.get("Sec-Fetch-Dest", "") == "iframe"


def _opens_from_lms(request, *, endpoint: str, status: int):
    """Ignite's own page for someone who reaches a sign-in URL from the browser (a bookmark,
    a typed address): where Ignite opens from, instead of a bare error."""
    return render(request, "lti_tool/opens_from_lms.html", {"endpoint": endpoint}, status=status)


@csrf_exempt  # the platform posts or redirects here cross-site by design (LTI Core 5.1.1)
@require_http_methods(["GET", "HEAD", "POST"])
def login(request):
    params = request.POST if request.method == "POST" else request.GET
    if not params:
        return _opens_from_lms(request, endpoint="login (OIDC initiation)", status=400)
    try:
        start = login_start(request=request, params=params)
    except LaunchError as exc:
        return launch_error_response(request, exc)
    target = params.get("lti_storage_target", "")
    check_url = add_query(reverse("lti:login-check"), {"state": start.state})
    if _framed(request):
        login_params_remember(state=start.state, params=params)
    if target and len(target) <= 100:
        # The platform offers its own storage for the login state (for browsers that block
        # cookies in its frame): a page stores it there, then goes on to the platform.
        query = params.copy()
        query.pop("lti_storage_target", None)
        response = render(
            request,
            "lti_tool/login_storage.html",
            {
                "target": target,
                "platform_origin": origin_of(start.platform.auth_login_url),
                "key": STATE_COOKIE_PREFIX + start.state,
                "value": start.sealed,
                "redirect_url": start.redirect_url,
                "relaunch_url": absolute(request, reverse("lti:login")) + "?" + query.urlencode(),
                "check_url": check_url,
            },
        )
        response["Cache-Control"] = "no-store"
    elif _framed(request):
        # No platform storage (Moodle): find out now whether this frame keeps a cookie, before
        # the platform is asked; its message hint may be single use, so a launch that failed
        # could not be tried again in a new window.
        response = render(
            request,
            "lti_tool/login_check.html",
            {
                "redirect_url": start.redirect_url,
                "check_url": check_url,
                "login_params": login_params_of(params),
            },
        )
        response["Cache-Control"] = "no-store"
    else:
        response = HttpResponseRedirect(start.redirect_url)
    partitioned_cookie_set(
        response=response,
        name=STATE_COOKIE_PREFIX + start.state,
        value=start.sealed,
        max_age=settings.IGNITE_LOGIN_STATE_TTL,
        path="/lti/",
    )
    return response


@require_safe
def login_check(request):
    """Did the login-state cookie come back? Asked by the login page from inside the frame."""
    from django.http import JsonResponse

    state = request.GET.get("state", "")[:100]
    kept = bool(state) and STATE_COOKIE_PREFIX + state in request.COOKIES
    response = JsonResponse({"kept": kept})
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt  # the id_token arrives as a cross-site form post; state and nonce protect it
@require_http_methods(["GET", "HEAD", "POST"])
def launch(request):
    if request.method != "POST":
        response = _opens_from_lms(request, endpoint="launch (redirect)", status=405)
        response["Allow"] = "POST"
        return response
    state = request.POST.get("state", "")
    target = request.POST.get("lti_storage_target", "")
    state_cookie = STATE_COOKIE_PREFIX + state
    cookie_kept = bool(state) and bool(request.COOKIES.get(state_cookie))
    came_back = request.POST.get("ignite_platform_storage") or request.POST.get(
        "ignite_platform_state"
    )  # posted again by our own storage page (the second field alone: pages made before)
    if target and state and not cookie_kept and not came_back:
        # No state cookie came back (blocked in the frame): fetch the state from the
        # platform's storage in the browser, then post the launch again from our own page.
        return _launch_from_platform_storage(request, state, target)
    try:
        valid = launch_validate(request)
        if valid.message_type == MESSAGE_DATA_PRIVACY:
            # Nothing to land: the page of data practices, for whoever the LMS sends.
            return render(request, "lti_tool/data_privacy.html", _privacy_context())
        landing = launch_land(launch=valid)
        claims = landing.claims
    except LaunchError as exc:
        return launch_error_response(request, exc)
    target, params = reverse("lti:home"), {}
    if landing.module_placed:
        # Straight to the module page: what /app/ would redirect to, one request sooner.
        target = reverse("courses:module", args=[claims.placement_id])
    if valid.message_type == MESSAGE_DEEP_LINKING:
        from .deep_linking import deep_link_seal

        target = reverse("lti:deep-link")
        params["dl"] = deep_link_seal(claims=valid.claims, client_id=valid.platform.client_id)
    binding = binding_value(request=request) if cookie_kept else ""
    if binding:
        claims = claims.bound_to(binding_hash(binding))
    elif claims.role == Role.TRAINER:
        # This frame keeps no cookie, so a trainer's pages could not be bound to it: they go
        # on in a window of their own, which keeps one.
        code = handoff_issue(claims=claims, target=add_query(target, params))
        response = render(
            request,
            "lti_tool/open_window.html",
            {"handoff_url": add_query(reverse("lti:handoff"), {"code": code})},
        )
        response["Cache-Control"] = "no-store"
        return response
    response = see_other(add_query(target, {**params, PARAM: claims.to_token()}))
    if binding:
        binding_set(response=response, value=binding)
    if cookie_kept:
        partitioned_cookie_delete(response=response, name=state_cookie, path="/lti/")
    return response


def _privacy_context() -> dict:
    return {"contact": settings.IGNITE_PRIVACY_CONTACT}


@require_safe
def handoff(request):
    """A trainer's launch from a frame that keeps no cookie, opened in its own window: bind it
    to this (first-party) window and go on."""
    handed = handoff_take(code=request.GET.get("code", ""))
    if handed is None:
        security_log.info("handoff refused: unknown, used or expired code")
        return render(
            request,
            "pagesession/denied.html",
            {
                "title": "This link has already been used",
                "message": "Go back to your course and open Ignite again.",
            },
            status=400,
        )
    claims, target = handed
    binding = binding_value(request=request)
    response = see_other(
        add_query(target, {PARAM: claims.bound_to(binding_hash(binding)).to_token()})
    )
    binding_set(response=response, value=binding)
    return response


@require_safe
@launch_required
def home(request):
    """Where a launch lands: the placed module, or the cohort's modules (course navigation)."""
    placement = request.launch.placement
    if placement_module(placement) is not None:
        return redirect(lurl({"launch": request.launch}, "courses:module", placement.pk))
    return cohort_page(request)


def csrf_failure(request, reason=""):
    security_log.warning("csrf rejected path=%s reason=%s", request.path, reason)
    return render(
        request,
        "pagesession/denied.html",
        {
            "title": "This form could not be sent",
            "message": "The page was open too long or came from somewhere else. Reload the page and try again.",
        },
        status=403,
    )


@require_safe
def canvas_json(request):
    """The Canvas developer-key configuration (Developer Keys > LTI Key > Enter URL)."""
    from django.http import JsonResponse

    from .lms_config import canvas_config

    return JsonResponse(canvas_config(tool_origin(request)), json_dumps_params={"indent": 2})


@require_http_methods(["GET", "HEAD", "POST"])
@trainer_required
def deep_link(request):
    """Deep Linking 2.0: choose catalog modules to add to the LMS course."""
    from .deep_linking import DeepLinkError, deep_link_open, deep_link_response

    sealed = request.POST.get("dl") or request.GET.get("dl", "")
    dl = deep_link_open(sealed)
    platform = platform_get(request.launch.claims.platform_id)
    if (
        dl is None
        or platform is None
        or (dl.issuer, dl.client_id)
        != (
            platform.issuer,
            platform.client_id,
        )
    ):
        return render(
            request,
            "pagesession/denied.html",
            {
                "title": "This selection has expired",
                "message": "Start again from your LMS: choose Ignite in the course's add-content menu.",
            },
            status=400,
        )
    programs = list(Program.objects.prefetch_related("modules__current"))
    modules = {}
    for program in programs:
        program.listed = [m for m in program.modules.all() if m.current_id and not m.retired]
        modules.update({m.slug: m for m in program.listed})
    error = ""
    if request.method == "POST":
        if request.POST.get("cancel"):
            chosen = []
        else:
            chosen = [
                modules[s] for s in dict.fromkeys(request.POST.getlist("module")) if s in modules
            ]
            if not chosen:
                error = "Choose at least one module, or cancel."
        if not error:
            try:
                token = deep_link_response(
                    dl,
                    [m.current for m in chosen],
                    target_url=tool_origin(request) + reverse("lti:home"),
                )
            except DeepLinkError as exc:
                error = str(exc)
            else:
                # Ignite made these links, so it knows them before anyone opens one.
                placements_plan(
                    cohort_id=request.launch.claims.cohort_id,
                    modules=[(m.slug, m.current.title) for m in chosen],
                )
                return render(
                    request,
                    "lti_tool/deep_link_return.html",
                    {"action": dl.return_url, "jwt": token, "count": len(chosen)},
                )
    return render(
        request,
        "lti_tool/deep_link.html",
        {"programs": programs, "dl": dl, "sealed": sealed, "error": error},
        status=400 if error else 200,
    )


def _launch_from_platform_storage(request, state: str, target: str):
    from .launch import platform_of_token

    id_token = request.POST.get("id_token", "")
    try:
        platform = platform_of_token(id_token)
    except LaunchError as exc:
        return launch_error_response(request, exc)
    response = render(
        request,
        "lti_tool/launch_storage.html",
        {
            "target": target[:100],
            "platform_origin": origin_of(platform.auth_login_url),
            "key": STATE_COOKIE_PREFIX + state,
            "id_token": id_token,
            "state": state,
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def register(request):
    """LTI Dynamic Registration: opened by the LMS in a window or frame."""
    from .dynamic_registration import RegistrationFailed, RegistrationRefused, dynamic_register

    try:
        result = dynamic_register(
            origin=tool_origin(request),
            config_url=request.GET.get("openid_configuration", ""),
            registration_token=request.GET.get("registration_token", ""),
            link_secret=request.GET.get("link", ""),
        )
    except RegistrationRefused as exc:
        security_log.warning("dynamic registration refused: %s", exc)
        return render(
            request,
            "lti_tool/register_result.html",
            {"ok": False, "title": "Ignite cannot be registered from here", "message": str(exc)},
            status=403,
        )
    except RegistrationFailed as exc:
        # The reason (what was fetched, what answered) stays in the log: told to the browser,
        # it would let anyone with a link map which addresses answer what.
        reference = secrets.token_hex(4).upper()
        security_log.warning("dynamic registration failed ref=%s: %s", reference, exc)
        return render(
            request,
            "lti_tool/register_result.html",
            {
                "ok": False,
                "title": "Registration did not complete",
                "message": exc.public,
                "reference": reference,
            },
            status=400,
        )
    security_log.info(
        "dynamic registration: %s client_id=%s deployment=%s",
        result.platform.issuer,
        result.platform.client_id,
        result.deployment_id or "-",
    )
    return render(request, "lti_tool/register_result.html", {"ok": True, "result": result})
