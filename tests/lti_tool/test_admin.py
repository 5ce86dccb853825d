from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import override_settings

from lti_tool.models import Platform

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(
        User.objects.create_superuser("lmsadmin", "a@example.org", "unused-password-123")
    )
    return client


def test_check_jwks_action_reports_keys(admin_client, platform):
    response = admin_client.post(
        "/admin/lti_tool/platform/",
        {"action": "check_jwks", "_selected_action": [platform.pk]},
        follow=True,
    )
    assert "1 key(s) published (kid: platform-key-1)" in response.content.decode()


def test_check_jwks_action_reports_an_unreachable_platform(admin_client, platform, jwks_server):
    jwks_server.status = 500
    response = admin_client.post(
        "/admin/lti_tool/platform/",
        {"action": "check_jwks", "_selected_action": [platform.pk]},
        follow=True,
    )
    assert "failed" in response.content.decode()
    assert response.status_code == 200


@override_settings(IGNITE_ALLOW_HTTP_PLATFORMS=False)
def test_admin_form_refuses_http_urls_outside_debug(admin_client):
    response = admin_client.post(
        "/admin/lti_tool/platform/add/",
        {
            "name": "Plain http",
            "issuer": "http://lms.example.org",
            "client_id": "1",
            "is_active": "on",
            "auth_login_url": "http://lms.example.org/auth",
            "auth_token_url": "https://lms.example.org/token",
            "keyset_url": "https://lms.example.org/jwks",
            "deployments-TOTAL_FORMS": "0",
            "deployments-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200  # the form again, with errors
    assert "must use https" in response.content.decode()
    assert not Platform.objects.exists()


def _platform_form(**fields) -> dict:
    return {
        "name": "Chicago Canvas",
        "issuer": "https://lms.example.org",
        "client_id": "1",
        "is_active": "on",
        "auth_login_url": "https://lms.example.org/auth",
        "auth_token_url": "https://lms.example.org/token",
        "keyset_url": "https://lms.example.org/jwks",
        "deployments-TOTAL_FORMS": "0",
        "deployments-INITIAL_FORMS": "0",
        **fields,
    }


def test_admin_form_sets_a_time_zone_and_refuses_an_unknown_one(admin_client):
    response = admin_client.post(
        "/admin/lti_tool/platform/add/", _platform_form(time_zone="Europe/Chicago")
    )
    assert response.status_code == 200  # the form again, with the error
    assert "is not a known IANA time zone" in response.content.decode()
    assert not Platform.objects.exists()
    response = admin_client.post(
        "/admin/lti_tool/platform/add/", _platform_form(time_zone="America/Chicago")
    )
    assert response.status_code == 302
    assert Platform.objects.get().time_zone == "America/Chicago"
