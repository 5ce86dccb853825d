"""Validation of an LTI 1.3 launch (the id_token POSTed to /lti/launch/).

Every check of LTI 1.3 Core section 5 and the Security Framework section 5.1.3, including
those pylti1p3 skips (see shared/LTI_NOTES.md): nonce reuse, missing exp/iat, azp, clock skew,
alg confusion, unknown kid with key rotation, target_link_uri. Cryptography comes first, so a
forged token can neither consume a nonce nor reveal whether a state exists.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import re
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from jwt.utils import base64url_decode, base64url_encode

from pagesession.urls_util import same_host, tool_origin

from .constants import (
    CLAIM_DEPLOYMENT_ID,
    CLAIM_DL_SETTINGS,
    CLAIM_MESSAGE_TYPE,
    CLAIM_RESOURCE_LINK,
    CLAIM_ROLES,
    CLAIM_TARGET_LINK_URI,
    CLAIM_VERSION,
    LTI_VERSION,
    MESSAGE_DEEP_LINKING,
    MESSAGE_RESOURCE_LINK,
    SUPPORTED_MESSAGE_TYPES,
)
from .errors import (
    ExpiredToken,
    InvalidMessage,
    InvalidToken,
    ReplayedToken,
    StateMismatch,
    UnknownDeployment,
    UnknownPlatform,
)
from .login import STATE_COOKIE_PREFIX, login_state_open
from .models import Deployment, Platform
from .platform_keys import public_key_for
from .registry import deployment_find, platform_find

logger = logging.getLogger("ignite.lti")


@dataclass
class ValidLaunch:
    platform: Platform
    deployment: Deployment
    claims: dict[str, Any]
    message_type: str
    warnings: list[str] = field(default_factory=list)


_BASE64URL = re.compile(rb"[A-Za-z0-9_-]*")


class _SegmentCheckedJWS(jwt.PyJWS):
    """PyJWS whose check of each segment's base64url alphabet runs as one regular expression.

    PyJWT (2.10+, GHSA-hxm8-2xgr-2p9m) checks every character of a token against its alphabet
    in a Python generator, a linear search per character: for an LTI id_token of about 1,600
    characters that was 0.4 ms of CPU, a tenth of a whole login + launch (bench/launch.py).
    The same rules, the same errors: trailing '=' padding of at most 2 and only on a segment
    whose length is a multiple of 4, no length of 1 modulo 4, nothing outside the alphabet, and
    only the one canonical encoding of the bytes.
    tests/lti_tool/test_launch_jws.py checks it against PyJWT's own method on the installed
    version, so a PyJWT that changes its rules fails the tests rather than drifting."""

    @staticmethod
    def _decode_base64url_segment(segment: bytes, name: str) -> bytes:
        stripped = segment.rstrip(b"=")
        padding = len(segment) - len(stripped)
        if (
            padding > 2
            or (padding and len(segment) % 4 != 0)
            or len(stripped) % 4 == 1
            or _BASE64URL.fullmatch(stripped) is None
        ):
            raise jwt.DecodeError(f"Invalid {name} padding")
        try:
            decoded = base64url_decode(stripped)
        except (TypeError, binascii.Error) as err:
            raise jwt.DecodeError(f"Invalid {name} padding") from err
        if base64url_encode(decoded) != stripped:  # one encoding only (no stray low bits)
            raise jwt.DecodeError(f"Invalid {name} padding")
        return decoded


def _launch_jwt() -> jwt.PyJWT:
    decoder = jwt.PyJWT()
    # Only where PyJWT is shaped as this was written for; otherwise PyJWT's own check runs.
    if callable(getattr(jwt.PyJWS, "_decode_base64url_segment", None)) and isinstance(
        getattr(decoder, "_jws", None), jwt.PyJWS
    ):
        decoder._jws = _SegmentCheckedJWS(options=decoder._get_sig_options())
    return decoder


_JWT = _launch_jwt()


def _unverified(id_token: str) -> tuple[dict, dict]:
    """Header and body, read only to find the platform and its key.

    Nothing read here is trusted: `_verify_signature` decodes the token again with PyJWT,
    strictly (signature, base64url alphabet, claims), and only those claims are used. Plain
    base64 and JSON here because PyJWT's own parse checks every character in Python, and
    doing that twice per launch is a measurable part of a launch's CPU (bench/launch.py).
    """
    parts = id_token.split(".")
    if len(parts) != 3:
        raise InvalidToken("id_token is not a JWT: it must have three parts")
    try:
        header, body = (
            json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
            for part in parts[:2]
        )
    except (ValueError, TypeError, RecursionError) as exc:  # binascii, JSON errors: ValueError
        raise InvalidToken(f"id_token is not a JWT: {exc.__class__.__name__}") from exc
    if not isinstance(header, dict):
        raise InvalidToken("id_token header is not a JSON object")
    if not isinstance(body, dict):
        raise InvalidToken("id_token body is not a JSON object")
    return header, body


def _platform_for(body: dict) -> Platform:
    issuer = body.get("iss")
    aud = body.get("aud")
    azp = body.get("azp")
    audiences = aud if isinstance(aud, list) else [aud]
    audiences = [a for a in audiences if isinstance(a, str) and a]
    if not isinstance(issuer, str) or not issuer:
        raise InvalidToken("id_token has no iss")
    if not audiences:
        raise InvalidToken("id_token has no aud", iss=issuer)
    if len(audiences) > 1:
        # Several audiences: the authorized party names which one we are (OIDC Core 3.1.3.7).
        if not isinstance(azp, str) or azp not in audiences:
            raise InvalidToken(
                "aud has several values and azp does not name one of them",
                admin_hint="The LMS sent a token for several audiences without an azp claim naming Ignite.",
                iss=issuer,
            )
        candidates = [azp]
    else:
        candidates = audiences
    platform = platform_find(issuer, candidates)
    if platform is None:
        raise UnknownPlatform(
            "no registration for this issuer and audience",
            admin_hint=(
                f"No Ignite registration matches issuer {issuer!r} with client id {candidates[0]!r}. "
                "Register the platform (manage.py lti_platform add) or check the client id."
            ),
            iss=issuer,
            client_id=candidates[0],
        )
    if isinstance(azp, str) and azp and azp != platform.client_id:
        raise InvalidToken(
            "azp is not Ignite's client id", iss=issuer, client_id=platform.client_id
        )
    return platform


def _verify_signature(id_token: str, header: dict, platform: Platform) -> dict:
    ctx = {"iss": platform.issuer, "client_id": platform.client_id}
    if header.get("alg") != "RS256":
        raise InvalidToken(f"alg {header.get('alg')!r} is not RS256", **ctx)
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise InvalidToken("id_token header has no kid", **ctx)
    key = public_key_for(platform.keyset_url, kid)
    skew = settings.IGNITE_CLOCK_SKEW
    try:
        claims = _JWT.decode(
            id_token,
            key,
            algorithms=["RS256"],
            audience=platform.client_id,
            issuer=platform.issuer,
            leeway=skew,
            options={"require": ["exp", "iat", "iss", "aud"], "verify_iat": True},
        )
    except jwt.ExpiredSignatureError as exc:
        raise ExpiredToken("id_token has expired (exp is past)", **ctx) from exc
    except jwt.ImmatureSignatureError as exc:
        raise ExpiredToken("id_token iat/nbf is in the future", **ctx) from exc
    except jwt.InvalidSignatureError as exc:
        raise InvalidToken("id_token signature does not verify", **ctx) from exc
    except jwt.MissingRequiredClaimError as exc:
        raise InvalidToken(f"id_token has no {exc.claim} claim", **ctx) from exc
    except jwt.PyJWTError as exc:
        raise InvalidToken(f"id_token rejected: {exc}", **ctx) from exc

    now = time.time()
    iat, exp = claims["iat"], claims["exp"]
    if not isinstance(iat, int | float) or not isinstance(exp, int | float):
        raise InvalidToken("iat/exp are not numbers", **ctx)
    if iat > now + skew:
        raise ExpiredToken("id_token iat is in the future", **ctx)
    max_age = settings.IGNITE_MAX_TOKEN_AGE
    if now - iat > max_age + skew or exp - iat > max_age or exp < iat:
        raise ExpiredToken("id_token iat/exp are implausible (too old or too long-lived)", **ctx)
    return claims


def _check_state_and_nonce(
    request: HttpRequest, state: str, claims: dict, platform: Platform
) -> None:
    ctx = {"iss": platform.issuer, "client_id": platform.client_id}
    sealed = request.COOKIES.get(STATE_COOKIE_PREFIX + state)
    if not sealed and (
        request.POST.get("ignite_platform_storage") or request.POST.get("ignite_platform_state")
    ):
        # The state kept in the platform's storage, re-posted by our own launch page. Only a
        # page of ours may do that: a cross-site post of a stolen record is a login CSRF.
        if request.META.get("HTTP_ORIGIN") != tool_origin(request):
            raise StateMismatch("platform-storage state posted from another origin", **ctx)
        sealed = request.POST.get("ignite_platform_state", "")
        if not sealed:
            # Our page asked the platform and got nothing back (not stored, another key, or
            # no answer): refused here, where it is logged, not in the browser.
            raise StateMismatch("state not found in the platform's storage", **ctx)
    if not sealed:
        raise StateMismatch("no state cookie for this launch in this browser", **ctx)
    record = login_state_open(sealed, state)
    if record is None or record.get("platform") != platform.pk:
        raise StateMismatch("state unknown, expired or issued for another platform", **ctx)
    nonce = claims.get("nonce")
    if not isinstance(nonce, str) or not nonce:
        raise ReplayedToken("id_token has no nonce", **ctx)
    if nonce != record.get("nonce"):
        raise ReplayedToken("nonce does not match the one issued at login", **ctx)
    # Single use, remembered as long as the token could still be accepted, shared by all workers.
    remember = int(claims["exp"] - time.time()) + settings.IGNITE_CLOCK_SKEW + 60
    digest = hashlib.sha256(nonce.encode()).hexdigest()
    if not cache.add(f"lti:nonce:{platform.pk}:{digest}", 1, max(remember, 60)):
        raise ReplayedToken("nonce already used", **ctx)


def _deployment(claims: dict, platform: Platform) -> Deployment:
    ctx = {"iss": platform.issuer, "client_id": platform.client_id}
    deployment_id = claims.get(CLAIM_DEPLOYMENT_ID)
    if not isinstance(deployment_id, str) or not deployment_id:
        raise InvalidMessage("deployment_id claim is missing", **ctx)
    deployment = deployment_find(platform, deployment_id)
    if deployment is not None:
        return deployment
    if platform.auto_admit_deployments:
        deployment, created = Deployment.objects.get_or_create(
            platform=platform, deployment_id=deployment_id, defaults={"auto_admitted": True}
        )
        if created:
            logger.warning(
                "admitted new deployment %r of %s (%s) automatically",
                deployment_id,
                platform.issuer,
                platform.client_id,
            )
        return deployment
    raise UnknownDeployment(
        f"deployment {deployment_id!r} is not registered",
        admin_hint=(
            f"The LMS used deployment id {deployment_id!r}, which is not registered for "
            f"{platform}. Add it: manage.py lti_platform add ... --deployment-id {deployment_id}, "
            "or in the Ignite admin."
        ),
        **ctx,
        deployment_id=deployment_id,
    )


def _check_message(request: HttpRequest, claims: dict, platform: Platform) -> str:
    ctx = {"iss": platform.issuer, "client_id": platform.client_id}
    if CLAIM_VERSION not in claims and CLAIM_MESSAGE_TYPE not in claims:
        raise InvalidMessage("the token is not an LTI message (no version or message type)", **ctx)
    if claims.get(CLAIM_VERSION) != LTI_VERSION:
        raise InvalidMessage(f"LTI version {claims.get(CLAIM_VERSION)!r} is not 1.3.0", **ctx)
    message_type = claims.get(CLAIM_MESSAGE_TYPE)
    if not message_type:
        raise InvalidMessage("message_type claim is missing", **ctx)
    if message_type not in SUPPORTED_MESSAGE_TYPES:
        raise InvalidMessage(
            f"message type {message_type!r} is not supported",
            admin_hint=f"Ignite accepts {', '.join(SUPPORTED_MESSAGE_TYPES)}; the LMS sent {message_type!r}.",
            **ctx,
        )
    if not isinstance(claims.get(CLAIM_ROLES), list):
        raise InvalidMessage("roles claim is missing", **ctx)
    if message_type == MESSAGE_RESOURCE_LINK:
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise InvalidMessage("sub claim is missing (anonymous launch)", **ctx)
        link = claims.get(CLAIM_RESOURCE_LINK)
        if not isinstance(link, dict) or not link.get("id"):
            raise InvalidMessage("resource_link.id claim is missing", **ctx)
    elif message_type == MESSAGE_DEEP_LINKING:
        dl = claims.get(CLAIM_DL_SETTINGS)
        if not isinstance(dl, dict) or not dl.get("deep_link_return_url"):
            raise InvalidMessage("deep_linking_settings.deep_link_return_url is missing", **ctx)
    target = claims.get(CLAIM_TARGET_LINK_URI)
    if not isinstance(target, str) or not target:
        raise InvalidMessage("target_link_uri claim is missing", **ctx)
    if not same_host(target, request):
        raise InvalidMessage(
            f"target_link_uri {target!r} is not on this tool's host",
            admin_hint="The link in the LMS points at another host than this Ignite server.",
            **ctx,
        )
    return message_type


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def platform_of_token(id_token: str) -> Platform:
    """The registered platform an id_token names (signature not yet checked)."""
    _, body = _unverified(id_token)
    return _platform_for(body)


def launch_validate(request: HttpRequest) -> ValidLaunch:
    """Validate the launch request or raise a LaunchError naming the failed check."""
    id_token = request.POST.get("id_token", "")
    state = request.POST.get("state", "")
    if not id_token:
        raise InvalidMessage("the launch has no id_token")
    if not state:
        raise StateMismatch("the launch has no state")
    header, body = _unverified(id_token)
    if _has_nul(body) or _has_nul(header):
        raise InvalidToken("id_token claims contain NUL characters")
    platform = _platform_for(body)
    claims = _verify_signature(id_token, header, platform)
    _check_state_and_nonce(request, state, claims, platform)
    deployment = _deployment(claims, platform)
    message_type = _check_message(request, claims, platform)
    return ValidLaunch(
        platform=platform, deployment=deployment, claims=claims, message_type=message_type
    )
