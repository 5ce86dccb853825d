"""The platform side of LTI 1.3, as small as it can be while doing everything for real.

The development platform signs id_tokens with its own RSA key, publishes its JWKS, and checks
the tool's requests as an LMS would. The test suite drives real launches through it.
"""

from __future__ import annotations

import json
import threading
import time
import uuid

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.db import IntegrityError

from lti_tool.registration import platform_register

from .models import DevPlatformKey
from .people import CLIENT_ID, DEPLOYMENT_ID, ISSUER_PATH, Course, Link, Person

_loaded: dict[str, rsa.RSAPrivateKey] = {}
_lock = threading.Lock()


def platform_key() -> tuple[str, rsa.RSAPrivateKey]:
    row = DevPlatformKey.objects.order_by("-created_at").first()
    if row is None:
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        try:
            row = DevPlatformKey.objects.create(kid=uuid.uuid4().hex, private_pem=pem)
        except IntegrityError:
            row = DevPlatformKey.objects.order_by("-created_at").first()
    key = _loaded.get(row.kid)
    if key is None:
        key = serialization.load_pem_private_key(row.private_pem.encode(), None)
        with _lock:
            _loaded[row.kid] = key
    return row.kid, key


def platform_jwks() -> dict:
    kid, key = platform_key()
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwk.pop("key_ops", None)
    jwk.update({"kid": kid, "alg": "RS256", "use": "sig"})
    return {"keys": [jwk]}


def issuer(base_url: str) -> str:
    return base_url.rstrip("/") + ISSUER_PATH


def register(base_url: str):
    """Register the development platform with the tool (idempotent)."""
    base = base_url.rstrip("/")
    platform_key()
    platform, _ = platform_register(
        issuer=issuer(base),
        client_id=CLIENT_ID,
        auth_login_url=f"{base}{ISSUER_PATH}/authorize/",
        auth_token_url=f"{base}{ISSUER_PATH}/token/",
        keyset_url=f"{base}{ISSUER_PATH}/jwks/",
        deployment_ids=[DEPLOYMENT_ID],
        name="Ignite development platform",
    )
    return platform


def launch_claims(
    *,
    base_url: str,
    person: Person,
    course: Course,
    link: Link | None,
    nonce: str,
    target_link_uri: str,
    message_type: str = "LtiResourceLinkRequest",
    deep_link_return_url: str = "",
) -> dict:
    base = base_url.rstrip("/")
    now = int(time.time())
    lti = "https://purl.imsglobal.org/spec/lti/claim/"
    claims = {
        "iss": issuer(base),
        "aud": CLIENT_ID,
        "sub": f"dev-{person.key}",
        "iat": now,
        "exp": now + 300,
        "nonce": nonce,
        "name": person.name,
        "given_name": person.given_name,
        "family_name": person.family_name,
        "email": person.email,
        lti + "message_type": message_type,
        lti + "version": "1.3.0",
        lti + "deployment_id": DEPLOYMENT_ID,
        lti + "target_link_uri": target_link_uri,
        lti + "roles": list(person.roles),
        lti + "context": {
            "id": course.key,
            "label": course.label,
            "title": course.title,
            "type": ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"],
        },
        lti + "tool_platform": {
            "guid": "ignite-dev-platform",
            "name": "Ignite development platform",
            "product_family_code": "ignite-dev",
            "version": "1",
        },
        lti + "launch_presentation": {"document_target": "iframe", "locale": "en-US"},
        "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": {
            "context_memberships_url": f"{base}{ISSUER_PATH}/nrps/{course.key}/memberships/",
            "service_versions": ["2.0"],
        },
    }
    ags_scopes = [
        "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
        "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
        "https://purl.imsglobal.org/spec/lti-ags/scope/score",
    ]
    if message_type == "LtiResourceLinkRequest" and link is not None:
        claims[lti + "resource_link"] = {"id": link.key, "title": link.title}
        if link.module:
            claims[lti + "custom"] = {"module": link.module}
        endpoint = {
            "scope": ags_scopes,
            "lineitems": f"{base}{ISSUER_PATH}/ags/{course.key}/lineitems/",
        }
        from .models import DevLineItem

        made = (
            DevLineItem.objects.filter(course_id=course.key, resource_link_id=link.key)
            .order_by("pk")
            .first()
        )
        if made is not None:  # a column made with the link (deep linking): named in the launch
            endpoint["lineitem"] = f"{base}{ISSUER_PATH}/ags/{course.key}/lineitems/{made.pk}/"
        claims["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"] = endpoint
    elif message_type == "LtiResourceLinkRequest":
        # Course navigation: no link of its own, but the course's line items, as Canvas sends.
        claims["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"] = {
            "scope": ags_scopes,
            "lineitems": f"{base}{ISSUER_PATH}/ags/{course.key}/lineitems/",
        }
    elif message_type == "LtiDeepLinkingRequest":
        claims["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"] = {
            "deep_link_return_url": deep_link_return_url,
            "accept_types": ["ltiResourceLink"],
            "accept_presentation_document_targets": ["iframe", "window"],
            "accept_multiple": True,
            "auto_create": True,
            "data": f"{course.key}:{uuid.uuid4().hex[:12]}",
        }
        claims["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"] = {
            "scope": ags_scopes,
            "lineitems": f"{base}{ISSUER_PATH}/ags/{course.key}/lineitems/",
        }
    if person.school:
        # Where the district maps one: a custom parameter, on every launch of the person.
        claims[lti + "custom"] = {**claims.get(lti + "custom", {}), "school": person.school}
    return claims


def sign(claims: dict) -> str:
    kid, key = platform_key()
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})
