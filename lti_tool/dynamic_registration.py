"""LTI Dynamic Registration 1.0: the LMS opens /lti/register/ with its openid_configuration URL
and a registration token; Ignite checks the platform's configuration, registers itself as a
client, and stores the platform and deployment it gets back.

Who may register: the holder of a one-time link made by an Ignite admin
(`manage.py lti_registration_link`), or a platform whose issuer is in
IGNITE_REGISTRATION_ALLOWED_ISSUERS. Without either, Ignite fetches nothing and refuses.

What it may do: only *create* a registration. An answer naming an (issuer, client id) that is
registered already is refused: replacing that registration's key set and login URLs would let
whoever holds a link launch as its existing users. Changing a registration is for an Ignite
admin (`manage.py lti_platform`, the Django admin). Every fetch goes through the outgoing-HTTP
guard (lti_tool/outbound.py: https, public addresses, no redirects, bounded answers), and a
link dies after MAX_LINK_FAILURES failed attempts or at its expiry. The browser is told
that a registration failed and a reference; the reason goes to the `ignite.lti.security` log,
so the page cannot be used to probe what answers where.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from pagesession.urls_util import add_query, origin_of

from .constants import MESSAGE_DEEP_LINKING, MESSAGE_RESOURCE_LINK
from .lms_config import CLAIMS, DESCRIPTION, SCOPES, TITLE, tool_urls
from .models import REGISTRATION_LINK_MAX_FAILURES, Platform, RegistrationLink
from .outbound import OutboundRefused
from .platform_keys import http_session
from .registration import platform_register

PLATFORM_CONFIG = "https://purl.imsglobal.org/spec/lti-platform-configuration"
TOOL_CONFIG = "https://purl.imsglobal.org/spec/lti-tool-configuration"
MAX_RESPONSE_BYTES = 256 * 1024
MAX_LINK_FAILURES = REGISTRATION_LINK_MAX_FAILURES
DEFAULT_LINK_HOURS = 24 * 7
GENERIC_FAILURE = (
    "Ignite could not complete the registration with the details your LMS gave. "
    "Your Ignite administrator can find the reason in Ignite's log under the reference below"
)


class RegistrationRefused(Exception):
    """Not allowed to register (no valid link, issuer not allowed)."""


class RegistrationFailed(Exception):
    """The platform's configuration or answer was not acceptable.

    `str(exc)` is the detail for the log; `public` is what the browser may be told.
    """

    def __init__(self, detail: str, *, public: str = GENERIC_FAILURE):
        super().__init__(detail)
        self.public = public


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def registration_link_create(
    *, base_url: str, hours: int = DEFAULT_LINK_HOURS, note: str = ""
) -> tuple[str, RegistrationLink]:
    """A new one-time registration URL (shown once: only its digest is stored) and its row."""
    secret = secrets.token_urlsafe(24)
    link = RegistrationLink.objects.create(
        digest=_digest(secret),
        note=note[:255],
        expires_at=timezone.now() + timedelta(hours=hours),
    )
    return add_query(base_url.rstrip("/") + reverse("lti:register"), {"link": secret}), link


def _claim_link(secret: str) -> RegistrationLink | None:
    """Mark the link used if it is open; None if it is unknown, used or expired."""
    if not secret:
        return None
    digest = _digest(secret)
    claimed = RegistrationLink.objects.filter(
        digest=digest,
        used_at__isnull=True,
        expires_at__gt=timezone.now(),
        failures__lt=MAX_LINK_FAILURES,
    ).update(used_at=timezone.now())
    return RegistrationLink.objects.get(digest=digest) if claimed else None


def _release_link(link: RegistrationLink) -> None:
    """Count a failed attempt; the link opens again only while it has attempts left."""
    RegistrationLink.objects.filter(pk=link.pk).update(failures=F("failures") + 1)
    RegistrationLink.objects.filter(
        pk=link.pk, platform__isnull=True, failures__lt=MAX_LINK_FAILURES
    ).update(used_at=None)


def _allowed_issuers() -> list[str]:
    return [i.rstrip("/") for i in settings.IGNITE_REGISTRATION_ALLOWED_ISSUERS if i]


def _get_json(session: requests.Session, method: str, url: str, what: str, **kwargs) -> dict:
    try:
        response = session.request(method, url, timeout=settings.IGNITE_HTTP_TIMEOUT, **kwargs)
    except OutboundRefused as exc:
        raise RegistrationFailed(f"{what}: {exc}") from exc
    except requests.RequestException as exc:
        raise RegistrationFailed(f"{what}: {exc.__class__.__name__} reaching {url}") from exc
    if len(response.content) > MAX_RESPONSE_BYTES:
        raise RegistrationFailed(f"{what}: the answer is too large")
    if response.status_code >= 400:
        raise RegistrationFailed(f"{what}: the LMS answered HTTP {response.status_code}")
    try:
        data = response.json()
    except ValueError as exc:
        raise RegistrationFailed(f"{what}: the answer is not JSON") from exc
    if not isinstance(data, dict):
        raise RegistrationFailed(f"{what}: the answer is not a JSON object")
    return data


def _check_url(url: str, what: str) -> str:
    if not isinstance(url, str) or not url:
        raise RegistrationFailed(f"the platform configuration has no {what}")
    scheme = url.split(":", 1)[0]
    if scheme != "https" and not (scheme == "http" and settings.IGNITE_ALLOW_HTTP_PLATFORMS):
        raise RegistrationFailed(f"the platform's {what} must use https")
    return url


def platform_config_check(config: dict, config_url: str) -> dict:
    """The fields Ignite needs from an OpenID configuration, checked (LTI DR 1.0 section 3)."""
    issuer = config.get("issuer")
    if not isinstance(issuer, str) or not issuer:
        raise RegistrationFailed("the platform configuration has no issuer")
    if origin_of(issuer) != origin_of(config_url):
        raise RegistrationFailed(
            f"the issuer {issuer} is not on the configuration URL's origin {origin_of(config_url)}"
        )
    algs = config.get("id_token_signing_alg_values_supported") or ["RS256"]
    if "RS256" not in algs:
        raise RegistrationFailed("the platform does not sign id_tokens with RS256")
    lti = config.get(PLATFORM_CONFIG) if isinstance(config.get(PLATFORM_CONFIG), dict) else {}
    return {
        "issuer": _check_url(issuer, "issuer"),
        "authorization_endpoint": _check_url(
            config.get("authorization_endpoint"), "authorization_endpoint"
        ),
        "token_endpoint": _check_url(config.get("token_endpoint"), "token_endpoint"),
        "jwks_uri": _check_url(config.get("jwks_uri"), "jwks_uri"),
        "registration_endpoint": _check_url(
            config.get("registration_endpoint"), "registration_endpoint"
        ),
        "authorization_server": config.get("authorization_server") or "",
        "scopes_supported": config.get("scopes_supported"),
        "product": str(lti.get("product_family_code") or ""),
    }


def client_registration(origin: str, scopes_supported) -> dict:
    """The client registration Ignite posts to the platform (LTI DR 1.0 section 3.4)."""
    urls = tool_urls(origin)
    scopes = [s for s in SCOPES if not isinstance(scopes_supported, list) or s in scopes_supported]
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": urls["login"],
        "redirect_uris": [urls["launch"]],
        "client_name": TITLE,
        "jwks_uri": urls["jwks"],
        "logo_uri": urls["icon"],
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(scopes),
        TOOL_CONFIG: {
            "domain": origin_of(origin).split("://", 1)[1],
            "description": DESCRIPTION,
            "target_link_uri": urls["target"],
            "claims": CLAIMS,
            "messages": [
                {"type": MESSAGE_RESOURCE_LINK, "target_link_uri": urls["target"], "label": TITLE},
                {
                    "type": MESSAGE_DEEP_LINKING,
                    "target_link_uri": urls["target"],
                    "label": "Add Ignite modules",
                    "supported_types": ["ltiResourceLink"],
                },
            ],
        },
    }


@dataclass
class Registered:
    platform: Platform
    deployment_id: str
    created: bool


def dynamic_register(
    *, origin: str, config_url: str, registration_token: str, link_secret: str
) -> Registered:
    """Register Ignite with the platform; raises RegistrationRefused or RegistrationFailed."""
    if not config_url:
        raise RegistrationFailed("the LMS did not send its openid_configuration URL")
    link = _claim_link(link_secret)
    if link is None:
        allowed = _allowed_issuers()
        if not any(origin_of(config_url) == origin_of(issuer) for issuer in allowed):
            raise RegistrationRefused(
                "this registration link is missing, already used or expired"
                if link_secret
                else "registration needs a registration link from your Ignite administrator"
            )
    try:
        session = http_session()
        config = platform_config_check(
            _get_json(session, "GET", config_url, "platform configuration"), config_url
        )
        if link is None and config["issuer"].rstrip("/") not in _allowed_issuers():
            raise RegistrationFailed(f"the issuer {config['issuer']} is not on the allow-list")
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if registration_token:
            headers["Authorization"] = f"Bearer {registration_token}"
        answer = _get_json(
            session,
            "POST",
            config["registration_endpoint"],
            "client registration",
            json=client_registration(origin, config["scopes_supported"]),
            headers=headers,
        )
        client_id = answer.get("client_id")
        if not isinstance(client_id, str) or not client_id:
            raise RegistrationFailed("the LMS's answer has no client_id")
        tool = answer.get(TOOL_CONFIG) if isinstance(answer.get(TOOL_CONFIG), dict) else {}
        deployment_id = tool.get("deployment_id")
        deployment_id = deployment_id if isinstance(deployment_id, str) else ""
        existing = Platform.objects.filter(issuer=config["issuer"], client_id=client_id)
        if existing.exists():
            raise RegistrationFailed(
                f"an existing registration (issuer {config['issuer']}, client id {client_id}) "
                "was named: Dynamic Registration only creates",
                public=(
                    "Your LMS answered with a registration that Ignite has already (the same "
                    "issuer and client id). Dynamic Registration only adds new registrations, so "
                    "nothing was changed. To change the existing one, ask your Ignite "
                    "administrator (python manage.py lti_platform, or Ignite's admin site)"
                ),
            )
        try:
            with transaction.atomic():
                platform, created = platform_register(
                    issuer=config["issuer"],
                    client_id=client_id,
                    auth_login_url=config["authorization_endpoint"],
                    auth_token_url=config["token_endpoint"],
                    keyset_url=config["jwks_uri"],
                    deployment_ids=[deployment_id] if deployment_id else [],
                    name=config["product"] or config["issuer"],
                    auth_audience=config["authorization_server"],
                )
                if link is not None:
                    RegistrationLink.objects.filter(pk=link.pk).update(platform=platform)
        except ValidationError as exc:
            raise RegistrationFailed("; ".join(exc.messages)) from exc
        except IntegrityError as exc:  # the same registration created at this moment
            raise RegistrationFailed(
                f"a registration for {config['issuer']} / {client_id} was created concurrently"
            ) from exc
    except (RegistrationFailed, RegistrationRefused):
        if link is not None:
            _release_link(link)  # nothing was registered: the admin may try again
        raise
    return Registered(platform=platform, deployment_id=deployment_id, created=created)
