from __future__ import annotations

import json
from urllib.parse import urlencode

from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from lti_tool.security import all_frame_ancestors, content_security_policy
from pagesession.urls_util import tool_origin

from . import platform, services
from .models import DevAccessToken, DevLineItem
from .people import ADD_CONTENT, CLIENT_ID, COURSES, DEPLOYMENT_ID, PEOPLE, course_links, find_link

NO_STORAGE = "|no-storage"


def _base(request) -> str:
    return tool_origin(request)


def _tool_base(request) -> str:
    """Where the tool is: the same server by default; another origin (another site) when
    IGNITE_DEV_TOOL_ORIGIN says so, to try the tool as a third party in the frame."""
    from django.conf import settings

    return getattr(settings, "IGNITE_DEV_TOOL_ORIGIN", "") or _base(request)


@require_safe
def index(request):
    """Pick a person and a link, and launch the tool in an iframe through the real OIDC flow."""
    person = PEOPLE.get(request.GET.get("person", ""))
    storages = request.GET.getlist("storage")
    storage_off = "off" in storages
    course_key, _, link_key = request.GET.get("link", "").partition(":")
    course = COURSES.get(course_key)
    launch_url = ""
    if person and course:
        link = find_link(course, link_key)
        base = _base(request)
        tool = _tool_base(request)
        hint = (
            f"{course.key}:{ADD_CONTENT if link_key == ADD_CONTENT else (link.key if link else '')}"
        )
        login = {
            "iss": platform.issuer(base),
            "login_hint": person.key,
            "target_link_uri": tool + reverse("lti:home"),
            "lti_message_hint": hint,
            "client_id": CLIENT_ID,
            "lti_deployment_id": DEPLOYMENT_ID,
            # This platform keeps the tool's login state in its own window on request
            # (LTI Client Side postMessage storage), for browsers blocking cookies.
            "lti_storage_target": "_parent",
        }
        if storage_off:
            # Playing an LMS without platform storage (Moodle): no storage target offered, at
            # login or launch (the hint tells the authorization endpoint).
            del login["lti_storage_target"]
            login["lti_message_hint"] = hint + NO_STORAGE
        launch_url = tool + reverse("lti:login") + "?" + urlencode(login)
    response = render(
        request,
        "devplatform/index.html",
        {
            "people": PEOPLE.values(),
            "courses": [(c, course_links(c)) for c in COURSES.values()],
            "add_content": ADD_CONTENT,
            "tool_origin": _tool_base(request),
            # ?storage=broken plays an LMS that announces postMessage storage but never answers;
            # ?storage=off one that offers none (as Moodle).
            "storage": "broken" not in storages,
            "storage_off": storage_off,
            "person": person,
            "course": course,
            "selected_link": request.GET.get("link", ""),
            "launch_url": launch_url,
        },
    )
    # This page frames the tool, which may live on another origin (IGNITE_DEV_TOOL_ORIGIN).
    response["Content-Security-Policy"] = content_security_policy(all_frame_ancestors()).replace(
        "frame-src 'self'", f"frame-src 'self' {_tool_base(request)}"
    )
    return response


