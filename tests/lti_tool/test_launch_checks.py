"""One test per launch check of shared/LTI_NOTES.md: each fails if its check is removed.

Over 400 lines: one short test per check of the spec, kept together as the list they mirror."""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from courses.models import Membership
from lti_tool.login import login_state_seal
from lti_tool.models import Deployment, Platform
from tests.conftest import DEPLOYMENT_ID, LTI, public_jwk

pytestmark = pytest.mark.django_db


def rejected(response, status: int, check: str, detail: str = ""):
    assert response.status_code == status, response.content[:500]
    body = response.content.decode()
    assert f'data-check="{check}"' in body
    assert html.escape(detail) in body, f"expected detail {detail!r}"
    assert "Traceback" not in body
    assert "Ignite could not start" in body


def test_valid_launch_is_accepted(lti):
    response = lti.launch()
    assert response.status_code == 303
    assert response["Location"].startswith("/app/?lt=")
    assert Membership.objects.get().participant.name == "Maya Alvarez"


# --- signature, kid, alg --------------------------------------------------------------


def test_token_without_kid_is_rejected(lti):
    state, nonce = lti.login()
    rejected(lti.post_launch(lti.sign(lti.claims(nonce), kid=False), state), 401, "token", "no kid")


def test_unknown_kid_is_rejected_after_one_refetch(lti, jwks_server):
    state, nonce = lti.login()
    response = lti.post_launch(lti.sign(lti.claims(nonce), kid="no-such-key"), state)
    rejected(response, 401, "token", "no platform key with kid 'no-such-key'")
    # First fetch, plus one re-fetch for the unknown kid.
    assert jwks_server.requests == 2
    # A second unknown kid within the rate-limit window does not hit the platform again.
    state, nonce = lti.login()
    lti.post_launch(lti.sign(lti.claims(nonce), kid="another-unknown"), state)
    assert jwks_server.requests == 2


def test_platform_key_rotation_is_picked_up_by_refetch(lti, jwks_server):
    assert lti.launch().status_code == 303  # caches the key set
    new_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwks_server.key_set = {"keys": [public_jwk(new_key, "platform-key-2")]}
    state, nonce = lti.login()
    token = lti.sign(lti.claims(nonce), key=new_key, kid="platform-key-2")
    assert lti.post_launch(token, state).status_code == 303


def test_bad_signature_is_rejected(lti):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    state, nonce = lti.login()
    rejected(
        lti.post_launch(lti.sign(lti.claims(nonce), key=other), state),
        401,
        "token",
        "signature does not verify",
    )


def test_tampered_body_is_rejected(lti):
    state, nonce = lti.login()
    header, body, sig = lti.sign(lti.claims(nonce)).split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=="))
    claims[LTI + "roles"] = ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    rejected(
        lti.post_launch(f"{header}.{forged}.{sig}", state),
        401,
        "token",
        "signature does not verify",
    )


def test_alg_none_is_rejected(lti):
    state, nonce = lti.login()
    token = jwt.encode(lti.claims(nonce), None, algorithm="none", headers={"kid": lti.kid})
    rejected(lti.post_launch(token, state), 401, "token", "is not RS256")


def test_hs256_with_public_key_as_secret_is_rejected(lti, platform_private_key):
    """The classic alg-confusion forgery: HMAC keyed with the platform's public key."""
    state, nonce = lti.login()
    secret = platform_private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = (
        b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": lti.kid}).encode())
        + "."
        + b64(json.dumps(lti.claims(nonce)).encode())
    )
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    rejected(
        lti.post_launch(f"{signing_input}.{b64(signature)}", state),
        401,
        "token",
        "'HS256' is not RS256",
    )


def test_garbage_token_is_rejected(lti):
    state, _ = lti.login()
    rejected(lti.post_launch("not.a.jwt", state), 401, "token", "not a JWT")


def test_platform_jwks_down_is_a_clear_502(lti, jwks_server):
    jwks_server.status = 503
    state, nonce = lti.login()
    rejected(lti.post_launch(lti.sign(lti.claims(nonce)), state), 502, "platform-keys", "failed")


# --- iss, aud, azp ------------------------------------------------------------------


