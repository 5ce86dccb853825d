"""LTI Deep Linking 2.0: a trainer picks catalog modules; Ignite answers the platform with a
signed LtiDeepLinkingResponse of ltiResourceLink items.

The request's deep_linking_settings travel with the picker page as a signed, expiring value
(`dl`), so no server state is kept between the launch and the answer, and a page cannot be
pointed at another return URL.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core import signing

from keys.services import sign_jwt

from .constants import CLAIM_DEPLOYMENT_ID, CLAIM_DL_SETTINGS, CLAIM_MESSAGE_TYPE, CLAIM_VERSION

CLAIM_CONTENT_ITEMS = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
CLAIM_DATA = "https://purl.imsglobal.org/spec/lti-dl/claim/data"
CLAIM_MSG = "https://purl.imsglobal.org/spec/lti-dl/claim/msg"
CLAIM_ERRORMSG = "https://purl.imsglobal.org/spec/lti-dl/claim/errormsg"
_SALT = "ignite.lti.deep-linking"
SCORE_MAXIMUM = 100


class DeepLinkError(Exception):
    """The request cannot be answered as asked; the message is for the trainer."""


@dataclass(frozen=True)
class DeepLinkRequest:
    return_url: str
    data: str | None
    accept_types: tuple[str, ...]
    accept_multiple: bool
    auto_create: bool
    accept_lineitem: bool
    issuer: str
    client_id: str
    deployment_id: str

    @property
    def accepts_links(self) -> bool:
        return "ltiResourceLink" in self.accept_types


def deep_link_seal(*, claims: dict, client_id: str) -> str:
    dl = claims.get(CLAIM_DL_SETTINGS) or {}
    accept_types = dl.get("accept_types") if isinstance(dl.get("accept_types"), list) else []
    return signing.dumps(
        {
            "r": dl.get("deep_link_return_url", ""),
            "d": dl.get("data") if isinstance(dl.get("data"), str) else None,
            "t": [t for t in accept_types if isinstance(t, str)],
            "m": dl.get("accept_multiple", True) is not False,
            "a": dl.get("auto_create", False) is True,
            "l": dl.get("accept_lineitem", True) is not False,
            "i": claims.get("iss", ""),
            "c": client_id,
            "p": claims.get(CLAIM_DEPLOYMENT_ID, ""),
        },
        salt=_SALT,
        compress=True,
    )


def deep_link_open(sealed: str) -> DeepLinkRequest | None:
    try:
        raw = signing.loads(sealed, salt=_SALT, max_age=settings.IGNITE_LAUNCH_TOKEN_TTL)
    except signing.BadSignature:
        return None
    return DeepLinkRequest(
        return_url=raw["r"],
        data=raw["d"],
        accept_types=tuple(raw["t"]),
        accept_multiple=raw["m"],
        auto_create=raw["a"],
        accept_lineitem=raw["l"],
        issuer=raw["i"],
        client_id=raw["c"],
        deployment_id=raw["p"],
    )


def content_item(version, *, target_url: str, with_line_item: bool) -> dict:
    """An ltiResourceLink item for one module (version: its current ModuleVersion)."""
    slug = version.module.slug
    item = {
        "type": "ltiResourceLink",
        "title": version.title,
        "text": version.summary,
        "url": target_url,
        "custom": {"module": slug},
    }
    if with_line_item:
        item["lineItem"] = {
            "scoreMaximum": SCORE_MAXIMUM,
            "label": f"{version.title}: mastery check",
            "resourceId": f"{slug}:mastery",
            "tag": "mastery",
        }
    return item


def deep_link_response(request: DeepLinkRequest, versions: list, *, target_url: str) -> str:
    """The signed LtiDeepLinkingResponse JWT for these module versions."""
    if versions and not request.accepts_links:
        raise DeepLinkError("Your LMS did not ask for links here, so Ignite cannot add modules.")
    if len(versions) > 1 and not request.accept_multiple:
        raise DeepLinkError("Your LMS accepts one item here: choose a single module.")
    now = int(time.time())
    claims = {
        "iss": request.client_id,
        "aud": request.issuer,
        "iat": now,
        "exp": now + 300,
        "nonce": uuid.uuid4().hex,
        CLAIM_DEPLOYMENT_ID: request.deployment_id,
        CLAIM_MESSAGE_TYPE: "LtiDeepLinkingResponse",
        CLAIM_VERSION: "1.3.0",
        CLAIM_CONTENT_ITEMS: [
            content_item(v, target_url=target_url, with_line_item=request.accept_lineitem)
            for v in versions
        ],
    }
    if request.data is not None:
        claims[CLAIM_DATA] = request.data
    if versions:
        names = ", ".join(v.title for v in versions)
        claims[CLAIM_MSG] = f"Added from Ignite: {names}"
    return sign_jwt(claims)
