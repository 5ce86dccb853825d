"""One path for every outgoing HTTP call to a URL that a platform or a registration supplies.

Configuration and key set URLs, token endpoints, AGS line items and NRPS pages all come from
outside: an LMS's answer, a launch claim, or a Dynamic Registration's configuration URL pasted
by whoever holds a registration link. Fetching them blindly lets that outsider make Ignite's
server call its own network (server-side request forgery). So every such call goes through
`OutboundSession`, which:

- requires https outside development, unless IGNITE_ALLOW_HTTP_PLATFORMS;
- never follows a redirect (a redirect could lead anywhere once the first URL was checked);
- refuses addresses that are not public (loopback, private, link-local, multicast, unspecified,
  reserved, shared carrier-grade NAT), checked on the resolved addresses before the call and
  again on the address actually connected to, so a DNS answer that changes in between
  (rebinding) gains nothing; hosts in IGNITE_PRIVATE_PLATFORM_HOSTS (a district that runs its
  LMS on its own network) are let through;
- bounds the response's size (IGNITE_HTTP_MAX_BYTES) and the time spent reading it;
- ignores proxy variables from the environment, whose address would be checked instead.

With DEBUG on at start-up, loopback, private addresses and http stay allowed: development, the
test suite and a local LMS install all run on one machine.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError


class OutboundRefused(requests.RequestException):
    """Ignite will not make this call (scheme, address, redirect or size): retrying cannot help."""


class _AddressRefused(NewConnectionError):
    pass


def _allowed_host(host: str) -> bool:
    host = host.lower().strip("[]").rstrip(".")
    return host in {
        h.lower().strip("[]").rstrip(".") for h in settings.IGNITE_PRIVATE_PLATFORM_HOSTS
    }


def address_refusal(address: str, host: str) -> str | None:
    """Why Ignite must not connect to `address` (resolved from `host`), or None if it may."""
    if settings.IGNITE_OUTBOUND_LOCAL_OK or _allowed_host(host):
        return None
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "an address that cannot be read"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    for flag, what in (
        ("is_unspecified", "an unspecified address"),
        ("is_loopback", "a loopback address"),
        ("is_link_local", "a link-local address"),
        ("is_multicast", "a multicast address"),
        ("is_private", "a private address"),
        ("is_reserved", "a reserved address"),
    ):
        if getattr(ip, flag):
            return what
    if not ip.is_global:
        return "an address that is not public"
    return None


def url_refusal(url: str) -> str | None:
    """Why Ignite must not call `url` at all (before any network traffic), or None."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "not an http(s) URL"
    if parts.scheme == "http" and not settings.IGNITE_ALLOW_HTTP_PLATFORMS:
        return "plain http is not allowed (https is required; see IGNITE_ALLOW_HTTP_PLATFORMS)"
    if parts.username or parts.password:
        return "a URL with credentials in it"
    host = parts.hostname
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return "a URL with an invalid port"
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return None  # the connection attempt reports a name that does not resolve
    for info in infos:
        reason = address_refusal(info[4][0], host)
        if reason:
            return f"{host} resolves to {reason}"
    return None


class _GuardedMixin:
    def _new_conn(self):
        sock = super()._new_conn()  # type: ignore[misc]
        try:
            peer = sock.getpeername()[0]
        except OSError:
            peer = ""
        reason = address_refusal(peer, self.host)  # type: ignore[attr-defined]
        if reason:
            sock.close()
            raise _AddressRefused(self, f"{self.host} connected to {reason}")  # type: ignore[attr-defined]
        return sock


class _GuardedHTTPConnection(_GuardedMixin, HTTPConnection):
    pass


class _GuardedHTTPSConnection(_GuardedMixin, HTTPSConnection):
    pass


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class _GuardedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _GuardedHTTPPool,
            "https": _GuardedHTTPSPool,
        }


def _refused_by_guard(exc: BaseException) -> bool:
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, _AddressRefused):
            return True
        reason = getattr(exc, "reason", None)
        inner = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else None
        exc = reason if isinstance(reason, BaseException) else inner or exc.__cause__
        seen += 1
    return False


class OutboundSession(requests.Session):
    """A requests session for platform-supplied URLs (see the module docstring)."""

    def __init__(self, pool_maxsize: int = 10):
        super().__init__()
        self.headers["User-Agent"] = settings.IGNITE_USER_AGENT
        self.trust_env = False
        self.max_redirects = 0
        # pool_maxsize: connections kept open per host, for threads sending at once (reuse).
        adapter = _GuardedAdapter(pool_maxsize=pool_maxsize)
        self.mount("https://", adapter)
        self.mount("http://", adapter)

    def request(self, method, url, *args, **kwargs):  # noqa: D102 - requests' own signature
        reason = url_refusal(str(url))
        if reason:
            raise OutboundRefused(f"refused to call {url}: {reason}")
        kwargs["allow_redirects"] = False
        kwargs["stream"] = True
        timeout = kwargs.setdefault("timeout", settings.IGNITE_HTTP_TIMEOUT)
        try:
            response = super().request(method, url, *args, **kwargs)
        except requests.ConnectionError as exc:
            if _refused_by_guard(exc):
                raise OutboundRefused(f"refused to call {url}: not a public address") from exc
            raise
        try:
            if response.is_redirect or response.is_permanent_redirect:
                raise OutboundRefused(
                    f"{url} answered a redirect (HTTP {response.status_code}), not followed"
                )
            response._content = _read_bounded(response, url, timeout)
        finally:
            response.close()
        return response


def _read_bounded(response: requests.Response, url: str, timeout) -> bytes:
    limit = settings.IGNITE_HTTP_MAX_BYTES
    total_seconds = 2 * (max(timeout) if isinstance(timeout, tuple) else float(timeout or 10))
    deadline = time.monotonic() + total_seconds
    chunks, size = [], 0
    for chunk in response.iter_content(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise OutboundRefused(f"the answer from {url} is larger than {limit} bytes")
        if time.monotonic() > deadline:
            raise requests.Timeout(f"reading the answer from {url} took over {total_seconds} s")
        chunks.append(chunk)
    return b"".join(chunks)
