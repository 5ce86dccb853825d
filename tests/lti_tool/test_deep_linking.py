"""Deep Linking 2.0: the picker, the signed response, and the settings it must honour."""

from __future__ import annotations

import re
from html import unescape
from io import StringIO
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from django.core.management import call_command

from keys.services import jwks
from tests.conftest import DEPLOYMENT_ID, LTI
from tests.courses.packs import write_pack

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
RETURN = "https://canvas.test.example/courses/1/deep_linking_response"


@pytest.fixture
def catalog(tmp_path, db):
    call_command("import_content", str(write_pack(tmp_path)), stdout=StringIO())


def dl_launch(lti, *, roles=(INSTRUCTOR,), **settings):
    dl_settings = {
        "deep_link_return_url": RETURN,
        "accept_types": ["ltiResourceLink"],
        "accept_presentation_document_targets": ["iframe"],
        "accept_multiple": True,
        "auto_create": True,
        "data": "opaque-123",
    }
    dl_settings.update(settings)
    response = lti.launch(
        **{
            LTI + "message_type": "LtiDeepLinkingRequest",
            LTI + "roles": list(roles),
            LTI + "resource_link": None,
            DL + "deep_linking_settings": dl_settings,
        }
    )
    assert response.status_code == 303, response.content
    location = response["Location"]
    assert location.startswith("/app/deep-link/?")
    query = parse_qs(urlsplit(location).query)
    return query["lt"][0], query["dl"][0]


def submit(client, lt, dl, **data):
    return client.post(
        "/app/deep-link/", {"lt": lt, "dl": dl, **data}, HTTP_ORIGIN="http://testserver"
    )


def decode(response, platform):
    html = response.content.decode()
    action = unescape(re.search(r'action="([^"]+)"', html).group(1))
    token = re.search(r'name="JWT" value="([^"]+)"', html).group(1)
    key = jwt.PyJWK(jwks()["keys"][0]).key
    claims = jwt.decode(token, key, algorithms=["RS256"], audience=platform.issuer)
    return action, claims


def test_picker_lists_modules_and_answers_with_signed_links(lti, client, platform, catalog):
    lt, dl = dl_launch(lti)
    page = client.get("/app/deep-link/", {"lt": lt, "dl": dl})
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('data-testid="deep-link-item"') == 1 and 'type="checkbox"' in html
    response = submit(client, lt, dl, module="demo-module")
    assert response.status_code == 200
    action, claims = decode(response, platform)
    assert action == RETURN
    assert claims["iss"] == platform.client_id
    assert claims[LTI + "message_type"] == "LtiDeepLinkingResponse"
    assert claims[LTI + "version"] == "1.3.0"
    assert claims[LTI + "deployment_id"] == DEPLOYMENT_ID
    assert claims[DL + "data"] == "opaque-123"
    (item,) = claims[DL + "content_items"]
    assert item["type"] == "ltiResourceLink" and item["title"] == "A demo module"
    assert item["url"] == "http://testserver/app/"
    assert item["custom"] == {"module": "demo-module"}
    assert item["lineItem"] == {
        "scoreMaximum": 100,
        "label": "A demo module: mastery check",
        "resourceId": "demo-module:mastery",
        "tag": "mastery",
    }


def test_single_choice_when_multiple_is_not_accepted(lti, client, catalog):
    lt, dl = dl_launch(lti, accept_multiple=False)
    assert 'type="radio"' in client.get("/app/deep-link/", {"lt": lt, "dl": dl}).content.decode()


def test_no_line_item_when_the_platform_does_not_accept_one(lti, client, platform, catalog):
    lt, dl = dl_launch(lti, accept_lineitem=False)
    _, claims = decode(submit(client, lt, dl, module="demo-module"), platform)
    assert "lineItem" not in claims[DL + "content_items"][0]


def test_links_not_accepted_is_explained(lti, client, catalog):
    lt, dl = dl_launch(lti, accept_types=["file", "html"])
    response = submit(client, lt, dl, module="demo-module")
    assert response.status_code == 400
    assert "did not ask for links" in response.content.decode()


def test_nothing_chosen_is_explained_and_cancel_returns_nothing(lti, client, platform, catalog):
    lt, dl = dl_launch(lti)
    response = submit(client, lt, dl)
    assert (
        response.status_code == 400 and 'data-testid="deep-link-error"' in response.content.decode()
    )
    _, claims = decode(submit(client, lt, dl, cancel="1"), platform)
    assert claims[DL + "content_items"] == [] and claims[DL + "data"] == "opaque-123"


def test_teachers_cannot_deep_link(lti, client, catalog):
    lt, dl = dl_launch(lti, roles=(LEARNER,))
    assert client.get("/app/deep-link/", {"lt": lt, "dl": dl}).status_code == 403
    assert submit(client, lt, dl, module="demo-module").status_code == 403


def test_tampered_settings_are_refused(lti, client, catalog):
    lt, dl = dl_launch(lti)
    response = submit(client, lt, dl[:-3] + "abc", module="demo-module")
    assert response.status_code == 400
    assert "expired" in response.content.decode()