@require_safe
def authorize(request):
    """OIDC authorization endpoint: check the tool's request, answer with a signed id_token."""
    params = request.GET
    base = _base(request)
    tool = _tool_base(request)
    problems = []
    if params.get("client_id") != CLIENT_ID:
        problems.append("unknown client_id")
    if params.get("redirect_uri") != tool + reverse("lti:launch"):
        problems.append("redirect_uri is not the tool's registered launch URL")
    for name, expected in (
        ("scope", "openid"),
        ("response_type", "id_token"),
        ("response_mode", "form_post"),
        ("prompt", "none"),
    ):
        if params.get(name) != expected:
            problems.append(f"{name} must be {expected}")
    for name in ("state", "nonce", "login_hint"):
        if not params.get(name):
            problems.append(f"{name} is missing")
    person = PEOPLE.get(params.get("login_hint", ""))
    hint = params.get("lti_message_hint", "")
    storage_off = hint.endswith(NO_STORAGE)
    course_key, _, link_key = hint.removesuffix(NO_STORAGE).partition(":")
    course = COURSES.get(course_key)
    if person is None or course is None:
        problems.append("login_hint or lti_message_hint names no user or course")
    if problems:
        return HttpResponseBadRequest("; ".join(problems), content_type="text/plain")
    link = find_link(course, link_key)
    deep_linking = link_key == ADD_CONTENT
    claims = platform.launch_claims(
        base_url=base,
        person=person,
        course=course,
        link=link,
        nonce=params["nonce"],
        target_link_uri=tool + reverse("lti:home"),
        message_type="LtiDeepLinkingRequest" if deep_linking else "LtiResourceLinkRequest",
        deep_link_return_url=base + reverse("devplatform:deep-link-return", args=[course.key]),
    )
    if link is None and not deep_linking:
        # Course navigation: a resource link for the course itself, without a module.
        claims["https://purl.imsglobal.org/spec/lti/claim/resource_link"] = {
            "id": f"{course.key}-nav",
            "title": "Ignite",
        }
    fields = {"id_token": platform.sign(claims), "state": params["state"]}
    if not storage_off:
        fields["lti_storage_target"] = "_parent"
    return render(
        request, "devplatform/autopost.html", {"action": params["redirect_uri"], "fields": fields}
    )


@require_safe
def jwks(request):
    return JsonResponse(platform.platform_jwks())


@require_safe
def gradebook(request):
    items = DevLineItem.objects.prefetch_related("scores").order_by("course_id", "id")
    return render(
        request,
        "devplatform/gradebook.html",
        {"items": items, "people": PEOPLE, "tokens_issued": DevAccessToken.objects.count()},
    )


# --- LTI Dynamic Registration, the platform side ---------------------------------------


@require_safe
def openid_configuration(request):
    base = _base(request)
    root = base + platform.ISSUER_PATH
    return JsonResponse(
        {
            "issuer": platform.issuer(base),
            "authorization_endpoint": f"{root}/authorize/",
            "token_endpoint": f"{root}/token/",
            "jwks_uri": f"{root}/jwks/",
            "registration_endpoint": f"{root}/register/",
            "scopes_supported": sorted(services.GRANTABLE_SCOPES) + ["openid"],
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "claims_supported": ["iss", "sub", "name", "given_name", "family_name", "email"],
            "https://purl.imsglobal.org/spec/lti-platform-configuration": {
                "product_family_code": "ignite-dev",
                "version": "1",
                "messages_supported": [
                    {"type": "LtiResourceLinkRequest"},
                    {"type": "LtiDeepLinkingRequest"},
                ],
            },
        }
    )


@csrf_exempt
@require_POST
def register_client(request):
    """Client registration endpoint: checks the tool's registration as an LMS would."""
    token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not token or not services.registration_token_take(token):
        return _problem(401, "a valid registration token is required")
    body = _json_body(request)
    if body is None:
        return _problem(400, "body must be a JSON object")
    try:
        answer = services.client_registration_accept(body)
    except services.OAuthError as exc:
        return JsonResponse({"error": exc.error, "error_description": exc.description}, status=400)
    return JsonResponse(answer, status=201)


@require_safe
def register_tool(request):
    """Register a tool by Dynamic Registration: open its registration URL in a frame."""
    url = request.GET.get("url", "")
    frame_url = ""
    if url:
        frame_url = (
            url
            + ("&" if "?" in url else "?")
            + urlencode(
                {
                    "openid_configuration": _base(request)
                    + reverse("devplatform:openid-configuration"),
                    "registration_token": services.registration_token_issue(),
                }
            )
        )
    response = render(
        request, "devplatform/register_tool.html", {"url": url, "frame_url": frame_url}
    )
    response["Content-Security-Policy"] = content_security_policy(all_frame_ancestors()).replace(
        "frame-src 'self'", f"frame-src 'self' {_tool_base(request)}"
    )
    return response


def _problem(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _json_body(request) -> dict | None:
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None
