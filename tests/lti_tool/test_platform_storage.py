"""LTI Client Side postMessage storage, server side: the login page that stores the state in
the platform, the launch page that reads it back, and who may post the state back."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import CLIENT_ID, DEPLOYMENT_ID

pytestmark = pytest.mark.django_db


def storage_login(lti, client):
    response = client.post(
        "/lti/login/",
        {
            "iss": lti.platform.issuer,
            "login_hint": "hint",
            "target_link_uri": "http://testserver/app/",
            "client_id": CLIENT_ID,
            "lti_deployment_id": DEPLOYMENT_ID,
            "lti_storage_target": "post_message_forwarding",
        },
    )
    assert response.status_code == 200
    return response


def test_login_offers_a_storage_page_and_still_sets_the_cookie(lti, client):
    response = storage_login(lti, client)
    context = response.context
    assert context["target"] == "post_message_forwarding"
    assert context["platform_origin"] == "https://canvas.test.example"
    state = parse_qs(urlsplit(context["redirect_url"]).query)["state"][0]
    assert context["key"] == "ignite-state-" + state
    assert client.cookies["ignite-state-" + state].value == context["value"]
    assert "lti_storage_target" not in context["relaunch_url"]
    assert response["Cache-Control"] == "no-store"


def _blocked(lti, client):
    response = storage_login(lti, client)
    redirect = response.context["redirect_url"]
    query = parse_qs(urlsplit(redirect).query)
    state, nonce = query["state"][0], query["nonce"][0]
    sealed = response.context["value"]
    del client.cookies["ignite-state-" + state]  # the browser did not keep it
    return state, nonce, sealed


def test_launch_without_the_cookie_reads_the_state_from_the_platform(lti, client):
    state, nonce, sealed = _blocked(lti, client)
    token = lti.sign(lti.claims(nonce))
    page = client.post(
        "/lti/launch/",
        {"id_token": token, "state": state, "lti_storage_target": "post_message_forwarding"},
    )
    assert page.status_code == 200 and page.context["key"] == "ignite-state-" + state
    assert page.context["platform_origin"] == "https://canvas.test.example"
    relaunch = client.post(
        "/lti/launch/",
        {"id_token": token, "state": state, "ignite_platform_state": sealed},
        HTTP_ORIGIN="http://testserver",
    )
    assert relaunch.status_code == 303 and relaunch["Location"].startswith("/app/?lt=")


def test_state_posted_back_from_another_origin_is_refused(lti, client):
    state, nonce, sealed = _blocked(lti, client)
    response = client.post(
        "/lti/launch/",
        {"id_token": lti.sign(lti.claims(nonce)), "state": state, "ignite_platform_state": sealed},
        HTTP_ORIGIN="https://evil.example",
    )
    assert response.status_code == 403
    assert response.context["check"] == "state"


def test_a_forged_platform_state_is_refused(lti, client):
    state, nonce, _ = _blocked(lti, client)
    response = client.post(
        "/lti/launch/",
        {"id_token": lti.sign(lti.claims(nonce)), "state": state, "ignite_platform_state": "x:y"},
        HTTP_ORIGIN="http://testserver",
    )
    assert response.status_code == 403 and response.context["check"] == "state"
