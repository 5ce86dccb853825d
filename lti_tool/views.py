from __future__ import annotations

import logging
import secrets

from django.conf import settings
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from courses.models import Membership, Role
from pagesession.access import launch_required, parse_id, trainer_required
from pagesession.binding import (
    binding_hash,
    binding_set,
    binding_value,
    handoff_issue,
    handoff_take,
)
from pagesession.cookies import partitioned_cookie_delete, partitioned_cookie_set
from pagesession.launch_token import PARAM
from pagesession.urls_util import absolute, add_query, origin_of

from .constants import MESSAGE_DEEP_LINKING
from .errors import LaunchError
from .launch import launch_validate
from .login import (
    STATE_COOKIE_PREFIX,
    login_params_of,
    login_params_recall,
    login_params_remember,
    login_start,
)
from .registry import platform_get
from .services import launch_land

security_log = logging.getLogger("ignite.lti.security")


def launch_error_response(request, exc: LaunchError):
    new_window = None
    if exc.check == "state" and _framed(request):
        # The same sign-in, first party in a window of its own, where the browser keeps the
        # state. Offered only while Ignite still knows the login's parameters.
        new_window = login_params_recall(state=request.POST.get("state", ""))
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


@csrf_exempt  # the platform posts or redirects here cross-site by design (LTI Core 5.1.1)
@require_http_methods(["GET", "POST"])
def login(request):
    params = request.POST if request.method == "POST" else request.GET
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


@require_GET
def login_check(request):
    """Did the login-state cookie come back? Asked by the login page from inside the frame."""
    from django.http import JsonResponse

    state = request.GET.get("state", "")[:100]
    kept = bool(state) and STATE_COOKIE_PREFIX + state in request.COOKIES
    response = JsonResponse({"kept": kept})
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt  # the id_token arrives as a cross-site form post; state and nonce protect it
@require_POST
def launch(request):
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
    response = HttpResponseRedirect(add_query(target, {**params, PARAM: claims.to_token()}))
    response.status_code = 303
    if binding:
        binding_set(response=response, value=binding)
    if cookie_kept:
        partitioned_cookie_delete(response=response, name=state_cookie, path="/lti/")
    return response


@require_GET
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
    response = HttpResponseRedirect(
        add_query(target, {PARAM: claims.bound_to(binding_hash(binding)).to_token()})
    )
    response.status_code = 303
    binding_set(response=response, value=binding)
    return response


@require_GET
@launch_required
def home(request):
    """Where a launch lands: the placed module, or the cohort's modules (course navigation)."""
    from courses.progress import placement_module
    from courses.views import cohort_page
    from pagesession.templatetags.launch_urls import lurl

    placement = request.launch.placement
    if placement_module(placement) is not None:
        return redirect(lurl({"launch": request.launch}, "courses:module", placement.pk))
    return cohort_page(request)


