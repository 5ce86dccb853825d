"""Finding 5: admin logins were not throttled, and the admin's session cookie was SameSite=None."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


@pytest.fixture
def admin_user():
    return get_user_model().objects.create_superuser("ops", "ops@district.example", PASSWORD)


def login(client, password, address="203.0.113.7", **extra):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": "ops", "password": password},
        REMOTE_ADDR=address,
        **extra,
    )


def logged_in(client) -> bool:
    return client.get("/admin/").status_code == 200


def test_the_right_password_logs_in_with_a_lax_session_cookie(client, admin_user):
    response = login(client, PASSWORD)
    assert response.status_code == 302 and logged_in(client)
    cookie = response.cookies["sessionid"]
    assert cookie["samesite"] == "Lax" and cookie["secure"] and cookie["httponly"]


def test_after_five_wrong_passwords_the_right_one_is_refused(client, admin_user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, "wrong").status_code == 200  # the form again, with its error
    assert login(client, "wrong").status_code == 429  # the last failure allowed locks
    response = login(client, PASSWORD)
    assert response.status_code == 429
    assert not logged_in(client)


def test_a_lockout_holds_for_the_user_name_from_another_address(client, admin_user, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        login(client, "wrong", address=f"198.51.100.{n + 1}")
    assert login(client, PASSWORD, address="192.0.2.200").status_code == 429
    assert not logged_in(client)


def test_a_few_mistakes_do_not_lock_anyone_out(client, admin_user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, "wrong")
    assert login(client, PASSWORD).status_code == 302 and logged_in(client)


def test_tool_pages_set_no_session_or_csrf_cookie(client, platform):
    response = client.post(
        "/lti/login/",
        {
            "iss": platform.issuer,
            "login_hint": "x",
            "target_link_uri": "http://testserver/app/",
            "client_id": platform.client_id,
        },
    )
    assert set(response.cookies) == {next(iter(response.cookies))}
    (name,) = response.cookies
    assert name.startswith("ignite-state-") and response.cookies[name]["samesite"] == "None"


def test_check_deploy_has_no_csrf_or_framing_warnings_but_errors_without_ignites_middleware(
    settings,
):
    from django.core import checks

    ids = {m.id for m in checks.run_checks(include_deployment_checks=True) if not m.is_silenced()}
    assert not {"security.W002", "security.W003"} & ids
    assert not {"ignite.E001", "ignite.E002"} & ids
    settings.MIDDLEWARE = [
        m
        for m in settings.MIDDLEWARE
        if not m.startswith(("lti_tool.middleware.", "pagesession.middleware."))
    ]
    ids = {m.id for m in checks.run_checks()}
    assert {"ignite.E001", "ignite.E002"} <= ids
