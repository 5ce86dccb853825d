"""What an LMS admin pastes or points the LMS at: the Canvas developer-key JSON, and the tool
configuration used by LTI Dynamic Registration. Built from the tool's public URL."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.urls import reverse

from .constants import MESSAGE_DEEP_LINKING, MESSAGE_RESOURCE_LINK
from .services_http import (
    SCOPE_LINEITEM,
    SCOPE_LINEITEM_READONLY,
    SCOPE_NRPS,
    SCOPE_RESULT_READONLY,
    SCOPE_SCORE,
)

TITLE = "Ignite"
DESCRIPTION = (
    "Professional learning for teachers: blended learning, computer science integration and "
    "teacher leadership modules with mastery checks, evidence of practice and feedback from "
    "trainers. Scores go to the gradebook."
)
SCOPES = [SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY, SCOPE_RESULT_READONLY, SCOPE_SCORE, SCOPE_NRPS]
CLAIMS = ["iss", "sub", "name", "given_name", "family_name", "email"]


def tool_urls(origin: str) -> dict[str, str]:
    return {
        "login": origin + reverse("lti:login"),
        "launch": origin + reverse("lti:launch"),
        "target": origin + reverse("lti:home"),
        "jwks": origin + reverse("jwks"),
        "icon": origin + "/static/ignite/icon.svg",
    }


def canvas_config(origin: str) -> dict:
    """Canvas developer key "Enter URL" / "Paste JSON" configuration."""
    urls = tool_urls(origin)
    deep_link = {"message_type": MESSAGE_DEEP_LINKING, "target_link_uri": urls["target"]}
    return {
        "title": TITLE,
        "description": DESCRIPTION,
        "oidc_initiation_url": urls["login"],
        "target_link_uri": urls["target"],
        "public_jwk_url": urls["jwks"],
        "scopes": SCOPES,
        "extensions": [
            {
                "domain": urlsplit(origin).hostname,
                "tool_id": "ignite",
                "platform": "canvas.instructure.com",
                # Names and emails identify teachers to their trainers and on credentials.
                "privacy_level": "public",
                "settings": {
                    "text": TITLE,
                    "icon_url": urls["icon"],
                    "placements": [
                        {
                            "placement": "link_selection",
                            "text": "Ignite module",
                            **deep_link,
                        },
                        {
                            "placement": "assignment_selection",
                            "text": "Ignite module (graded)",
                            **deep_link,
                        },
                        {
                            "placement": "course_navigation",
                            "text": "Ignite",
                            "message_type": MESSAGE_RESOURCE_LINK,
                            "target_link_uri": urls["target"],
                            "visibility": "admins",  # trainers: teachers, TAs, designers
                            "default": "enabled",
                        },
                    ],
                },
            }
        ],
        # Shown on the launch-error page and in logs, to match a launch with a Canvas course.
        "custom_fields": {"canvas_course_id": "$Canvas.course.id"},
    }
