"""The login state in an LMS frame: a partitioned cookie, a check at the login step before the
platform is asked, the new-window path, and refusals on the platform-storage path that end on
the server like every other refusal."""

from __future__ import annotations

import logging
from urllib.parse import parse_qs, urlsplit

import pytest
from django.http import HttpResponse

from pagesession.cookies import _partition, partitioned_cookie_delete, partitioned_cookie_set
from tests.conftest import CLIENT_ID, DEPLOYMENT_ID

pytestmark = pytest.mark.django_db

FRAMED = {"HTTP_SEC_FETCH_DEST": "iframe"}


def set_cookie_header(response, name: str) -> str:
    # What Django's WSGI handler writes for each cookie.
    return response.cookies[name].output(header="").strip()


def test_partitioned_cookie_header():
    response = HttpResponse()
    partitioned_cookie_set(response=response, name="c", value="v", max_age=60, path="/lti/")
    header = set_cookie_header(response, "c")
    assert header.startswith("c=v;")
    for attribute in ("HttpOnly", "Max-Age=60", "Path=/lti/", "SameSite=None", "Secure"):
        assert attribute in header
    assert header.endswith("; Partitioned") and header.count("Partitioned") == 1
    partitioned_cookie_delete(response=response, name="c", path="/lti/")
    deletion = set_cookie_header(response, "c")
    assert "Max-Age=0" in deletion and "Secure" in deletion and "Partitioned" in deletion


def test_partitioned_needs_secure_and_samesite_none():

    response = HttpResponse()
    response.set_cookie("lax", "v", secure=True, samesite="Lax")
    with pytest.raises(ValueError, match="SameSite=None"):
        _partition(response, "lax")


def login_params(**extra):
    return {
        "iss": "https://canvas.test.example",
        "login_hint": "hint-1",
        "target_link_uri": "http://testserver/app/",
        "client_id": CLIENT_ID,
        "lti_deployment_id": DEPLOYMENT_ID,
        "lti_message_hint": "msg-1",
        **extra,
    }


def state_cookie_of(response) -> str:
    return next(name for name in response.cookies if name.startswith("ignite-state-"))


def test_top_level_login_redirects_with_a_partitioned_state_cookie(platform, client):
    response = client.post("/lti/login/", login_params())
    assert response.status_code == 302
    state = parse_qs(urlsplit(response["Location"]).query)["state"][0]
    assert state_cookie_of(response) == "ignite-state-" + state
    assert set_cookie_header(response, "ignite-state-" + state).endswith("; Partitioned")


def test_framed_login_without_platform_storage_checks_the_cookie_first(platform, client):
    response = client.post("/lti/login/", login_params(), **FRAMED)
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    html = response.content.decode()
    # Not yet at the platform: a page that checks the cookie, then goes on.
    assert 'data-mode="check"' in html
    redirect = response.context["redirect_url"]
    assert redirect.startswith("https://canvas.test.example/api/lti/authorize_redirect")
    state = parse_qs(urlsplit(redirect).query)["state"][0]
    assert response.context["check_url"] == f"/lti/login/check/?state={state}"
    assert set_cookie_header(response, "ignite-state-" + state).endswith("; Partitioned")
    # The new-window offer replays the same login, first party, in a new window.
    assert 'data-testid="open-in-new-window"' in html
    assert 'target="_blank"' in html and 'action="/lti/login/"' in html
    assert response.context["login_params"] == login_params()
    assert 'name="lti_message_hint" value="msg-1"' in html

    kept = client.get(response.context["check_url"])
    assert kept.json() == {"kept": True} and kept["Cache-Control"] == "no-store"
    del client.cookies["ignite-state-" + state]  # the frame refused it
    assert client.get(response.context["check_url"]).json() == {"kept": False}


def test_the_new_window_login_goes_straight_to_the_platform(platform, client):
    response = client.post("/lti/login/", login_params(), HTTP_SEC_FETCH_DEST="document")
    assert response.status_code == 302


def test_framed_login_with_platform_storage_keeps_the_storage_path(platform, client):
    response = client.post(
        "/lti/login/", login_params(lti_storage_target="post_message_forwarding"), **FRAMED
    )
    assert 'data-mode="put"' in response.content.decode()
    assert response.context["check_url"].startswith("/lti/login/check/?state=")


def framed_launch_without_cookie(lti, client, **login_extra):
    response = client.post("/lti/login/", login_params(**login_extra), **FRAMED)
    query = parse_qs(urlsplit(response.context["redirect_url"]).query)
    state, nonce = query["state"][0], query["nonce"][0]
    del client.cookies["ignite-state-" + state]
    token = lti.sign(lti.claims(nonce))
    return state, token


def test_state_error_in_a_frame_offers_the_new_window_in_plain_words(lti, client, caplog):
    state, token = framed_launch_without_cookie(lti, client)
    with caplog.at_level(logging.WARNING, logger="ignite.lti.security"):
        response = client.post("/lti/launch/", {"id_token": token, "state": state}, **FRAMED)
    assert response.status_code == 403 and response.context["check"] == "state"
    html = response.content.decode()
    assert 'data-testid="new-window-explained"' in html
    assert 'data-testid="open-in-new-window"' in html
    assert 'name="login_hint" value="hint-1"' in html
    assert "lti_storage_target" not in html
    assert "check=state status=403" in caplog.text


def test_state_error_without_the_login_parameters_offers_no_new_window(lti, client):
    state, token = framed_launch_without_cookie(lti, client)
    from django.core.cache import cache

    cache.clear()  # the login is too old: Ignite no longer knows how to start it again
    response = client.post("/lti/launch/", {"id_token": token, "state": state}, **FRAMED)
    assert response.status_code == 403
    assert 'data-testid="open-in-new-window"' not in response.content.decode()


@pytest.mark.parametrize(
    "posted_state",
    ["", "not-a-sealed-state"],
    ids=["not-in-platform-storage", "mismatched"],
)
def test_platform_storage_refusals_are_4xx_and_logged(lti, client, caplog, posted_state):
    state, token = framed_launch_without_cookie(
        lti, client, lti_storage_target="post_message_forwarding"
    )
    first = client.post(
        "/lti/launch/",
        {"id_token": token, "state": state, "lti_storage_target": "post_message_forwarding"},
        **FRAMED,
    )
    assert first.status_code == 200  # the page that reads the platform's storage
    assert 'name="ignite_platform_storage" value="1"' in first.content.decode()
    with caplog.at_level(logging.WARNING, logger="ignite.lti.security"):
        refused = client.post(
            "/lti/launch/",
            {
                "id_token": token,
                "state": state,
                "lti_storage_target": "post_message_forwarding",
                "ignite_platform_storage": "1",
                "ignite_platform_state": posted_state,
            },
            HTTP_ORIGIN="http://testserver",
        )
    assert refused.status_code == 403 and refused.context["check"] == "state"
    assert "launch rejected check=state status=403" in caplog.text
    expected = "not found in the platform's storage" if not posted_state else "state unknown"
    assert expected in caplog.text