def test_unregistered_issuer_is_rejected(lti):
    state, nonce = lti.login()
    token = lti.sign(lti.claims(nonce, iss="https://evil.example"))
    rejected(lti.post_launch(token, state), 403, "registration", "no registration")


def test_aud_without_our_client_id_is_rejected(lti):
    state, nonce = lti.login()
    rejected(
        lti.post_launch(lti.sign(lti.claims(nonce, aud="someone-else")), state),
        403,
        "registration",
        "no registration",
    )


def test_multiple_aud_without_azp_is_rejected(lti, platform):
    state, nonce = lti.login()
    token = lti.sign(lti.claims(nonce, aud=[platform.client_id, "other-tool"]))
    rejected(lti.post_launch(token, state), 401, "token", "azp does not name")


def test_multiple_aud_with_azp_of_another_client_is_rejected(lti, platform):
    state, nonce = lti.login()
    claims = lti.claims(nonce, aud=[platform.client_id, "other-tool"], azp="other-tool")
    rejected(lti.post_launch(lti.sign(claims), state), 403, "registration", "no registration")


def test_multiple_aud_with_our_azp_is_accepted(lti, platform):
    state, nonce = lti.login()
    claims = lti.claims(nonce, aud=[platform.client_id, "other-tool"], azp=platform.client_id)
    assert lti.post_launch(lti.sign(claims), state).status_code == 303


# --- time ---------------------------------------------------------------------------


def test_expired_token_is_rejected(lti):
    now = int(time.time())
    rejected(lti.launch(iat=now - 600, exp=now - 120), 401, "token-time", "expired")


def test_iat_in_the_future_beyond_skew_is_rejected(lti):
    now = int(time.time())
    rejected(lti.launch(iat=now + 300, exp=now + 600), 401, "token-time", "in the future")


def test_small_clock_skew_is_tolerated(lti):
    now = int(time.time())
    assert lti.launch(iat=now + 5, exp=now + 300).status_code == 303


def test_token_without_exp_is_rejected(lti, DROP):
    rejected(lti.launch(exp=DROP), 401, "token", "no exp claim")


def test_token_without_iat_is_rejected(lti, DROP):
    rejected(lti.launch(iat=DROP), 401, "token", "no iat claim")


def test_absurd_lifetime_is_rejected(lti):
    now = int(time.time())
    rejected(lti.launch(iat=now, exp=now + 10 * 365 * 86400), 401, "token-time", "implausible")


# --- nonce and state ------------------------------------------------------------------


def test_missing_nonce_is_rejected(lti, DROP):
    rejected(lti.launch(nonce=DROP), 401, "nonce", "no nonce")


def test_nonce_other_than_issued_at_login_is_rejected(lti):
    state, _ = lti.login()
    rejected(
        lti.post_launch(lti.sign(lti.claims("made-up-nonce")), state),
        401,
        "nonce",
        "does not match",
    )


def test_replayed_id_token_is_rejected(lti):
    state, nonce = lti.login()
    sealed = lti.client.cookies["ignite-state-" + state].value
    token = lti.sign(lti.claims(nonce))
    assert lti.post_launch(token, state).status_code == 303
    # The same browser posts the same token and state again, its state cookie put back.
    lti.client.cookies["ignite-state-" + state] = sealed
    rejected(lti.post_launch(token, state), 401, "nonce", "already used")


def test_used_nonce_in_a_new_token_is_rejected(lti, platform):
    """Even with a fresh, valid state, a nonce may be used once (shared cache, all workers)."""

    state, nonce = lti.login()
    assert lti.post_launch(lti.sign(lti.claims(nonce)), state).status_code == 303
    state2, _ = lti.login()
    # Make the second login's record carry the used nonce, as a replaying attacker would need.
    lti.client.cookies["ignite-state-" + state2] = login_state_seal(
        state=state2, nonce=nonce, platform_id=platform.pk
    )
    rejected(lti.post_launch(lti.sign(lti.claims(nonce)), state2), 401, "nonce", "already used")


def test_state_record_for_another_state_is_rejected(lti):
    """A valid signed record copied under another state's cookie name does not transfer."""
    state, nonce = lti.login()
    state2, _ = lti.login()
    lti.client.cookies["ignite-state-" + state2] = lti.client.cookies["ignite-state-" + state].value
    rejected(lti.post_launch(lti.sign(lti.claims(nonce)), state2), 403, "state", "state unknown")


