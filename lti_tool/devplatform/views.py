from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from lti_tool.urls_util import tool_origin

from . import platform
from .models import DevLineItem
from .people import CLIENT_ID, COURSES, DEPLOYMENT_ID, PEOPLE, find_link


def _base(request) -> str:
    return tool_origin(request)


@require_GET
def index(request):
    """Pick a person and a link, and launch the tool in an iframe through the real OIDC flow."""
    person = PEOPLE.get(request.GET.get("person", ""))
    course_key, _, link_key = request.GET.get("link", "").partition(":")
    course = COURSES.get(course_key)
    launch_url = ""
    if person and course:
        link = find_link(course, link_key)
        base = _base(request)
        hint = f"{course.key}:{link.key if link else ''}"
        launch_url = (
            reverse("lti:login")
            + "?"
            + urlencode(
                {
                    "iss": platform.issuer(base),
                    "login_hint": person.key,
                    "target_link_uri": base + reverse("lti:home"),
                    "lti_message_hint": hint,
                    "client_id": CLIENT_ID,
                    "lti_deployment_id": DEPLOYMENT_ID,
                }
            )
        )
    return render(
        request,
        "devplatform/index.html",
        {
            "people": PEOPLE.values(),
            "courses": COURSES.values(),
            "person": person,
            "course": course,
            "selected_link": request.GET.get("link", ""),
            "launch_url": launch_url,
        },
    )


@require_GET
def authorize(request):
    """OIDC authorization endpoint: check the tool's request, answer with a signed id_token."""
    params = request.GET
    base = _base(request)
    problems = []
    if params.get("client_id") != CLIENT_ID:
        problems.append("unknown client_id")
    if params.get("redirect_uri") != base + reverse("lti:launch"):
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
    course_key, _, link_key = params.get("lti_message_hint", "").partition(":")
    course = COURSES.get(course_key)
    if person is None or course is None:
        problems.append("login_hint or lti_message_hint names no user or course")
    if problems:
        return HttpResponseBadRequest("; ".join(problems), content_type="text/plain")
    link = find_link(course, link_key)
    claims = platform.launch_claims(
        base_url=base,
        person=person,
        course=course,
        link=link,
        nonce=params["nonce"],
        target_link_uri=base + reverse("lti:home"),
        message_type="LtiResourceLinkRequest" if link else "LtiResourceLinkRequest",
    )
    if link is None:
        # Course navigation: a resource link for the course itself, without a module.
        claims["https://purl.imsglobal.org/spec/lti/claim/resource_link"] = {
            "id": f"{course.key}-nav",
            "title": "Ignite",
        }
    return render(
        request,
        "devplatform/autopost.html",
        {
            "action": params["redirect_uri"],
            "fields": {"id_token": platform.sign(claims), "state": params["state"]},
        },
    )


@require_GET
def jwks(request):
    return JsonResponse(platform.platform_jwks())


@require_GET
def gradebook(request):
    items = DevLineItem.objects.prefetch_related("scores").order_by("course_id", "id")
    return render(request, "devplatform/gradebook.html", {"items": items, "people": PEOPLE})
