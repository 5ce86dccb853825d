"""Signing and verifying Open Badges 3.0 credentials (VC-JWT, RS256, the tool's key through
keys/): the issuer profile, key URLs, and a credential's own check. See credentials/issuing.py
for why this proof format."""

from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings
from django.urls import reverse

from keys.services import (
    SignatureError,
    sign_jwt_self_contained,
    verify_own_jwt,
)

from .models import IssuedCredential

OB_CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
JWT_CLAIMS = ("iss", "jti", "nbf", "sub", "exp")


def issuer_id(origin: str) -> str:
    return origin + reverse("credential-issuer")


def issuer_profile(origin: str) -> dict:
    """The issuer's Open Badges Profile, served at its own id."""
    profile = {
        "@context": OB_CONTEXT,
        "id": issuer_id(origin),
        "type": ["Profile"],
        "name": settings.IGNITE_ISSUER_NAME,
        "url": origin + "/",
        "description": (
            "Issues micro-credentials for teacher professional learning: mastery of the "
            "module content and trainer-reviewed evidence of classroom practice."
        ),
    }
    if settings.IGNITE_ISSUER_EMAIL:
        profile["email"] = settings.IGNITE_ISSUER_EMAIL
    return profile


def key_url(origin: str, kid: str) -> str:
    return origin + reverse("credential-key", args=[kid])


def sign_credential(credential: dict, origin: str) -> str:
    """The credential as a VC-JWT (Open Badges 3.0 section 8.2)."""
    valid_from = datetime.fromisoformat(credential["validFrom"].replace("Z", "+00:00"))
    payload = {
        **credential,
        "iss": credential["issuer"]["id"],
        "jti": credential["id"],
        "nbf": int(valid_from.timestamp()),
        "sub": credential["credentialSubject"].get("id", credential["id"]),
    }
    return sign_jwt_self_contained(payload, key_url=lambda kid: key_url(origin, kid))


def credential_claims(token: str) -> tuple[dict | None, str]:
    """Verify a credential JWT of ours: (the credential, "") or (None, why it fails)."""
    try:
        claims = verify_own_jwt(token, require=["iss", "jti", "nbf", "sub"])
    except SignatureError as exc:
        return None, str(exc)
    # Credentials of the VC Data Model 1.1 style carry the credential in a `vc` claim.
    if "vc" in claims:
        credential = claims["vc"]
    else:
        credential = {k: v for k, v in claims.items() if k not in JWT_CLAIMS}
    subject = credential.get("credentialSubject", {})
    valid_from = credential.get("validFrom", "").replace("Z", "+00:00")
    try:
        nbf_matches = datetime.fromtimestamp(claims["nbf"], UTC) == datetime.fromisoformat(
            valid_from
        )
    except (TypeError, ValueError, OverflowError):
        nbf_matches = False
    if (
        claims["iss"] != credential.get("issuer", {}).get("id")
        or claims["jti"] != credential.get("id")
        or claims["sub"] not in (subject.get("id"), credential.get("id"))
        or not nbf_matches
    ):
        return None, "The token's claims do not match the credential it carries."
    return credential, ""


def credential_verify(issued: IssuedCredential) -> tuple[bool, str]:
    """Check the signature against Ignite's keys, the claims, and the revocation status."""
    credential, problem = credential_claims(issued.jwt)
    if credential is None:
        return False, problem
    if credential != issued.credential:
        return False, "The signed credential does not match this record."
    if issued.revoked_at:
        return False, f"Revoked on {issued.revoked_at:%B %-d, %Y}: {issued.revocation_reason}"
    return True, "Signature valid; issued by Ignite; not revoked."