@require_GET
@trainer_required
def trainer_dashboard(request):
    from courses.dashboard import STATE_LABELS, cohort_view
    from mastery.models import GradeRecord

    from .models import LtiContext
    from .roster import roster_refresh_later, roster_sync

    cohort_id = request.launch.claims.cohort_id
    context = (
        LtiContext.objects.select_related("deployment__platform", "cohort")
        .filter(cohort_id=cohort_id)
        .first()
    )
    roster, refreshing = None, False
    if context is not None:
        first_time = context.roster_synced_at is None and not context.roster_error
        if request.GET.get("refresh") or first_time:
            roster = roster_sync(context, force=bool(request.GET.get("refresh")))
        else:  # show what Ignite has; a stale roster is refreshed by the worker
            refreshing = roster_refresh_later(context)
    query = request.GET.get("q", "").strip()[:100]
    state = request.GET.get("state", "")
    view = cohort_view(cohort_id=cohort_id, query=query, state=state)
    memberships = (
        Membership.objects.filter(cohort_id=cohort_id)
        .select_related("participant")
        .order_by("status", "role", "participant__name")
    )
    grades = GradeRecord.objects.filter(placement__cohort_id=cohort_id)
    counts = dict(grades.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    failed = (
        grades.filter(status=GradeRecord.Status.FAILED)
        .select_related("participant", "placement")
        .order_by("-timestamp")[:200]
    )
    peak = max([n for _, n in view.distribution] + [1])
    bars = []
    for i, (label, n) in enumerate(view.distribution):
        height = round(140 * n / peak)
        bars.append(
            {
                "label": label,
                "count": n,
                "height": height,
                "x": 20 + i * 95,
                "y": 170 - height,
                "count_y": 164 - height,
                "mid": 50 + i * 95,
            }
        )
    return render(
        request,
        "lti_tool/trainer.html",
        {
            "cohort": request.launch.cohort,
            "memberships": memberships,
            "view": view,
            "bars": bars,
            "query": query,
            "state": state,
            "state_choices": [*STATE_LABELS.items(), ("behind", "Behind schedule")],
            "grade_counts": [
                (label, counts.get(value, 0)) for value, label in GradeRecord.Status.choices
            ],
            "failed": failed,
            "retried": request.GET.get("retried"),
            "due_saved": request.GET.get("due"),
            "roster": roster,
            "roster_context": context,
            "roster_refreshing": refreshing,
        },
    )


@require_GET
@trainer_required
def trainer_export(request):
    """The dashboard's table as CSV (one row per teacher, two columns per placed module)."""
    import csv

    from django.http import HttpResponse

    from courses.dashboard import cohort_view

    view = cohort_view(
        cohort_id=request.launch.claims.cohort_id,
        query=request.GET.get("q", "").strip()[:100],
        state=request.GET.get("state", ""),
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="ignite-cohort.csv"'
    writer = csv.writer(response)
    header = ["Name", "Email", "Membership", "Last activity", "Behind schedule"]
    for _placement, module in view.placements:
        header += [f"{module.current.title}: status", f"{module.current.title}: score"]
    writer.writerow(header)

    def safe(value: str) -> str:
        # Spreadsheet formula injection: a cell must never start a formula.
        return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value

    for row in view.rows:
        line = [
            safe(row.participant.display_name),
            safe(row.participant.email),
            row.membership.get_status_display(),
            row.last_activity.isoformat(timespec="minutes") if row.last_activity else "",
            "yes" if row.behind else "no",
        ]
        for cell in row.cells:
            line += [cell.label, f"{cell.score}%" if cell.score else ""]
        writer.writerow(line)
    return response


@require_POST
@trainer_required
def trainer_due_date(request):
    """Set or clear a placement's due date (this cohort's placements only)."""
    from datetime import datetime, time

    from django.utils import timezone

    from courses.models import Placement

    placement = Placement.objects.filter(
        pk=parse_id(request.POST.get("placement")) or 0,
        cohort_id=request.launch.claims.cohort_id,
    ).first()
    if placement is None:
        return render(
            request,
            "pagesession/denied.html",
            {"title": "No such module here", "message": "Choose a module of this course."},
            status=404,
        )
    raw = request.POST.get("due", "").strip()
    if raw:
        try:
            day = datetime.strptime(raw, "%Y-%m-%d").date()
        except ValueError:
            return render(
                request,
                "pagesession/denied.html",
                {"title": "That date was not understood", "message": "Use the date picker."},
                status=400,
            )
        placement.due_at = timezone.make_aware(datetime.combine(day, time(23, 59)))
    else:
        placement.due_at = None
    placement.save(update_fields=["due_at", "updated_at"])
    from pagesession.templatetags.launch_urls import lurl

    target = add_query(lurl({"launch": request.launch}, "lti:trainer-dashboard"), {"due": "1"})
    response = redirect(target + "#progress")
    response.status_code = 303
    return response


@require_POST
@trainer_required
def trainer_grades_retry(request):
    """Send this cohort's failed scores again: one (`grade`) or all of them (`all`)."""
    from mastery.grades import grades_retry
    from mastery.models import GradeRecord

    cohort_id = request.launch.claims.cohort_id
    placements = list(
        GradeRecord.objects.filter(placement__cohort_id=cohort_id)
        .values_list("placement_id", flat=True)
        .distinct()
    )
    if request.POST.get("all"):
        count = grades_retry(placement_ids=placements)
    else:
        grade_id = parse_id(request.POST.get("grade"))
        if grade_id is None:
            return render(
                request,
                "pagesession/denied.html",
                {"title": "Nothing to resend", "message": "Choose a score to send again."},
                status=400,
            )
        count = grades_retry(ids=[grade_id], placement_ids=placements)
    from pagesession.templatetags.launch_urls import lurl

    target = add_query(
        lurl({"launch": request.launch}, "lti:trainer-dashboard"), {"retried": count}
    )
    response = redirect(target + "#grades")
    response.status_code = 303
    return response


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


@require_GET
def canvas_json(request):
    """The Canvas developer-key configuration (Developer Keys > LTI Key > Enter URL)."""
    from django.http import JsonResponse

    from pagesession.urls_util import tool_origin

    from .lms_config import canvas_config

    return JsonResponse(canvas_config(tool_origin(request)), json_dumps_params={"indent": 2})


@require_http_methods(["GET", "POST"])
@trainer_required
def deep_link(request):
    """Deep Linking 2.0: choose catalog modules to add to the LMS course."""
    from courses.models import Program
    from pagesession.urls_util import tool_origin

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


@require_GET
def register(request):
    """LTI Dynamic Registration: opened by the LMS in a window or frame."""
    from pagesession.urls_util import tool_origin

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
