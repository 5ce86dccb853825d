"""After the launch: the launch token, tenant isolation, roles, CSRF without cookies, headers."""

from __future__ import annotations

import time

import pytest
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from courses.models import Cohort, Membership, Participant, Placement
from lti_tool.constants import MESSAGE_RESOURCE_LINK
from lti_tool.launch import ValidLaunch
from lti_tool.models import Deployment, LtiUser, Platform
from lti_tool.services import launch_record
from pagesession.launch_token import LaunchClaims
from pagesession.middleware import Launch, LaunchCsrfViewMiddleware, LaunchMiddleware
from tests.conftest import LTI

pytestmark = pytest.mark.django_db

INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


def landing(client, response):
    assert response.status_code == 303, response.content[:300]
    return client.get(response["Location"])


def test_teacher_lands_named_in_cohort_without_cookies(lti, client):
    launch = lti.launch()
    client.cookies.clear()  # nothing after the launch depends on a cookie
    page = landing(client, launch)
    body = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="participant-name">Maya Alvarez<' in body
    assert "BL Cohort" in body
    assert 'data-testid="trainer-dashboard"' not in body


def test_trainer_sees_dashboard_link_and_roster(lti, client):
    lti.launch()  # a teacher first
    page = landing(
        client, lti.launch(sub="trainer-1", name="Dr. Priya Raman", **{LTI + "roles": [INSTRUCTOR]})
    )
    body = page.content.decode()
    assert 'data-testid="trainer-dashboard"' in body
    href = (
        body.split('data-testid="trainer-dashboard" href="')[1].split('"')[0].replace("&amp;", "&")
    )
    dashboard = client.get(href)
    assert dashboard.status_code == 200
    assert "Maya Alvarez" in dashboard.content.decode()


def test_name_is_plain_text_and_escaped(lti, client):
    page = landing(client, lti.launch(name="<script>alert(1)</script> O'Neil & Co <3"))
    body = page.content.decode()
    assert "<script>alert(1)</script>" not in body and "alert(1)" not in body
    assert "O&#x27;Neil &amp; Co &lt;3" in body


def test_teacher_gets_403_on_trainer_dashboard(lti, client):
    page = landing(client, lti.launch())
    token = page.request["QUERY_STRING"].split("lt=")[1]
    response = client.get(
        "/app/trainer/", {"lt": LaunchClaims.from_token(_unquote(token)).to_token()}
    )
    assert response.status_code == 403


def _unquote(value: str) -> str:
    from urllib.parse import unquote

    return unquote(value)


def test_no_token_or_tampered_or_expired_token_is_401(lti, client):
    assert client.get("/app/").status_code == 401
    page = landing(client, lti.launch())
    token = _unquote(page.request["QUERY_STRING"].split("lt=")[1])
    assert client.get("/app/", {"lt": token[:-2] + "xx"}).status_code == 401
    with override_settings(IGNITE_LAUNCH_TOKEN_TTL=-1):
        response = client.get("/app/", {"lt": token})
    assert response.status_code == 401
    assert "open Ignite again" in response.content.decode()


def test_second_launch_updates_without_duplicates_and_keeps_known_data(lti):
    lti.launch()
    lti.launch(name="Maya Alvarez-Ruiz", email=None)
    assert Participant.objects.count() == 1
    participant = Participant.objects.get()
    assert participant.name == "Maya Alvarez-Ruiz"
    assert participant.email == "maya@district.example"  # not erased by a sparse launch
    assert Cohort.objects.count() == 1 and Placement.objects.count() == 1
    assert Membership.objects.count() == 1


def test_same_sub_on_two_platforms_is_two_participants(lti, platform, jwks_server):
    from tests.conftest import DEPLOYMENT_ID, LtiClient

    lti.launch()
    other = Platform.objects.create(
        issuer="https://schoology.schoology.com",
        client_id="777",
        auth_login_url="https://lti-service.svc.schoology.com/lti-service/authorize-redirect",
        auth_token_url="https://lti-service.svc.schoology.com/lti-service/access-token",
        keyset_url=jwks_server.url,
    )
    Deployment.objects.create(platform=other, deployment_id=DEPLOYMENT_ID)
    other_lti = LtiClient(lti.client, other, lti.private_key)
    assert other_lti.launch().status_code == 303
    assert Participant.objects.count() == 2
    assert Cohort.objects.count() == 2  # same context id, other deployment: other cohort


def test_trainer_of_another_cohort_cannot_see_this_roster(lti, client):
    lti.launch()  # teacher Maya in course-1
    page = landing(
        client,
        lti.launch(
            sub="t2",
            name="Other Trainer",
            **{
                LTI + "roles": [INSTRUCTOR],
                LTI + "context": {"id": "course-2", "title": "Another course"},
            },
        ),
    )
    body = page.content.decode()
    href = (
        body.split('data-testid="trainer-dashboard" href="')[1].split('"')[0].replace("&amp;", "&")
    )
    dashboard = client.get(href).content.decode()
    assert "Another course" in dashboard
    assert "Maya Alvarez" not in dashboard


# --- CSRF without cookies -----------------------------------------------------------------


def _post(token: str, **meta):
    request = RequestFactory().post("/app/some-form/", {"lt": token}, **meta)
    request.launch = None
    LaunchMiddleware(lambda r: HttpResponse())(request)

    def view(request):
        return HttpResponse("ok")

    return LaunchCsrfViewMiddleware(lambda r: HttpResponse()).process_view(request, view, (), {})


