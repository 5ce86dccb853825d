"""The development platform's token, AGS and NRPS endpoints, checked as an LMS would check them,
and the tool delivering real grades and reading the roster through them over loopback HTTP."""

from __future__ import annotations

import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from courses.models import Membership, Participant, Placement
from devplatform import services
from devplatform.models import DevAccessToken, DevLineItem, DevScore
from keys.services import jwks, sign_jwt
from lti_tool.models import Platform
from lti_tool.passback import grades_drain
from lti_tool.services_http import SCOPE_LINEITEM, SCOPE_NRPS, SCOPE_SCORE, PlatformClient
from mastery.grades import grade_record_create
from mastery.models import GradeRecord

TOKEN_URL = "http://testserver/dev/platform/token/"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"


def assertion(**overrides) -> str:
    now = int(time.time())
    claims = {
        "iss": "ignite-dev-client",
        "sub": "ignite-dev-client",
        "aud": TOKEN_URL,
        "iat": now,
        "exp": now + 300,
        "jti": uuid.uuid4().hex,
    }
    claims.update(overrides)
    return sign_jwt(claims)


def token_request(client, scope=SCOPE_SCORE, **fields):
    data = {
        "grant_type": "client_credentials",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion(),
        "scope": scope,
    }
    data.update(fields)
    return client.post("/dev/platform/token/", data)


def bearer(client, scope=SCOPE_SCORE) -> dict:
    response = token_request(client, scope)
    assert response.status_code == 200, response.content
    return {"HTTP_AUTHORIZATION": f"Bearer {response.json()['access_token']}"}


@pytest.mark.django_db
def test_token_granted_for_a_signed_assertion_only_for_known_scopes(client):
    response = token_request(client, scope=f"{SCOPE_SCORE} https://example.com/admin")
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] > 0
    assert body["scope"] == SCOPE_SCORE
    assert response["Cache-Control"] == "no-store"
    assert DevAccessToken.objects.count() == 1
    assert body["access_token"] not in DevAccessToken.objects.get().digest


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "status", "error"),
    [
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"client_assertion_type": "basic"}, 401, "invalid_client"),
        ({"client_assertion": "not-a-jwt"}, 401, "invalid_client"),
        ({"scope": "https://example.com/other"}, 400, "invalid_scope"),
    ],
)
def test_token_refusals(client, fields, status, error):
    response = token_request(client, **fields)
    assert response.status_code == status
    assert response.json()["error"] == error
    assert DevAccessToken.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    "claims",
    [{"aud": "http://elsewhere/token"}, {"iss": "another-client"}, {"exp": int(time.time()) - 600}],
)
def test_token_refuses_assertions_with_wrong_claims(client, claims):
    response = token_request(client, client_assertion=assertion(**claims))
    assert response.status_code == 401


@pytest.mark.django_db
def test_token_refuses_an_assertion_signed_by_another_key(client):

    kid = jwks()["keys"][0]["kid"]
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    forged = jwt.encode(
        {
            "iss": "ignite-dev-client",
            "sub": "ignite-dev-client",
            "aud": TOKEN_URL,
            "iat": now,
            "exp": now + 60,
            "jti": "x",
        },
        other,
        algorithm="RS256",
        headers={"kid": kid},
    )
    assert token_request(client, client_assertion=forged).status_code == 401


@pytest.mark.django_db
def test_token_refuses_a_replayed_assertion(client):
    once = assertion()
    assert token_request(client, client_assertion=once).status_code == 200
    assert token_request(client, client_assertion=once).status_code == 401


def _item(course="bl-fall", **kw) -> DevLineItem:
    values = {"label": "Mastery", "score_maximum": 100}
    values.update(kw)
    return DevLineItem.objects.create(course_id=course, **values)


def _score(**overrides) -> dict:
    body = {
        "userId": "dev-maya",
        "scoreGiven": 8,
        "scoreMaximum": 10,
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
        "timestamp": "2026-11-22T10:00:00.000+00:00",
        "comment": "Well done",
    }
    body.update(overrides)
    return body


