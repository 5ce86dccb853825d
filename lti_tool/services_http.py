"""Calls from Ignite to a platform's LTI Advantage services: access tokens, AGS, NRPS.

pylti1p3's service connector sets no timeout, signs each client assertion with a PEM string
(~35 ms of CPU), caches tokens only inside one connector object (or, in pylti1p3next, by issuer
and scopes, which mixes up registrations sharing an issuer), and raises bare exceptions. This
module keeps the same protocol (1EdTech Security Framework 4.1, AGS 2.0, NRPS 2.0) with:
a timeout and User-Agent on every call, tokens cached per platform registration and scope set
until shortly before expiry, a 401 answered by one retry with a fresh token, and errors that
say whether retrying can help (`ServiceError.permanent`).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import uuid
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit, urlunsplit

import requests
from django.conf import settings
from django.core.cache import cache

from keys.services import sign_jwt

from .models import Platform
from .outbound import OutboundRefused
from .platform_keys import http_session

logger = logging.getLogger("ignite.lti.services")

SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_RESULT_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
SCOPE_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"

MEDIA_LINEITEM = "application/vnd.ims.lis.v2.lineitem+json"
MEDIA_LINEITEMS = "application/vnd.ims.lis.v2.lineitemcontainer+json"
MEDIA_SCORE = "application/vnd.ims.lis.v1.score+json"
MEDIA_MEMBERSHIPS = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"

TOKEN_EXPIRY_MARGIN = 60  # seconds: never send a token that may expire in flight
MAX_PAGES = 200  # a bound on paging, so a platform's loop of `next` links cannot hang a worker


class ServiceError(Exception):
    """A call to a platform failed. `permanent` says whether retrying the same call can help."""

    def __init__(
        self,
        message: str,
        *,
        permanent: bool,
        status: int | None = None,
        retry_after: float | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.status = status
        self.retry_after = retry_after


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _platform_message(response: requests.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:300].strip()
    if isinstance(data, dict):
        for key in ("error_description", "message", "error", "errors"):
            if data.get(key):
                return str(data[key])[:300]
    return str(data)[:300]


def error_for(response: requests.Response, what: str) -> ServiceError:
    status = response.status_code
    transient = status in (408, 425, 429) or status >= 500
    return ServiceError(
        f"{what}: HTTP {status}: {_platform_message(response)}",
        permanent=not transient,
        status=status,
        retry_after=_retry_after(response),
    )


def _scope_key(platform: Platform, scopes: tuple[str, ...]) -> str:
    # Keyed by the registration (not the issuer): Canvas Cloud customers share one issuer.
    digest = hashlib.sha256(
        f"{platform.auth_token_url}|{' '.join(sorted(scopes))}".encode()
    ).hexdigest()[:24]
    return f"lti:token:{platform.pk}:{platform.client_id}:{digest}"


@dataclass
class Counters:
    token_requests: int = 0


counters = Counters()
TOKEN_LOCK_WAIT = 15  # seconds a worker waits for another one's token request

# Tokens this process holds, by cache key: (token, expiry as time.time()). A worker that sends
# hundreds of scores a second reads its token from memory, not from the shared cache each time.
_memory_tokens: dict[str, tuple[str, float]] = {}
_memory_lock = threading.Lock()


def tokens_forget_all() -> None:
    """Drop every token this process holds in memory (tests; a key change)."""
    with _memory_lock:
        _memory_tokens.clear()


def _remember(key: str, token: str, expires_at: float) -> None:
    with _memory_lock:
        _memory_tokens[key] = (token, expires_at)


def _remembered(key: str) -> str | None:
    with _memory_lock:
        held = _memory_tokens.get(key)
    if held and held[1] - TOKEN_EXPIRY_MARGIN > time.time():
        return held[0]
    return None


def _cached(key: str) -> tuple[str, float] | None:
    """The shared cache's token and its expiry (a bare token string from before expiries were
    kept counts as valid for the margin)."""
    value = cache.get(key)
    if isinstance(value, dict) and value.get("token"):
        return str(value["token"]), float(value.get("expires_at", 0))
    if isinstance(value, str) and value:
        return value, time.time() + 2 * TOKEN_EXPIRY_MARGIN
    return None


class PlatformClient:
    """One platform registration's service calls, with its access tokens."""

    def __init__(self, platform: Platform, session: requests.Session | None = None):
        self.platform = platform
        self.session = session or http_session()
        self.timeout = settings.IGNITE_HTTP_TIMEOUT

    # --- tokens -------------------------------------------------------------------------

    def access_token(
        self, scopes: tuple[str, ...], *, fresh: bool = False, refused: str | None = None
    ) -> str:
        """A token for these scopes: this process's own copy until shortly before it expires,
        else the shared cache's, else a new one. `fresh` refuses the token held now (it was
        just rejected). Workers that miss together wait for one of them to fetch it (a lock in
        the shared cache), so a platform sees one token request, not one per worker.
        """
        key = _scope_key(self.platform, scopes)
        stale = None
        if refused is not None:
            # This token was refused (401): any other one, held or shared, is newer.
            stale = {refused}
            token = _remembered(key)
            if token and token != refused:
                return token
            with _memory_lock:
                _memory_tokens.pop(key, None)
        elif fresh:
            with _memory_lock:
                held = _memory_tokens.pop(key, None)
            # The token just refused is the one this process held; without one, the shared
            # cache's. Another worker's newer token in the shared cache is taken, not refetched.
            last = held or _cached(key)
            stale = {last[0]} if last else set()
        else:
            token = _remembered(key)
            if token:
                return token
        deadline = time.monotonic() + TOKEN_LOCK_WAIT
        while True:
            found = _cached(key)
            if found and found[0] not in (stale or ()):
                _remember(key, *found)
                return found[0]
            if cache.add(key + ":lock", 1, TOKEN_LOCK_WAIT):
                try:
                    found = _cached(key)
                    if found and found[0] not in (stale or ()):
                        _remember(key, *found)
                        return found[0]
                    return self._fetch_and_share(key, scopes)
                finally:
                    cache.delete(key + ":lock")
            if time.monotonic() > deadline:
                # The lock holder is stuck or gone: fetch without it rather than stall.
                return self._fetch_and_share(key, scopes)
            time.sleep(0.05)

    def _fetch_and_share(self, key: str, scopes: tuple[str, ...]) -> str:
        token, expires_in = self._request_token(scopes)
        expires_at = time.time() + int(expires_in)
        ttl = max(int(expires_in) - TOKEN_EXPIRY_MARGIN, 1)
        cache.set(key, {"token": token, "expires_at": expires_at}, ttl)
        _remember(key, token, expires_at)
        return token

    def forget_token(self, scopes: tuple[str, ...]) -> None:
        key = _scope_key(self.platform, scopes)
        with _memory_lock:
            _memory_tokens.pop(key, None)
        cache.delete(key)

    def _request_token(self, scopes: tuple[str, ...]) -> tuple[str, int]:
        platform = self.platform
        now = int(time.time())
        assertion = sign_jwt(
            {
                "iss": platform.client_id,
                "sub": platform.client_id,
                "aud": platform.auth_audience or platform.auth_token_url,
                "iat": now,
                "exp": now + 300,
                "jti": uuid.uuid4().hex,
            }
        )
        counters.token_requests += 1
        try:
            response = self.session.post(
                platform.auth_token_url,
                data={
                    "grant_type": "client_credentials",
                    "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    "client_assertion": assertion,
                    "scope": " ".join(scopes),
                },
                headers={"Accept": "application/json"},
                timeout=self.timeout,
            )
        except OutboundRefused as exc:
            raise ServiceError(
                f"access token request refused by Ignite: {exc}", permanent=True
            ) from exc
        except requests.RequestException as exc:
            raise ServiceError(
                f"access token request failed: {exc.__class__.__name__}", permanent=False
            ) from exc
        if response.status_code != 200:
            error = error_for(response, "access token request refused")
            # A refused client (bad key, unknown client id) will not fix itself.
            error.permanent = response.status_code in (400, 401, 403)
            raise error
        try:
            data = response.json()
            return str(data["access_token"]), int(data.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError) as exc:
            raise ServiceError(
                "access token response is not valid JSON with access_token", permanent=False
            ) from exc

    # --- requests -----------------------------------------------------------------------

    def send(self, method: str, url: str, token: str, *, what: str, **kwargs) -> requests.Response:
        """One service call with this Bearer token, no retry; a 401 raises a ServiceError with
        status 401 (the caller fetches a fresh token and tries once more). Touches neither the
        database nor the cache, so worker threads may call it."""
        headers = {**kwargs.pop("headers", {}), "Authorization": f"Bearer {token}"}
        try:
            response = self.session.request(
                method, url, headers=headers, timeout=self.timeout, **kwargs
            )
        except OutboundRefused as exc:
            raise ServiceError(f"{what}: refused by Ignite: {exc}", permanent=True) from exc
        except requests.RequestException as exc:
            raise ServiceError(f"{what}: {exc.__class__.__name__}", permanent=False) from exc
        if response.status_code >= 400:
            raise error_for(response, what)
        return response

    def request(
        self, method: str, url: str, scopes: tuple[str, ...], *, what: str, **kwargs
    ) -> requests.Response:
        """A service call with a Bearer token; a 401 gets one retry with a new token."""
        token = self.access_token(scopes)
        try:
            return self.send(method, url, token, what=what, **kwargs)
        except ServiceError as exc:
            if exc.status != 401:
                raise
        logger.info("%s: 401 from %s, retrying with a new access token", what, self.platform)
        return self.send(method, url, self.access_token(scopes, refused=token), what=what, **kwargs)

    def get_pages(self, url: str, scopes: tuple[str, ...], *, accept: str, what: str):
        """Every page of a container, following `Link: rel="next"` (Schoology pages at 100)."""
        seen = set()
        for _ in range(MAX_PAGES):
            if url in seen:
                return
            seen.add(url)
            response = self.request("GET", url, scopes, what=what, headers={"Accept": accept})
            try:
                yield response.json()
            except ValueError as exc:
                raise ServiceError(f"{what}: response is not JSON", permanent=False) from exc
            next_link = response.links.get("next", {}).get("url")
            if not next_link:
                return
            url = next_link


def scores_url(lineitem_url: str) -> str:
    """The scores endpoint of a line item: path + /scores, query string kept (Canvas)."""
    parts = urlsplit(lineitem_url)
    return urlunsplit(
        (parts.scheme, parts.netloc, parts.path.rstrip("/") + "/scores", parts.query, "")
    )
