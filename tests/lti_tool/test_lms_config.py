"""The Canvas developer-key JSON configuration."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_canvas_json_names_every_url_scope_and_placement(client, settings):
    settings.IGNITE_BASE_URL = "https://ignite.district.example"
    response = client.get("/lti/canvas.json")
    assert response.status_code == 200
    config = response.json()
    base = "https://ignite.district.example"
    assert config["oidc_initiation_url"] == f"{base}/lti/login/"
    assert config["target_link_uri"] == f"{base}/app/"
    assert config["public_jwk_url"] == f"{base}/.well-known/jwks.json"
    assert "https://purl.imsglobal.org/spec/lti-ags/scope/score" in config["scopes"]
    assert (
        "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
        in config["scopes"]
    )
    canvas = config["extensions"][0]
    assert canvas["platform"] == "canvas.instructure.com"
    assert canvas["domain"] == "ignite.district.example"
    assert canvas["privacy_level"] == "public"
    placements = {p["placement"]: p for p in canvas["settings"]["placements"]}
    assert placements["link_selection"]["message_type"] == "LtiDeepLinkingRequest"
    assert placements["assignment_selection"]["message_type"] == "LtiDeepLinkingRequest"
    assert placements["course_navigation"]["message_type"] == "LtiResourceLinkRequest"
    assert placements["course_navigation"]["visibility"] == "admins"
    assert config["custom_fields"] == {"canvas_course_id": "$Canvas.course.id"}
    assert canvas["settings"]["icon_url"] == f"{base}/static/ignite/icon.svg"


def test_canvas_json_may_be_read_cross_origin(client):
    response = client.get("/lti/canvas.json", HTTP_ORIGIN="https://canvas.district.example")
    assert response["Access-Control-Allow-Origin"] == "https://canvas.district.example"