def post_score(client, item, body, headers):
    return client.post(
        f"/dev/platform/ags/{item.course_id}/lineitems/{item.pk}/scores",
        body,
        content_type=SCORE_TYPE,
        **headers,
    )


@pytest.mark.django_db
def test_scores_need_a_token_with_the_score_scope(client):
    item = _item()
    assert post_score(client, item, _score(), {}).status_code == 401
    lineitem_only = bearer(client, SCOPE_LINEITEM)
    assert post_score(client, item, _score(), lineitem_only).status_code == 401
    services.tokens_expire_all()
    expired = {"HTTP_AUTHORIZATION": lineitem_only["HTTP_AUTHORIZATION"]}
    assert post_score(client, item, _score(), expired).status_code == 401
    assert post_score(client, item, _score(), bearer(client)).status_code == 200
    assert DevScore.objects.get().score_given == 8


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"userId": "dev-nobody"}, "not a member"),
        ({"gradingProgress": "Done"}, "gradingProgress"),
        ({"activityProgress": None}, "activityProgress"),
        ({"timestamp": "2026-11-22T10:00:00"}, "time zone"),
        ({"scoreGiven": -1}, "scoreGiven"),
        ({"scoreMaximum": 0}, "scoreMaximum"),
    ],
)
def test_malformed_scores_are_refused_with_the_reason(client, override, message):
    item = _item()
    response = post_score(client, item, _score(**override), bearer(client))
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert DevScore.objects.count() == 0


@pytest.mark.django_db
def test_an_older_score_never_replaces_a_newer_one(client):
    item, headers = _item(), bearer(client)
    post_score(client, item, _score(scoreGiven=9, timestamp="2026-11-22T10:00:05+00:00"), headers)
    post_score(client, item, _score(scoreGiven=4, timestamp="2026-11-22T10:00:01+00:00"), headers)
    row = DevScore.objects.get()
    assert (row.score_given, row.stale_ignored, row.times_received) == (9, 1, 1)
    post_score(client, item, _score(scoreGiven=10, timestamp="2026-11-22T10:00:09Z"), headers)
    row.refresh_from_db()
    assert (row.score_given, row.times_received) == (10, 2)


@pytest.mark.django_db
@pytest.mark.parametrize("pending", ["Pending", "PendingManual", "NotReady", "Failed"])
def test_the_gradebook_shows_only_fully_graded_as_a_final_grade(client, pending):
    item, headers = _item(), bearer(client)
    body = _score(gradingProgress=pending, activityProgress="Submitted", comment="Revise, please")
    body["scoreGiven"] = 3  # a platform ignores it unless FullyGraded (Canvas does the same)
    post_score(client, item, body, headers)
    html = client.get("/dev/platform/gradebook/").content.decode()
    row = html.split('data-testid="gradebook-score"')[1].split("</tr>")[0]
    assert 'data-final="false"' in row and "Not yet graded" in row and "3.0 /" not in row
    assert "Revise, please" in row
    final = _score(timestamp="2026-11-22T10:00:09Z")
    post_score(client, item, final, headers)
    html = client.get("/dev/platform/gradebook/").content.decode()
    row = html.split('data-testid="gradebook-score"')[1].split("</tr>")[0]
    assert 'data-final="true"' in row and "8.0 / 10.0" in row and "Not yet graded" not in row


