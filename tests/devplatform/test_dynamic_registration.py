"""LTI Dynamic Registration against the development platform over loopback HTTP, and who may
register."""

from __future__ import annotations

import re
from datetime import timedelta
from io import StringIO
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from django.utils import timezone

from devplatform.services import registration_token_issue
from lti_tool.dynamic_registration import (
    RegistrationFailed,
    client_registration,
    platform_config_check,
)
from lti_tool.models import Deployment, Platform, RegistrationLink

pytestmark = pytest.mark.django_db(transaction=True)


def new_link(base: str) -> str:
    out = StringIO()
    call_command("lti_registration_link", "--base-url", base, "--note", "test LMS", stdout=out)
    return out.getvalue().strip().splitlines()[-1]


def register(client, live_server, link_url: str, **extra):
    parts = urlsplit(link_url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query.update(
        openid_configuration=f"{live_server.url}/dev/platform/.well-known/openid-configuration",
        registration_token=registration_token_issue(),
    )
    query.update(extra)
    return client.get(parts.path, query)


def test_registration_with_a_one_time_link(client, live_server):
    link_url = new_link(live_server.url)
    assert link_url.startswith(f"{live_server.url}/lti/register/?link=")
    response = register(client, live_server, link_url)
    assert response.status_code == 200, response.content
    html = response.content.decode()
    assert 'data-testid="registration-done"' in html and "register_close.js" in html
    platform = Platform.objects.get(client_id__startswith="ignite-dyn-")
    assert platform.issuer == f"{live_server.url}/dev/platform"
    assert platform.auth_login_url == f"{live_server.url}/dev/platform/authorize/"
    assert platform.auth_token_url == f"{live_server.url}/dev/platform/token/"
    assert platform.keyset_url == f"{live_server.url}/dev/platform/jwks/"
    assert Deployment.objects.get(platform=platform).deployment_id.startswith("dyn-deployment-")
    link = RegistrationLink.objects.get()
    assert (link.state, link.platform) == ("used", platform)
    again = register(client, live_server, link_url)  # the link works once
    assert again.status_code == 403 and Platform.objects.count() == 1


def test_registration_without_a_link_is_refused_before_fetching_anything(client):
    response = client.get(
        "/lti/register/",
        {"openid_configuration": "http://127.0.0.1:9/never-fetched", "registration_token": "t"},
    )
    assert response.status_code == 403
    assert "registration link" in response.content.decode()
    assert Platform.objects.count() == 0


def test_an_unknown_or_expired_link_is_refused(client, live_server):
    assert register(client, live_server, "/lti/register/?link=forged").status_code == 403
    link_url = new_link(live_server.url)
    RegistrationLink.objects.update(expires_at="2020-01-01T00:00:00Z")
    assert register(client, live_server, link_url).status_code == 403
    assert Platform.objects.count() == 0


def test_an_allow_listed_issuer_needs_no_link(client, live_server, settings):
    settings.IGNITE_REGISTRATION_ALLOWED_ISSUERS = [f"{live_server.url}/dev/platform"]
    response = register(client, live_server, "/lti/register/")
    assert response.status_code == 200, response.content
    assert Platform.objects.filter(client_id__startswith="ignite-dyn-").count() == 1


def test_a_refused_registration_token_leaves_the_link_usable(client, live_server, caplog):
    link_url = new_link(live_server.url)
    with caplog.at_level("WARNING", logger="ignite.lti.security"):
        response = register(client, live_server, link_url, registration_token="not-issued")
    html = response.content.decode()
    assert response.status_code == 400 and "HTTP 401" not in html  # the reason stays in the log
    reference = re.search(r'data-testid="registration-reference">([0-9A-F]{8})<', html).group(1)
    assert f"ref={reference}: client registration: the LMS answered HTTP 401" in caplog.text
    link = RegistrationLink.objects.get()
    assert (link.state, link.failures) == ("open", 1)
    assert register(client, live_server, link_url).status_code == 200


def test_a_link_dies_after_three_failed_attempts(client, live_server):
    link_url = new_link(live_server.url)
    for _ in range(3):
        response = register(client, live_server, link_url, registration_token="not-issued")
        assert response.status_code == 400
    assert RegistrationLink.objects.get().state == "failed"
    assert register(client, live_server, link_url).status_code == 403  # even with a good token
    assert not Platform.objects.filter(client_id__startswith="ignite-dyn-").exists()


def test_a_link_lasts_seven_days_by_default_and_says_so(live_server):
    out = StringIO()
    call_command("lti_registration_link", "--base-url", live_server.url, stdout=out)
    link = RegistrationLink.objects.get()
    assert timedelta(days=6, hours=23) < link.expires_at - timezone.now() <= timedelta(days=7)
    assert link.expires_at.strftime("%Y-%m-%d %H:%M UTC") in out.getvalue()
    assert "3 failed attempts" in out.getvalue()


def test_issuer_must_be_on_the_configuration_urls_origin():
    config = {
        "issuer": "https://lms.example",
        "authorization_endpoint": "https://lms.example/auth",
        "token_endpoint": "https://lms.example/token",
        "jwks_uri": "https://lms.example/jwks",
        "registration_endpoint": "https://lms.example/register",
    }
    assert platform_config_check(config, "https://lms.example/.well-known/openid-configuration")
    with pytest.raises(RegistrationFailed, match="not on the configuration URL's origin"):
        platform_config_check(config, "https://evil.example/.well-known/openid-configuration")
    with pytest.raises(RegistrationFailed, match="RS256"):
        platform_config_check(
            {**config, "id_token_signing_alg_values_supported": ["HS256"]},
            "https://lms.example/x",
        )


def test_the_client_registration_names_what_the_spec_requires():
    body = client_registration("https://ignite.example.org", None)
    assert body["application_type"] == "web"
    assert body["response_types"] == ["id_token"]
    assert set(body["grant_types"]) == {"implicit", "client_credentials"}
    assert body["token_endpoint_auth_method"] == "private_key_jwt"
    assert body["initiate_login_uri"] == "https://ignite.example.org/lti/login/"
    assert body["redirect_uris"] == ["https://ignite.example.org/lti/launch/"]
    assert body["jwks_uri"] == "https://ignite.example.org/.well-known/jwks.json"
    tool = body["https://purl.imsglobal.org/spec/lti-tool-configuration"]
    assert tool["domain"] == "ignite.example.org"
    assert {m["type"] for m in tool["messages"]} == {
        "LtiResourceLinkRequest",
        "LtiDeepLinkingRequest",
    }
    assert "https://purl.imsglobal.org/spec/lti-ags/scope/score" in body["scope"].split()