def test_expired_state_is_rejected(lti, settings):
    state, nonce = lti.login()
    settings.IGNITE_LOGIN_STATE_TTL = -1
    rejected(lti.post_launch(lti.sign(lti.claims(nonce)), state), 403, "state", "state unknown")


def test_state_for_another_platform_is_rejected(lti, platform):

    state, nonce = lti.login()
    lti.client.cookies["ignite-state-" + state] = login_state_seal(
        state=state, nonce=nonce, platform_id=platform.pk + 1000
    )
    rejected(lti.post_launch(lti.sign(lti.claims(nonce)), state), 403, "state", "state unknown")


def test_missing_state_is_rejected(lti):
    _, nonce = lti.login()
    rejected(lti.post_launch(lti.sign(lti.claims(nonce)), ""), 403, "state", "no state")


def test_state_not_given_to_this_browser_is_rejected(lti):
    state, nonce = lti.login()
    del lti.client.cookies["ignite-state-" + state]
    rejected(lti.post_launch(lti.sign(lti.claims(nonce)), state), 403, "state", "no state cookie")


def test_state_never_issued_is_rejected(lti):
    _, nonce = lti.login()
    lti.client.cookies["ignite-state-forged"] = "forged"
    rejected(lti.post_launch(lti.sign(lti.claims(nonce)), "forged"), 403, "state", "state unknown")


# --- deployment -------------------------------------------------------------------------


def test_missing_deployment_id_is_rejected(lti, DROP):
    rejected(
        lti.launch(**{LTI + "deployment_id": DROP}),
        400,
        "message",
        "deployment_id claim is missing",
    )


def test_unknown_deployment_is_rejected_and_named(lti):
    response = lti.launch(**{LTI + "deployment_id": "42:new-course"})
    rejected(response, 403, "deployment", "'42:new-course' is not registered")
    assert "42:new-course" in response.content.decode()


def test_unknown_deployment_admitted_when_platform_allows(lti, platform):
    platform.auto_admit_deployments = True
    platform.save()
    assert lti.launch(**{LTI + "deployment_id": "42:new-course"}).status_code == 303
    assert Deployment.objects.get(deployment_id="42:new-course").auto_admitted


# --- message ------------------------------------------------------------------------------


def test_wrong_version_is_rejected(lti):
    rejected(lti.launch(**{LTI + "version": "1.1"}), 400, "message", "is not 1.3.0")


def test_missing_message_type_is_rejected(lti, DROP):
    rejected(
        lti.launch(**{LTI + "message_type": DROP}), 400, "message", "message_type claim is missing"
    )


def test_unsupported_message_type_is_rejected(lti):
    rejected(
        lti.launch(**{LTI + "message_type": "LtiSubmissionReviewRequest"}),
        400,
        "message",
        "is not supported",
    )


def test_not_an_lti_message_is_rejected(lti, DROP):
    rejected(
        lti.launch(**{LTI + "message_type": DROP, LTI + "version": DROP}),
        400,
        "message",
        "not an LTI message",
    )


def test_missing_sub_on_resource_link_is_rejected(lti, DROP):
    rejected(lti.launch(sub=DROP), 400, "message", "sub claim is missing")


def test_missing_roles_is_rejected(lti, DROP):
    rejected(lti.launch(**{LTI + "roles": DROP}), 400, "message", "roles claim is missing")


def test_missing_resource_link_id_is_rejected(lti):
    rejected(
        lti.launch(**{LTI + "resource_link": {"title": "no id"}}),
        400,
        "message",
        "resource_link.id",
    )


def test_deep_linking_without_return_url_is_rejected(lti, DROP):
    claims = {
        LTI + "message_type": "LtiDeepLinkingRequest",
        LTI + "resource_link": DROP,
        "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings": {
            "accept_types": ["ltiResourceLink"]
        },
    }
    rejected(lti.launch(**claims), 400, "message", "deep_link_return_url is missing")


def test_target_link_uri_on_another_host_is_rejected(lti):
    rejected(
        lti.launch(**{LTI + "target_link_uri": "https://evil.example/app/"}),
        400,
        "message",
        "not on this tool",
    )


