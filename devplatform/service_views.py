"""The development platform's services, as an LMS offers them to a tool: the OAuth 2 token,
Assignment and Grade Services, Names and Role Provisioning, and the deep-linking return."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from . import platform, services
from .models import DevLineItem, DevScore
from .people import COURSES, PEOPLE
from .views import _base, _json_body, _problem

# --- services: OAuth 2 token, Assignment and Grade Services, Names and Role Provisioning ----

LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
CONTAINER_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
RESULTS_TYPE = "application/vnd.ims.lis.v2.resultcontainer+json"
NRPS_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_LINEITEM_RO = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_RESULT_RO = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
SCOPE_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
ACTIVITY = {"Initialized", "Started", "InProgress", "Submitted", "Completed"}
GRADING = {"FullyGraded", "Pending", "PendingManual", "Failed", "NotReady"}
PAGE_LIMIT_MAX = 100
NRPS_PAGE_SIZE = 2


def _unauthorized(request, needed: set[str]) -> JsonResponse | None:
    problem = services.token_check(request.headers.get("Authorization", ""), needed)
    if problem is None:
        return None
    response = _problem(401, problem)
    response["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return response


def _limit(request, default: int = PAGE_LIMIT_MAX) -> int:
    try:
        return max(1, min(int(request.GET.get("limit", default)), PAGE_LIMIT_MAX))
    except ValueError:
        return default


def _page(request) -> int:
    try:
        return max(0, int(request.GET.get("page", 0)))
    except ValueError:
        return 0


def _paged(request, response: JsonResponse, has_more: bool) -> JsonResponse:
    if has_more:
        query = request.GET.copy()
        query["page"] = str(_page(request) + 1)
        query["limit"] = str(
            _limit(request, default=NRPS_PAGE_SIZE if "nrps" in request.path else PAGE_LIMIT_MAX)
        )
        next_url = request.build_absolute_uri(request.path) + "?" + query.urlencode()
        response["Link"] = f'<{next_url}>; rel="next"'
    return response


def _lineitem_json(request, item: DevLineItem) -> dict:
    data = {
        "id": request.build_absolute_uri(
            reverse("devplatform:lineitem", args=[item.course_id, item.pk])
        ),
        "scoreMaximum": item.score_maximum,
        "label": item.label,
    }
    for key, value in (
        ("resourceId", item.resource_id),
        ("tag", item.tag),
        ("resourceLinkId", item.resource_link_id),
    ):
        if value:
            data[key] = value
    return data


def _lineitem_values(body: dict | None) -> tuple[dict | None, str]:
    if body is None:
        return None, "body must be a JSON object"
    label = body.get("label")
    maximum = body.get("scoreMaximum")
    if not isinstance(label, str) or not label.strip():
        return None, "label is required"
    if isinstance(maximum, bool) or not isinstance(maximum, int | float) or maximum <= 0:
        return None, "scoreMaximum must be a number greater than 0"
    values = {"label": label[:255], "score_maximum": float(maximum)}
    for key, field_name in (
        ("resourceId", "resource_id"),
        ("tag", "tag"),
        ("resourceLinkId", "resource_link_id"),
    ):
        value = body.get(key, "")
        if not isinstance(value, str):
            return None, f"{key} must be a string"
        values[field_name] = value[:255]
    return values, ""


@csrf_exempt
@require_POST
def token(request):
    """OAuth 2 token endpoint: client_credentials with a signed JWT client assertion."""
    try:
        issued = services.token_issue(
            params=request.POST, token_url=request.build_absolute_uri(reverse("devplatform:token"))
        )
    except services.OAuthError as exc:
        return JsonResponse(
            {"error": exc.error, "error_description": exc.description}, status=exc.status
        )
    response = JsonResponse(issued)
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def lineitems(request, course_key: str):
    if course_key not in COURSES:
        return _problem(404, "no such course")
    if request.method == "POST":
        if denied := _unauthorized(request, {SCOPE_LINEITEM}):
            return denied
        values, problem = _lineitem_values(_json_body(request))
        if values is None:
            return _problem(400, problem)
        item = DevLineItem.objects.create(course_id=course_key, **values)
        return JsonResponse(_lineitem_json(request, item), status=201, content_type=LINEITEM_TYPE)
    if denied := _unauthorized(request, {SCOPE_LINEITEM, SCOPE_LINEITEM_RO}):
        return denied
    items = DevLineItem.objects.filter(course_id=course_key).order_by("pk")
    for param, field_name in (
        ("resource_link_id", "resource_link_id"),
        ("resource_id", "resource_id"),
        ("tag", "tag"),
    ):
        if request.GET.get(param):
            items = items.filter(**{field_name: request.GET[param]})
    limit, page = _limit(request), _page(request)
    chunk = list(items[page * limit : (page + 1) * limit + 1])
    response = JsonResponse(
        [_lineitem_json(request, item) for item in chunk[:limit]],
        safe=False,
        content_type=CONTAINER_TYPE,
    )
    return _paged(request, response, len(chunk) > limit)


@csrf_exempt
@require_http_methods(["GET", "HEAD", "PUT", "DELETE"])
def lineitem(request, course_key: str, item_id: int):
    item = DevLineItem.objects.filter(course_id=course_key, pk=item_id).first()
    if item is None:
        return _problem(404, "no such line item")
    reading = request.method in ("GET", "HEAD")
    needed = {SCOPE_LINEITEM, SCOPE_LINEITEM_RO} if reading else {SCOPE_LINEITEM}
    if denied := _unauthorized(request, needed):
        return denied
    if request.method == "DELETE":
        item.delete()
        return HttpResponse(status=204)
    if request.method == "PUT":
        values, problem = _lineitem_values(_json_body(request))
        if values is None:
            return _problem(400, problem)
        for name, value in values.items():
            setattr(item, name, value)
        item.save()
    return JsonResponse(_lineitem_json(request, item), content_type=LINEITEM_TYPE)


def _score_problem(body: dict | None, course) -> str:
    if body is None:
        return "body must be a JSON object"
    user_id = body.get("userId")
    if not isinstance(user_id, str) or not user_id.startswith("dev-"):
        return "userId is required"
    if user_id.removeprefix("dev-") not in course.members:
        return f"userId {user_id} is not a member of this course"
    if body.get("activityProgress") not in ACTIVITY:
        return "activityProgress is missing or not one of " + ", ".join(sorted(ACTIVITY))
    if body.get("gradingProgress") not in GRADING:
        return "gradingProgress is missing or not one of " + ", ".join(sorted(GRADING))
    if services.parse_timestamp(body.get("timestamp")) is None:
        return "timestamp must be an ISO 8601 date-time with a time zone"
    given, maximum = body.get("scoreGiven"), body.get("scoreMaximum")
    if given is not None:
        if isinstance(given, bool) or not isinstance(given, int | float) or given < 0:
            return "scoreGiven must be a number >= 0"
        if isinstance(maximum, bool) or not isinstance(maximum, int | float) or maximum <= 0:
            return "scoreMaximum is required with scoreGiven and must be > 0"
    comment = body.get("comment", "")
    if comment is not None and not isinstance(comment, str):
        return "comment must be a string"
    return ""


@csrf_exempt
@require_POST
def scores(request, course_key: str, item_id: int):
    item = DevLineItem.objects.filter(course_id=course_key, pk=item_id).first()
    if item is None:
        return _problem(404, "no such line item")
    if denied := _unauthorized(request, {SCOPE_SCORE}):
        return denied
    if request.content_type != SCORE_TYPE:
        return _problem(415, f"Content-Type must be {SCORE_TYPE}")
    body = _json_body(request)
    if problem := _score_problem(body, COURSES[course_key]):
        return _problem(400, problem)
    timestamp = services.parse_timestamp(body["timestamp"])
    values = {
        "score_given": body.get("scoreGiven"),
        "score_maximum": body.get("scoreMaximum"),
        "activity_progress": body["activityProgress"],
        "grading_progress": body["gradingProgress"],
        "comment": (body.get("comment") or "")[:4000],
        "timestamp": timestamp,
        "received_at": timezone.now(),
    }
    with transaction.atomic():
        current = (
            DevScore.objects.select_for_update()
            .filter(line_item=item, user_id=body["userId"])
            .first()
        )
        if current is None:
            try:
                with transaction.atomic():
                    DevScore.objects.create(line_item=item, user_id=body["userId"], **values)
                return HttpResponse(status=200)
            except IntegrityError:
                current = DevScore.objects.select_for_update().get(
                    line_item=item, user_id=body["userId"]
                )
        # AGS 2.0 3.4.8: never let an older score replace a newer one.
        if timestamp < current.timestamp:
            DevScore.objects.filter(pk=current.pk).update(stale_ignored=F("stale_ignored") + 1)
            return HttpResponse(status=200)
        for name, value in values.items():
            setattr(current, name, value)
        current.times_received += 1
        current.save()
    return HttpResponse(status=200)


@require_safe
def results(request, course_key: str, item_id: int):
    item = DevLineItem.objects.filter(course_id=course_key, pk=item_id).first()
    if item is None:
        return _problem(404, "no such line item")
    if denied := _unauthorized(request, {SCOPE_RESULT_RO}):
        return denied
    rows = item.scores.order_by("user_id")
    if request.GET.get("user_id"):
        rows = rows.filter(user_id=request.GET["user_id"])
    item_url = _lineitem_json(request, item)["id"]
    data = [
        {
            "id": f"{item_url}results/{row.user_id}/",
            "scoreOf": item_url,
            "userId": row.user_id,
            "resultScore": row.score_given,
            "resultMaximum": row.score_maximum,
            "comment": row.comment,
        }
        for row in rows
    ]
    return JsonResponse(data, safe=False, content_type=RESULTS_TYPE)


@require_safe
def memberships(request, course_key: str):
    """NRPS 2.0 context membership, paged with Link rel="next"."""
    course = COURSES.get(course_key)
    if course is None:
        return _problem(404, "no such course")
    if denied := _unauthorized(request, {SCOPE_NRPS}):
        return denied
    members = [
        {
            "status": "Inactive" if key in course.inactive else "Active",
            "name": PEOPLE[key].name,
            "given_name": PEOPLE[key].given_name,
            "family_name": PEOPLE[key].family_name,
            "email": PEOPLE[key].email,
            "user_id": f"dev-{key}",
            "roles": list(PEOPLE[key].roles),
        }
        for key in course.members
    ]
    role = request.GET.get("role")
    if role:
        members = [
            m for m in members if any(r == role or r.endswith("#" + role) for r in m["roles"])
        ]
    # Small pages by default, so that every tool reading this roster has to follow paging.
    limit, page = _limit(request, default=NRPS_PAGE_SIZE), _page(request)
    response = JsonResponse(
        {
            "id": request.build_absolute_uri(request.path),
            "context": {"id": course.key, "label": course.label, "title": course.title},
            "members": members[page * limit : (page + 1) * limit],
        },
        content_type=NRPS_TYPE,
    )
    return _paged(request, response, len(members) > (page + 1) * limit)


@csrf_exempt  # the tool's answer arrives as a cross-site form post, signed by the tool
@require_POST
def deep_link_return(request, course_key: str):
    """Receive an LtiDeepLinkingResponse: check it as an LMS would, then add the links."""
    course = COURSES.get(course_key)
    if course is None:
        return HttpResponseBadRequest("no such course", content_type="text/plain")
    try:
        items, message = services.deep_link_accept(
            token=request.POST.get("JWT", ""),
            issuer=platform.issuer(_base(request)),
            course_key=course.key,
        )
    except services.DeepLinkRefused as exc:
        return HttpResponseBadRequest(
            f"deep linking response refused: {exc}", content_type="text/plain"
        )
    return render(
        request,
        "devplatform/deep_link_result.html",
        {"course": course, "items": items, "message": message},
    )