def _token():
    return LaunchClaims(1, 1, 1, 1, None, "teacher").to_token()


@override_settings(ALLOWED_HOSTS=["testserver"])
def test_form_post_with_launch_token_from_our_origin_passes_without_cookie():
    assert _post(_token(), HTTP_ORIGIN="http://testserver") is None


@override_settings(ALLOWED_HOSTS=["testserver"])
def test_form_post_with_launch_token_from_another_origin_is_refused():
    response = _post(_token(), HTTP_ORIGIN="https://evil.example")
    assert response is not None and response.status_code == 403


@override_settings(ALLOWED_HOSTS=["testserver"])
def test_form_post_without_token_needs_django_csrf():
    response = _post("", HTTP_ORIGIN="http://testserver")
    assert response is not None and response.status_code == 403


@override_settings(ALLOWED_HOSTS=["testserver"])
def test_form_post_with_forged_token_is_refused():
    response = _post(_token()[:-3] + "abc", HTTP_ORIGIN="http://testserver")
    assert response is not None and response.status_code == 403


# --- headers --------------------------------------------------------------------------------


def test_framed_pages_allow_only_registered_platforms(client, platform):
    response = client.get("/lti/login/")
    csp = response["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://canvas.test.example" in csp
    assert "X-Frame-Options" not in response
    assert response["Referrer-Policy"] == "same-origin"


def test_new_platform_is_framable_at_once(client, platform):
    client.get("/lti/login/")  # caches the list
    platform.frame_origins = "https://district.instructure.com"
    platform.save()
    assert (
        "https://district.instructure.com" in client.get("/lti/login/")["Content-Security-Policy"]
    )


def test_launched_pages_allow_only_the_launching_platform(lti, client, jwks_server):
    Platform.objects.create(
        issuer="https://other-lms.example", client_id="1", auth_login_url="https://other-lms.example/a",
        auth_token_url="https://other-lms.example/t", keyset_url=jwks_server.url,
    )  # fmt: skip
    page = landing(client, lti.launch())
    csp = page["Content-Security-Policy"]
    assert "https://canvas.test.example" in csp
    assert "other-lms.example" not in csp


def test_admin_is_never_framed(client):
    response = client.get("/admin/login/")
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_unknown_url_is_a_plain_404(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "Traceback" not in response.content.decode()


def test_launch_token_is_short_and_expires():
    token = LaunchClaims(1, 2, 3, 4, 5, "trainer").to_token()
    assert len(token) < 120
    assert LaunchClaims.from_token(token).placement_id == 5
    assert time.time() > 0


def test_relaunch_within_a_minute_writes_nothing_but_a_role_change_does(lti):
    from datetime import timedelta

    from django.utils import timezone

    assert lti.launch().status_code == 303
    membership = Membership.objects.get()
    first = membership.last_launch_at
    assert lti.launch().status_code == 303
    membership.refresh_from_db()
    assert membership.last_launch_at == first  # "last opened" is kept to the minute

    # No launch result is remembered (issue 22): a membership last opened more than a minute
    # ago is brought up to date by the next launch, whenever it comes.
    Membership.objects.update(last_launch_at=timezone.now() - timedelta(minutes=5))
    assert lti.launch().status_code == 303
    membership.refresh_from_db()
    assert timezone.now() - membership.last_launch_at < timedelta(seconds=30)

    instructor = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
    assert lti.launch(**{LTI + "roles": [instructor]}).status_code == 303
    membership.refresh_from_db()
    assert membership.role == "trainer"  # a new role applies at once


def test_an_unreachable_database_is_a_503_with_retry_after(lti, client, monkeypatch):
    from django.db import OperationalError

    import courses.views

    response = lti.launch(**{LTI + "custom": {"module": "none"}})
    from urllib.parse import parse_qs, urlsplit

    lt = parse_qs(urlsplit(response["Location"]).query)["lt"][0]

    def down(*args, **kwargs):
        raise OperationalError("the database system is shutting down")

    monkeypatch.setattr(courses.views, "cohort_modules", down)

    monkeypatch.setattr(Launch, "frame_ancestors", property(down))  # the headers' lookup too
    page = client.get("/app/modules/", {"lt": lt})
    assert page.status_code == 503 and page["Retry-After"] == "5"
    assert "briefly unavailable" in page.content.decode()


@pytest.mark.django_db(transaction=True)
def test_first_launches_of_one_person_at_once_make_one_person(platform):
    """Two tabs (or a double click) on a teacher's very first launch: one participant, one LMS
    identity and one membership, and every launch names the same person."""
    from tests.concurrency import at_once

    deployment = platform.deployments.get()
    claims = {
        "sub": "first-timer",
        "name": "Dana First",
        LTI + "resource_link": {"id": "link-1"},
        LTI + "context": {"id": "course-1", "title": "Course 1"},
    }
    # The course and link exist (a colleague launched before): only the person is new.
    launch_record(
        launch=ValidLaunch(
            platform,
            deployment,
            {**claims, "sub": "colleague", "name": "Col League"},
            MESSAGE_RESOURCE_LINK,
        )
    )
    results = at_once(
        lambda: launch_record(
            launch=ValidLaunch(platform, deployment, claims, MESSAGE_RESOURCE_LINK)
        )
    )
    assert len({r.participant_id for r in results}) == 1
    assert LtiUser.objects.filter(sub="first-timer").count() == 1
    assert Participant.objects.filter(name="Dana First").count() == 1
    assert Membership.objects.filter(participant_id=results[0].participant_id).count() == 1