def test_missing_target_link_uri_is_rejected(lti, DROP):
    rejected(
        lti.launch(**{LTI + "target_link_uri": DROP}),
        400,
        "message",
        "target_link_uri claim is missing",
    )


# --- sparse but valid launches are accepted --------------------------------------------------


def test_sparse_launch_without_context_or_personal_data_is_accepted(lti, DROP):
    response = lti.launch(**{"name": DROP, "email": DROP, LTI + "context": DROP})
    assert response.status_code == 303
    membership = Membership.objects.get()
    assert membership.cohort.lti_context.context_id == ""


def test_empty_roles_and_unknown_roles_are_accepted_without_privileges(lti):
    response = lti.launch(**{LTI + "roles": ["urn:example:unknown-role"]})
    assert response.status_code == 303
    assert Membership.objects.get().role == "none"


def test_short_deprecated_role_names_are_accepted(lti):
    assert lti.launch(**{LTI + "roles": ["Instructor"]}).status_code == 303
    assert Membership.objects.get().role == "trainer"


# --- login ----------------------------------------------------------------------------------


def test_login_missing_parameters_is_a_clear_400(client, platform):
    response = client.get("/lti/login/", {"iss": platform.issuer})
    rejected(response, 400, "login", "missing login_hint, target_link_uri")
    assert (
        "login_hint" in response.content.decode() or "target_link_uri" in response.content.decode()
    )


def test_login_unknown_issuer_is_a_clear_403(client, platform):
    response = client.get(
        "/lti/login/",
        {
            "iss": "https://unknown.example",
            "login_hint": "x",
            "target_link_uri": "http://testserver/app/",
        },
    )
    rejected(response, 403, "registration", "no registration")


def test_login_target_link_uri_on_another_host_is_rejected(client, platform):
    response = client.get(
        "/lti/login/",
        {
            "iss": platform.issuer,
            "client_id": platform.client_id,
            "login_hint": "x",
            "target_link_uri": "https://evil.example/",
        },
    )
    rejected(response, 400, "login", "is not on this tool")


def test_login_keeps_the_platform_query_string(client, platform):
    response = client.get(
        "/lti/login/",
        {
            "iss": platform.issuer,
            "client_id": platform.client_id,
            "login_hint": "hint",
            "lti_message_hint": "msg",
            "target_link_uri": "http://testserver/app/",
        },
    )
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("https://canvas.test.example/api/lti/authorize_redirect?x=1&")
    for param in (
        "scope=openid",
        "response_type=id_token",
        "response_mode=form_post",
        "prompt=none",
        "lti_message_hint=msg",
    ):
        assert param in location
    cookie = response.cookies[next(k for k in response.cookies if k.startswith("ignite-state-"))]
    assert cookie["samesite"] == "None" and cookie["secure"] and cookie["httponly"]


def test_login_without_client_id_works_for_a_single_registration(client, platform):
    response = client.get(
        "/lti/login/",
        {"iss": platform.issuer, "login_hint": "x", "target_link_uri": "http://testserver/app/"},
    )
    assert response.status_code == 302


def test_launch_get_is_refused(client):
    assert client.get("/lti/launch/").status_code == 405


def test_deployment_of_another_registration_on_same_issuer_is_refused(lti, platform, jwks_server):
    """Canvas Cloud: many registrations share one issuer; a deployment belongs to one of them."""

    other = Platform.objects.create(
        issuer=platform.issuer,
        client_id="20000000000002",
        auth_login_url=platform.auth_login_url,
        auth_token_url=platform.auth_token_url,
        keyset_url=jwks_server.url,
    )
    Deployment.objects.create(platform=other, deployment_id="other-district")
    rejected(
        lti.launch(**{LTI + "deployment_id": "other-district"}),
        403,
        "deployment",
        "is not registered",
    )
    assert DEPLOYMENT_ID != "other-district"


def test_nul_characters_are_refused_not_a_server_error(lti, client):
    """PostgreSQL cannot store NUL: a parameter or claim carrying one is refused up front."""
    response = client.post(
        "/lti/login/", {"iss": "\x00", "login_hint": "0", "target_link_uri": "0"}
    )
    assert response.status_code == 400
    rejected(lti.launch(sub="user\x00"), 401, "token", "NUL")
