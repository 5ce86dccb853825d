"""The tool's signing keys: generate, rotate, sign with, publish."""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .crypto import decrypt, encrypt
from .models import ToolKey
from .signals import key_compromised

logger = logging.getLogger("ignite.keys")

KEY_SIZE = 2048
ALG = "RS256"


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: rsa.RSAPrivateKey

    def __repr__(self) -> str:
        return f"<SigningKey kid={self.kid}>"


# Loaded keys by kid. Loading and checking an RSA key costs ~35 ms of CPU; signing with a
# loaded key object costs ~0.35 ms. Keys never change once written, so the cache is safe.
_loaded: dict[str, rsa.RSAPrivateKey] = {}
_lock = threading.Lock()


def _public_jwk(private_key: rsa.RSAPrivateKey, kid: str) -> dict:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private_key.public_key()))
    jwk.pop("key_ops", None)
    jwk.update({"kid": kid, "alg": ALG, "use": "sig"})
    return jwk


def key_generate() -> ToolKey:
    """Create a new active key. Earlier active keys are left as they are (see key_rotate)."""
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
    kid = uuid.uuid4().hex
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    key = ToolKey.objects.create(
        kid=kid,
        public_jwk=_public_jwk(private_key, kid),
        private_key_encrypted=encrypt(pem),
    )
    with _lock:
        _loaded[kid] = private_key
    logger.info("generated tool key kid=%s", kid)
    return key


def key_ensure() -> ToolKey:
    """The active key, made on first use so that a fresh install can launch at once."""
    key = ToolKey.objects.active().first()
    if key is not None:
        return key
    with transaction.atomic():
        key = ToolKey.objects.select_for_update().active().first()
        return key or key_generate()


def key_rotate(*, grace_hours: int | None = None) -> ToolKey:
    """Make a new active key; earlier keys stay published for the grace period, then retire.

    Platforms cache our JWKS and tokens we signed live a few minutes, so a key disappears
    from the JWKS only once nothing signed with it can still be in flight.
    """
    grace = timedelta(hours=settings.IGNITE_KEY_GRACE_HOURS if grace_hours is None else grace_hours)
    with transaction.atomic():
        retire_after = timezone.now() + grace
        ToolKey.objects.active().update(status=ToolKey.Status.RETIRING, retire_after=retire_after)
        new_key = key_generate()
    key_retire_expired()
    return new_key


def key_withdraw_compromised(kid: str) -> tuple[ToolKey, list]:
    """Withdraw a leaked key at once: a new active key first if it was the active one, then the
    key leaves the JWKS, its private half is erased, and nothing it signed verifies any more.
    Returns the key and what the `key_compromised` receivers report."""
    key = ToolKey.objects.filter(kid=kid).first()
    if key is None:
        raise ToolKey.DoesNotExist(f"no key {kid}")
    if key.status != ToolKey.Status.COMPROMISED:
        with transaction.atomic():
            if key.status == ToolKey.Status.ACTIVE:
                key_generate()
            ToolKey.objects.filter(pk=key.pk).update(
                status=ToolKey.Status.COMPROMISED,
                compromised_at=timezone.now(),
                retire_after=None,
                private_key_encrypted="",
            )
        with _lock:
            _loaded.pop(kid, None)
        logger.warning("tool key kid=%s withdrawn as compromised", kid)
        key.refresh_from_db()
    return key, key_compromised.send(sender=ToolKey, kid=kid)


def key_retire_expired() -> int:
    return ToolKey.objects.filter(
        status=ToolKey.Status.RETIRING, retire_after__lte=timezone.now()
    ).update(status=ToolKey.Status.RETIRED)


def _load(key: ToolKey) -> rsa.RSAPrivateKey:
    loaded = _loaded.get(key.kid)
    if loaded is None:
        loaded = serialization.load_pem_private_key(decrypt(key.private_key_encrypted), None)
        with _lock:
            _loaded[key.kid] = loaded
    return loaded


def signing_key() -> SigningKey:
    key = key_ensure()
    return SigningKey(kid=key.kid, private_key=_load(key))


def private_key_pem() -> str:
    """The active private key as PEM, for library calls that take nothing else (pylti1p3)."""
    key = key_ensure()
    return (
        _load(key)
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )


def sign_jwt(payload: dict, *, headers: dict | None = None) -> str:
    key = signing_key()
    return jwt.encode(
        payload, key.private_key, algorithm=ALG, headers={"kid": key.kid, **(headers or {})}
    )


def sign_jwt_self_contained(payload: dict, *, key_url: Callable[[str], str]) -> str:
    """A JWT whose header names its key as a URL (`kid`) and carries the public key (`jwk`):
    verifiable by anyone, offline or by fetching the URL (the Open Badges 3.0 VC-JWT header)."""
    key = signing_key()
    public_jwk = ToolKey.objects.get(kid=key.kid).public_jwk
    return jwt.encode(
        payload,
        key.private_key,
        algorithm=ALG,
        headers={"kid": key_url(key.kid), "jwk": public_jwk, "typ": "JWT"},
    )


def public_jwk(kid: str) -> dict | None:
    """The public half of any key the tool ever had, active or retired (what it signed stays
    verifiable after rotation), but never of a key withdrawn as compromised."""
    key = ToolKey.objects.filter(kid=kid).exclude(status=ToolKey.Status.COMPROMISED).first()
    return key.public_jwk if key else None


def signing_kid(token: str) -> str:
    """The key id a token's header names (a bare id, or the URL of the key ending in it)."""
    try:
        kid = jwt.get_unverified_header(token).get("kid", "")
    except jwt.PyJWTError:
        return ""
    return str(kid).rstrip("/").rsplit("/", 1)[-1].removesuffix(".json")


class SignatureError(Exception):
    """A token of ours that does not verify; the message says why, for people."""


def verify_own_jwt(token: str, *, require: list[str]) -> dict:
    """The claims of a JWT signed with one of the tool's keys, or SignatureError.

    The key is found from the header's `kid` (a key id, or a URL ending in it) among the
    tool's own keys; a `jwk` in the header must be that same key, never trusted on its own."""
    try:
        header = jwt.get_unverified_header(token)
        key = ToolKey.objects.filter(kid=signing_kid(token)).first()
        if key is None:
            raise SignatureError("The key that signed it is not one of this tool's keys.")
        if key.status == ToolKey.Status.COMPROMISED:
            raise SignatureError(
                f"The key that signed it was withdrawn as compromised on "
                f"{key.compromised_at:%B %-d, %Y}."
            )
        known = key.public_jwk
        if "jwk" in header and header["jwk"] != known:
            raise SignatureError("The key in its header is not the key its kid names.")
        return jwt.decode(
            token, jwt.PyJWK(known).key, algorithms=[ALG], options={"require": require}
        )
    except jwt.MissingRequiredClaimError as exc:
        raise SignatureError(f"The token has no `{exc.claim}` claim.") from exc
    except jwt.ImmatureSignatureError as exc:
        raise SignatureError("The token is not valid yet (its `nbf` is in the future).") from exc
    except jwt.PyJWTError as exc:
        raise SignatureError(f"The signature does not verify ({exc.__class__.__name__}).") from exc


def jwks() -> dict:
    """The public JSON Web Key Set: every published key, newest first."""
    key_ensure()
    return {"keys": [key.public_jwk for key in ToolKey.objects.published()]}
