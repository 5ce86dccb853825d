"""OIDC third-party-initiated login (LTI 1.3 Core 5.1.1, Security Framework 5.1.1).

The tool answers the platform's login request with a redirect to the platform's
authorization endpoint, carrying a fresh `state` and `nonce`. The browser keeps a cookie named after the state whose
value is the login record (state, nonce, platform) signed with the tool's secret and stamped
with its time: any worker can check it at launch without a server-side read or write, it
proves that the same browser started the login, and it expires after IGNITE_LOGIN_STATE_TTL.
A record is used once because the nonce it carries is consumed in the shared cache at launch.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest

from pagesession.urls_util import absolute, add_query, same_host

from .errors import LoginError, UnknownPlatform
from .models import Platform
from .registry import platform_find

STATE_COOKIE_PREFIX = "ignite-state-"
_STATE_SALT = "ignite.lti.login-state"
# The login request's own parameters: what a new window needs to start the same sign-in again.
LOGIN_PARAMS = ("iss", "login_hint", "target_link_uri", "lti_message_hint", "client_id",
                "lti_deployment_id")  # fmt: skip


def login_params_of(params) -> dict[str, str]:
    """The login parameters to replay first-party (never the platform storage target: a new
    window has no platform frame to store in)."""
    return {k: params[k][:4000] for k in LOGIN_PARAMS if params.get(k)}


def _params_key(state: str) -> str:
    return "lti:login-params:" + hashlib.sha256(state.encode()).hexdigest()


def login_params_remember(*, state: str, params) -> None:
    """Keep a framed login's parameters for as long as its state is valid, so that the `state`
    error page can offer to start the same sign-in in a new window."""
    cache.set(_params_key(state), login_params_of(params), settings.IGNITE_LOGIN_STATE_TTL)


def login_params_recall(*, state: str) -> dict[str, str] | None:
    if not state:
        return None
    params = cache.get(_params_key(state))
    return params if isinstance(params, dict) else None


def login_state_seal(*, state: str, nonce: str, platform_id: int) -> str:
    """The signed, timestamped login record the browser carries to the launch."""
    return signing.dumps({"s": state, "n": nonce, "p": platform_id}, salt=_STATE_SALT)


def login_state_open(sealed: str, state: str) -> dict | None:
    """The login record if `sealed` is ours, unexpired and issued for `state`; else None."""
    try:
        record = signing.loads(sealed, salt=_STATE_SALT, max_age=settings.IGNITE_LOGIN_STATE_TTL)
    except signing.BadSignature:  # SignatureExpired is a subclass
        return None
    if not isinstance(record, dict) or record.get("s") != state:
        return None
    return {"nonce": record.get("n"), "platform": record.get("p")}


@dataclass(frozen=True)
class LoginStart:
    redirect_url: str
    state: str
    sealed: str
    platform: Platform


def find_platform(issuer: str, client_id: str | None) -> Platform | None:
    if client_id:
        return platform_find(issuer, [client_id])
    qs = Platform.objects.filter(issuer=issuer, is_active=True)
    candidates = list(qs[:2])
    return candidates[0] if len(candidates) == 1 else None


def login_start(*, request: HttpRequest, params) -> LoginStart:
    issuer = params.get("iss", "")
    login_hint = params.get("login_hint", "")
    target_link_uri = params.get("target_link_uri", "")
    client_id = params.get("client_id") or None
    missing = [
        n
        for n, v in (
            ("iss", issuer),
            ("login_hint", login_hint),
            ("target_link_uri", target_link_uri),
        )
        if not v
    ]
    if missing:
        raise LoginError(f"missing {', '.join(missing)}", iss=issuer, client_id=client_id or "")
    platform = find_platform(issuer, client_id)
    if platform is None:
        raise UnknownPlatform(
            "no registration for this issuer/client id",
            admin_hint=(
                f"No registration matches issuer {issuer!r} and client id {client_id or '(none sent)'!r}. "
                "Add it in Ignite (manage.py lti_platform add) or check the client id."
            ),
            iss=issuer,
            client_id=client_id or "",
        )
    if not same_host(target_link_uri, request):
        raise LoginError(
            f"target_link_uri {target_link_uri!r} is not on this tool's host",
            admin_hint="The target link URI in the LMS registration must point at this Ignite server.",
            iss=issuer,
            client_id=platform.client_id,
        )

    state = secrets.token_urlsafe(32)
    nonce = secrets.token_urlsafe(32)
    sealed = login_state_seal(state=state, nonce=nonce, platform_id=platform.pk)
    auth_params = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": platform.client_id,
        "redirect_uri": absolute(request, "/lti/launch/"),
        "login_hint": login_hint,
        "state": state,
        "nonce": nonce,
    }
    if params.get("lti_message_hint"):
        auth_params["lti_message_hint"] = params["lti_message_hint"]
    return LoginStart(add_query(platform.auth_login_url, auth_params), state, sealed, platform)
