"""The development platform's service side: OAuth 2 client credentials, AGS and NRPS.

As an LMS does it: the tool proves who it is with a client assertion signed by its private key
(checked here against the tool's published keys, RFC 7523), gets a bearer token limited to the
scopes it asked for and was granted, and uses it on the line item, score and membership
endpoints. Everything is checked and stored for real; only the scale is small.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import jwt
from django.core.cache import cache
from django.utils import timezone

from keys.services import jwks as tool_jwks

from .models import DevAccessToken
from .people import CLIENT_ID

TOKEN_LIFETIME = 3600
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
GRANTABLE_SCOPES = frozenset(
    {
        "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
        "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
        "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
        "https://purl.imsglobal.org/spec/lti-ags/scope/score",
        "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
    }
)


class OAuthError(Exception):
    def __init__(self, error: str, description: str, status: int = 400):
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_issue(*, params, token_url: str) -> dict:
    """Check a client_credentials request (RFC 6749 4.4, RFC 7523 2.2) and issue a token."""
    if params.get("grant_type") != "client_credentials":
        raise OAuthError("unsupported_grant_type", "grant_type must be client_credentials")
    if params.get("client_assertion_type") != ASSERTION_TYPE:
        raise OAuthError("invalid_client", "client_assertion_type must be jwt-bearer", 401)
    assertion = params.get("client_assertion", "")
    try:
        header = jwt.get_unverified_header(assertion)
        keys = {k["kid"]: k for k in tool_jwks()["keys"]}
        if header.get("kid") not in keys:
            raise OAuthError(
                "invalid_client", "client assertion kid is not in the tool's JWKS", 401
            )
        public = jwt.PyJWK(keys[header["kid"]]).key
        claims = jwt.decode(
            assertion,
            public,
            algorithms=["RS256"],
            audience=token_url,
            issuer=CLIENT_ID,
            options={"require": ["iss", "sub", "aud", "exp", "iat", "jti"]},
            leeway=60,
        )
    except jwt.PyJWTError as exc:
        raise OAuthError("invalid_client", f"client assertion rejected: {exc}", 401) from exc
    if claims["sub"] != CLIENT_ID:
        raise OAuthError("invalid_client", "client assertion sub is not the client id", 401)
    if not cache.add(f"devplatform:jti:{claims['jti']}", 1, 600):
        raise OAuthError("invalid_client", "client assertion jti already used", 401)
    asked = set(params.get("scope", "").split())
    granted = sorted(asked & GRANTABLE_SCOPES)
    if not granted:
        raise OAuthError("invalid_scope", "none of the requested scopes can be granted")
    token = secrets.token_urlsafe(32)
    DevAccessToken.objects.create(
        digest=_digest(token),
        scopes=" ".join(granted),
        expires_at=timezone.now() + timedelta(seconds=TOKEN_LIFETIME),
    )
    return {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": TOKEN_LIFETIME,
        "scope": " ".join(granted),
    }


def token_check(authorization: str, needed: set[str]) -> str | None:
    """None if the bearer token is valid and carries one of `needed`; else why not."""
    kind, _, token = authorization.partition(" ")
    if kind.lower() != "bearer" or not token:
        return "a bearer token is required"
    row = DevAccessToken.objects.filter(digest=_digest(token.strip())).first()
    if row is None or row.revoked:
        return "unknown access token"
    if row.expires_at <= timezone.now():
        return "access token expired"
    if not needed & set(row.scopes.split()):
        return "access token lacks the scope this endpoint needs"
    return None


def tokens_expire_all() -> int:
    """Make every token expire now, as a platform restart or key change would (tests, demos)."""
    return DevAccessToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))


def parse_timestamp(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


class DeepLinkRefused(Exception):
    pass


def deep_link_accept(*, token: str, issuer: str, course_key: str) -> tuple[list, str]:
    """Verify an LtiDeepLinkingResponse and add its ltiResourceLink items to the course."""
    import uuid as _uuid

    from django.db import transaction

    from .models import DevLineItem, DevLink
    from .people import DEPLOYMENT_ID

    lti = "https://purl.imsglobal.org/spec/lti/claim/"
    dl = "https://purl.imsglobal.org/spec/lti-dl/claim/"
    try:
        header = jwt.get_unverified_header(token)
        keys = {k["kid"]: k for k in tool_jwks()["keys"]}
        if header.get("kid") not in keys:
            raise DeepLinkRefused("kid is not in the tool's JWKS")
        claims = jwt.decode(
            token,
            jwt.PyJWK(keys[header["kid"]]).key,
            algorithms=["RS256"],
            audience=issuer,
            issuer=CLIENT_ID,
            options={"require": ["iss", "aud", "exp", "iat", "nonce"]},
            leeway=60,
        )
    except jwt.PyJWTError as exc:
        raise DeepLinkRefused(str(exc)) from exc
    if claims.get(lti + "message_type") != "LtiDeepLinkingResponse":
        raise DeepLinkRefused("message_type is not LtiDeepLinkingResponse")
    if claims.get(lti + "version") != "1.3.0":
        raise DeepLinkRefused("version is not 1.3.0")
    if claims.get(lti + "deployment_id") != DEPLOYMENT_ID:
        raise DeepLinkRefused("deployment_id does not match")
    data = claims.get(dl + "data")
    if not isinstance(data, str) or not data.startswith(course_key + ":"):
        raise DeepLinkRefused("data was not echoed back")
    if not cache.add(f"devplatform:dl-nonce:{claims['nonce']}", 1, 600):
        raise DeepLinkRefused("nonce already used")
    items = claims.get(dl + "content_items", [])
    if not isinstance(items, list):
        raise DeepLinkRefused("content_items is not a list")
    made = []
    with transaction.atomic():
        for item in items:
            if not isinstance(item, dict) or item.get("type") != "ltiResourceLink":
                raise DeepLinkRefused("only ltiResourceLink items are accepted")
            link = DevLink.objects.create(
                course_id=course_key,
                key=f"dl-{_uuid.uuid4().hex[:10]}",
                title=str(item.get("title") or "Ignite")[:255],
                text=str(item.get("text") or ""),
                custom=item.get("custom") if isinstance(item.get("custom"), dict) else {},
            )
            line = item.get("lineItem")
            if isinstance(line, dict):
                DevLineItem.objects.create(
                    course_id=course_key,
                    resource_link_id=link.key,
                    resource_id=str(line.get("resourceId", ""))[:255],
                    tag=str(line.get("tag", ""))[:255],
                    label=str(line.get("label") or link.title)[:255],
                    score_maximum=float(line.get("scoreMaximum") or 100),
                )
            made.append(link)
    return made, str(claims.get(dl + "msg") or "")


def registration_token_issue() -> str:
    token = secrets.token_urlsafe(24)
    cache.set(f"devplatform:regtoken:{_digest(token)}", 1, 3600)
    return token


def registration_token_take(token: str) -> bool:
    key = f"devplatform:regtoken:{_digest(token)}"
    if cache.get(key):
        cache.delete(key)
        return True
    return False


def client_registration_accept(body: dict) -> dict:
    """Check a tool's client registration (LTI DR 1.0 section 3.4) and answer with its ids."""
    tool_config_key = "https://purl.imsglobal.org/spec/lti-tool-configuration"
    problems = []
    if body.get("application_type") != "web":
        problems.append("application_type must be web")
    if "id_token" not in (body.get("response_types") or []):
        problems.append("response_types must include id_token")
    if not {"implicit", "client_credentials"} <= set(body.get("grant_types") or []):
        problems.append("grant_types must include implicit and client_credentials")
    if body.get("token_endpoint_auth_method") != "private_key_jwt":
        problems.append("token_endpoint_auth_method must be private_key_jwt")
    for field in ("initiate_login_uri", "jwks_uri"):
        if not isinstance(body.get(field), str) or not body[field].startswith("http"):
            problems.append(f"{field} is required")
    if not isinstance(body.get("redirect_uris"), list) or not body["redirect_uris"]:
        problems.append("redirect_uris is required")
    tool = body.get(tool_config_key)
    if not isinstance(tool, dict) or not tool.get("domain") or not tool.get("target_link_uri"):
        problems.append("the LTI tool configuration needs domain and target_link_uri")
    elif not any(m.get("type") == "LtiResourceLinkRequest" for m in tool.get("messages") or []):
        problems.append("the tool configuration must list LtiResourceLinkRequest")
    if problems:
        raise OAuthError("invalid_client_metadata", "; ".join(problems))
    client_id = f"ignite-dyn-{secrets.token_hex(6)}"
    answer = dict(body)
    answer["client_id"] = client_id
    answer[tool_config_key] = {**tool, "deployment_id": f"dyn-deployment-{secrets.token_hex(4)}"}
    granted = sorted(set((body.get("scope") or "").split()) & GRANTABLE_SCOPES)
    answer["scope"] = " ".join(granted)
    return answer
