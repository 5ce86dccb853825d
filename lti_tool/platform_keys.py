"""Platform public keys: fetched with a timeout, cached, re-fetched once on an unknown kid.

pylti1p3 keeps a key set for two hours and never looks again when a platform rotates its
keys; it also converts the JWK to PEM and re-parses it for every launch. Here the JWK set is
cached in the shared cache, parsed key objects in process memory, and an unknown kid triggers
one re-fetch per platform per IGNITE_JWKS_REFETCH_INTERVAL (so a flood of forged kids cannot
make us hammer the platform).
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time

import jwt
import requests
from django.conf import settings
from django.core.cache import cache

from .errors import InvalidToken, PlatformUnavailable
from .outbound import OutboundSession

logger = logging.getLogger("ignite.lti")

_parsed: dict[str, object] = {}
_parsed_lock = threading.Lock()
# (key set URL, kid) -> (monotonic expiry, key): skips the shared-cache read on most launches.
_recent: dict[tuple[str, str], tuple[float, object]] = {}
RECENT_TTL = 300.0


def platform_keys_forget() -> None:
    """Drop this process's parsed keys (tests; a key revoked in an emergency)."""
    with _parsed_lock:
        _parsed.clear()
        _recent.clear()


def _cache_key(url: str, suffix: str) -> str:
    return f"lti:jwks:{hashlib.sha256(url.encode()).hexdigest()[:32]}:{suffix}"


def http_session(pool_maxsize: int = 10) -> requests.Session:
    """The session for every call to a platform-supplied URL (checks in lti_tool/outbound.py)."""
    return OutboundSession(pool_maxsize=pool_maxsize)


def fetch_key_set(url: str) -> dict:
    try:
        response = http_session().get(url, timeout=settings.IGNITE_HTTP_TIMEOUT)
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise PlatformUnavailable(f"fetching {url} failed: {exc.__class__.__name__}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise PlatformUnavailable(f"{url} did not return a JSON Web Key Set")
    return data


def _find(key_set: dict, kid: str) -> dict | None:
    for jwk in key_set.get("keys", []):
        if isinstance(jwk, dict) and jwk.get("kid") == kid:
            return jwk
    return None


def _parse(jwk: dict):
    fingerprint = hashlib.sha256(json.dumps(jwk, sort_keys=True).encode()).hexdigest()
    key = _parsed.get(fingerprint)
    if key is None:
        if jwk.get("kty") != "RSA":
            raise InvalidToken(f"platform key {jwk.get('kid')} is not an RSA key")
        try:
            key = jwt.algorithms.RSAAlgorithm.from_jwk(jwk)
        except (ValueError, TypeError, KeyError, jwt.InvalidKeyError) as exc:
            raise InvalidToken(f"platform key {jwk.get('kid')} cannot be read") from exc
        with _parsed_lock:
            _parsed[fingerprint] = key
    return key


def public_key_for(url: str, kid: str):
    """The platform's public key with this kid, as a key object ready for PyJWT.

    A key found is kept in this process for RECENT_TTL seconds (at most the JWKS cache TTL),
    so a platform's removal of a key reaches every worker within that time."""
    hit = _recent.get((url, kid))
    now = time.monotonic()
    if hit is not None and hit[0] > now:
        return hit[1]
    key = _public_key_lookup(url, kid)
    ttl = min(RECENT_TTL, float(settings.IGNITE_JWKS_CACHE_TTL))
    if ttl > 0:
        with _parsed_lock:
            _recent[(url, kid)] = (now + ttl, key)
    return key


def _public_key_lookup(url: str, kid: str):
    key_set = cache.get(_cache_key(url, "set"))
    if key_set is None:
        key_set = fetch_key_set(url)
        cache.set(_cache_key(url, "set"), key_set, settings.IGNITE_JWKS_CACHE_TTL)
    jwk = _find(key_set, kid)
    if jwk is None and cache.add(
        _cache_key(url, "refetch"), 1, settings.IGNITE_JWKS_REFETCH_INTERVAL
    ):
        logger.info("unknown kid %s: re-fetching platform key set %s", kid, url)
        key_set = fetch_key_set(url)
        cache.set(_cache_key(url, "set"), key_set, settings.IGNITE_JWKS_CACHE_TTL)
        jwk = _find(key_set, kid)
    if jwk is None:
        raise InvalidToken(f"no platform key with kid {kid!r} at {url}")
    if jwk.get("alg", "RS256") != "RS256" or jwk.get("use", "sig") != "sig":
        raise InvalidToken(f"platform key {kid!r} is not an RS256 signing key")
    return _parse(jwk)
