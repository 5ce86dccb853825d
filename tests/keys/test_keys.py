from __future__ import annotations

import logging
from datetime import timedelta

import jwt
import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from keys import services
from keys.crypto import KeyDecryptionError
from keys.models import ToolKey

pytestmark = pytest.mark.django_db


def test_private_key_is_encrypted_at_rest():
    key = services.key_generate()
    stored = ToolKey.objects.get(pk=key.pk).private_key_encrypted
    assert "PRIVATE KEY" not in stored
    assert services.signing_key().kid == key.kid


def test_wrong_encryption_secret_cannot_decrypt():
    key = services.key_generate()
    services._loaded.clear()
    with (
        override_settings(IGNITE_KEY_ENCRYPTION_SECRET="another-secret"),
        pytest.raises(KeyDecryptionError),
    ):
        services._load(key)
    with (
        override_settings(IGNITE_KEY_ENCRYPTION_SECRET="another-secret"),
        pytest.raises(CommandError),
    ):
        call_command("keys", "verify")


def test_jwks_publishes_public_key_with_kid_alg_use(client):
    key = services.key_generate()
    for url in ("/.well-known/jwks.json", "/lti/jwks/"):
        data = client.get(url).json()
        (jwk,) = data["keys"]
        assert jwk["kid"] == key.kid and jwk["alg"] == "RS256" and jwk["use"] == "sig"
        assert "d" not in jwk and "p" not in jwk  # no private parts


def test_first_use_creates_a_key(client):
    assert not ToolKey.objects.exists()
    assert len(client.get("/.well-known/jwks.json").json()["keys"]) == 1


def test_signatures_verify_with_published_key(client):
    token = services.sign_jwt({"iss": "ignite", "aud": "x"})
    jwk = client.get("/.well-known/jwks.json").json()["keys"][0]
    assert jwt.get_unverified_header(token)["kid"] == jwk["kid"]
    public = jwt.algorithms.RSAAlgorithm.from_jwk(jwk)
    assert jwt.decode(token, public, algorithms=["RS256"], audience="x")["iss"] == "ignite"


def test_rotate_keeps_previous_key_published_for_grace_then_retires(client, capsys):
    old = services.key_generate()
    call_command("keys", "rotate", "--grace-hours", "24")
    new = ToolKey.objects.active().get()
    assert new.kid != old.kid
    kids = [k["kid"] for k in client.get("/.well-known/jwks.json").json()["keys"]]
    assert kids == [new.kid, old.kid]
    assert services.signing_key().kid == new.kid
    # After the grace period the old key leaves the JWKS and is marked retired.
    ToolKey.objects.filter(kid=old.kid).update(retire_after=timezone.now() - timedelta(seconds=1))
    call_command("keys", "retire-expired")
    assert ToolKey.objects.get(kid=old.kid).status == ToolKey.Status.RETIRED
    assert [k["kid"] for k in client.get("/.well-known/jwks.json").json()["keys"]] == [new.kid]


def test_generate_is_idempotent_without_force():
    call_command("keys", "generate")
    call_command("keys", "generate")
    assert ToolKey.objects.count() == 1
    call_command("keys", "generate", "--force")
    assert ToolKey.objects.count() == 2


def test_key_material_never_in_admin_html_or_logs(client, caplog):
    caplog.set_level(logging.DEBUG)
    key = services.key_generate()
    secret_fragment = services.private_key_pem().splitlines()[5]
    admin = User.objects.create_superuser("admin", "a@example.org", "pw-not-used-elsewhere")
    client.force_login(admin)
    page = client.get(f"/admin/keys/toolkey/{key.pk}/change/").content.decode()
    assert key.kid in page
    assert secret_fragment not in page
    assert key.private_key_encrypted[:40] not in page
    assert secret_fragment not in caplog.text
    assert "PRIVATE KEY" not in repr(services.signing_key())


def test_self_contained_tokens_verify_only_against_the_tools_own_keys():
    token = services.sign_jwt_self_contained(
        {"iss": "https://ignite.example", "sub": "x"},
        key_url=lambda kid: f"https://ignite.example/credentials/keys/{kid}.json",
    )
    header = jwt.get_unverified_header(token)
    assert header["kid"].endswith(".json") and "d" not in header["jwk"]
    assert services.verify_own_jwt(token, require=["iss"])["sub"] == "x"
    with pytest.raises(services.SignatureError, match="has no `jti` claim"):
        services.verify_own_jwt(token, require=["jti"])  # a missing required claim

    from cryptography.hazmat.primitives.asymmetric import rsa

    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    stranger_jwk = jwt.algorithms.RSAAlgorithm.to_jwk(stranger.public_key(), as_dict=True)
    payload = {"iss": "https://ignite.example", "sub": "x"}
    # A stranger's key in the header, our key's kid: the header's key is never trusted.
    forged = jwt.encode(
        payload, stranger, algorithm="RS256", headers={**header, "jwk": stranger_jwk}
    )
    with pytest.raises(services.SignatureError, match="not the key its kid names"):
        services.verify_own_jwt(forged, require=["iss"])
    # A stranger's kid: not one of ours.
    unknown = jwt.encode(payload, stranger, algorithm="RS256", headers={"kid": "someone-else"})
    with pytest.raises(services.SignatureError, match="not one of this tool's keys"):
        services.verify_own_jwt(unknown, require=["iss"])
    # Our kid and our jwk, signed by a stranger: the signature check fails.
    swapped = jwt.encode(payload, stranger, algorithm="RS256", headers=header)
    with pytest.raises(services.SignatureError, match="does not verify"):
        services.verify_own_jwt(swapped, require=["iss"])
