"""Reaching a sign-in URL from the browser shows Ignite's own page, not a bare 405; HEAD is
answered wherever GET is."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_get_on_the_launch_url_explains_that_ignite_opens_from_the_lms(client):
    response = client.get("/lti/launch/")
    assert response.status_code == 405 and response["Allow"] == "POST"
    html = response.content.decode()
    assert 'data-testid="opens-from-lms"' in html and "go to your course" in html


def test_the_login_url_without_parameters_explains_too(client, platform):
    response = client.get("/lti/login/")
    assert response.status_code == 400
    assert 'data-testid="opens-from-lms"' in response.content.decode()


def test_the_login_url_with_parameters_still_signs_in(client, platform):
    response = client.get(
        "/lti/login/",
        {"iss": platform.issuer, "login_hint": "x", "target_link_uri": "http://testserver/app/"},
    )
    assert response.status_code == 302


def test_head_on_the_launch_url_is_the_same_answer_without_a_body(client):
    response = client.head("/lti/launch/")
    assert response.status_code == 405 and response.content == b""


@pytest.mark.parametrize(
    "path", ["/lti/jwks/", "/lti/canvas.json", "/credentials/issuer.json", "/lti/login/"]
)
def test_head_answers_like_get(client, path):
    get = client.get(path)
    head = client.head(path)
    assert head.status_code == get.status_code != 405
    assert head.content == b""
    assert head["Content-Type"] == get["Content-Type"]