@pytest.mark.django_db
def test_lineitems_are_created_filtered_and_paged(client):
    headers = bearer(client, SCOPE_LINEITEM)
    url = "/dev/platform/ags/bl-fall/lineitems/"
    for n in range(5):
        response = client.post(
            url,
            {
                "label": f"Item {n}",
                "scoreMaximum": 10,
                "resourceLinkId": "bl-models",
                "tag": f"t{n % 2}",
            },
            content_type="application/vnd.ims.lis.v2.lineitem+json",
            **headers,
        )
        assert response.status_code == 201
    assert (
        client.post(url, {"label": ""}, content_type="application/json", **headers).status_code
        == 400
    )
    seen, page_url = [], url + "?limit=2"
    while page_url:
        response = client.get(page_url, **headers)
        assert response["Content-Type"] == "application/vnd.ims.lis.v2.lineitemcontainer+json"
        seen += [item["label"] for item in response.json()]
        link = response.get("Link", "")
        page_url = link[1 : link.index(">")] if 'rel="next"' in link else ""
    assert seen == [f"Item {n}" for n in range(5)]
    tagged = client.get(url, {"tag": "t1", "resource_link_id": "bl-models"}, **headers).json()
    assert [item["label"] for item in tagged] == ["Item 1", "Item 3"]
    assert client.get(url, {"tag": "t1"}).status_code == 401


@pytest.mark.django_db
def test_roster_is_paged_and_marks_inactive_members(client):
    headers = bearer(client, SCOPE_NRPS)
    url = "/dev/platform/nrps/cs-spring/memberships/?limit=3"
    members = []
    while url:
        response = client.get(url, **headers)
        assert response.status_code == 200
        assert (
            response["Content-Type"] == "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
        )
        members += response.json()["members"]
        link = response.get("Link", "")
        url = link[1 : link.index(">")] if 'rel="next"' in link else ""
    assert [m["user_id"] for m in members] == ["dev-maya", "dev-amara", "dev-jordan", "dev-priya"]
    assert {m["user_id"]: m["status"] for m in members}["dev-jordan"] == "Inactive"
    assert client.get("/dev/platform/nrps/cs-spring/memberships/").status_code == 401
    assert client.get("/dev/platform/nrps/nope/memberships/", **headers).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_tool_delivers_a_grade_to_the_dev_gradebook_over_http(dev_browser, client):
    """A real launch through the dev platform, then the outbox delivers over loopback HTTP:
    token, line item found-or-created by resource link, score; the gradebook page shows it."""

    dev_browser.launch("maya", "bl-fall:bl-models")
    participant = Participant.objects.get(name="Maya Alvarez")
    placement = Placement.objects.get(module_slug="blended-models")
    grade_record_create(
        participant=participant,
        placement=placement,
        score_given=7,
        score_maximum=8,
        comment="7 of 8 correct: mastered",
    )
    grade_record_create(
        participant=participant, placement=placement, score_given=8, score_maximum=8
    )
    grades_drain()
    statuses = sorted(GradeRecord.objects.values_list("score_given", "status"))
    assert statuses == [(7, GradeRecord.Status.SUPERSEDED), (8, GradeRecord.Status.DELIVERED)]
    item = DevLineItem.objects.get()
    assert (item.course_id, item.resource_link_id, item.tag) == ("bl-fall", "bl-models", "mastery")
    score = DevScore.objects.get(line_item=item)
    assert (score.user_id, score.score_given, score.score_maximum) == ("dev-maya", 8, 8)
    assert DevAccessToken.objects.count() == 1
    page = dev_browser.get("/dev/platform/gradebook/")
    assert b"dev-maya" in page.content and b"8.0 / 8.0" in page.content


@pytest.mark.django_db(transaction=True)
def test_tool_reads_the_roster_through_nrps_over_http(dev_browser):
    dev_browser.launch("priya", "cs-spring:cs-ct")
    platform = Platform.objects.get(client_id="ignite-dev-client")
    membership = Membership.objects.get(participant__name="Dr. Priya Raman")
    url = membership.cohort.lti_context.memberships_url
    members = []
    for page in PlatformClient(platform).get_pages(
        url + "?limit=2",
        (SCOPE_NRPS,),
        accept="application/vnd.ims.lti-nrps.v2.membershipcontainer+json",
        what="roster",
    ):
        members += page["members"]
    assert len(members) == 4
