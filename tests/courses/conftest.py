from __future__ import annotations

from io import StringIO
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command

from courses.models import Placement
from lti_tool.models import Deployment, Platform
from tests.conftest import DEPLOYMENT_ID, LtiClient

from .packs import write_pack

LTI = "https://purl.imsglobal.org/spec/lti/claim/"


@pytest.fixture
def demo_pack(tmp_path, db):
    program = write_pack(tmp_path / "packs")
    call_command("import_content", str(program), stdout=StringIO())
    return program


class Teacher:
    """A launched person: their launch token, and helpers to use the tool as them."""

    def __init__(self, lti, client, response):
        assert response.status_code == 303, response.content
        self.client = client
        self.landing = response["Location"]
        self.lt = parse_qs(urlsplit(self.landing).query)["lt"][0]

    def get(self, path, **extra):
        return self.client.get(path, {"lt": self.lt}, **extra)

    def post(self, path, data=None, **extra):
        """A form post as a browser sends it: with this page's Origin."""
        extra.setdefault("HTTP_ORIGIN", "http://testserver")
        return self.client.post(path, {"lt": self.lt, **(data or {})}, **extra)


INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


def another_platform(jwks_server) -> Platform:
    """A second LMS (another tenant) with the test deployment id, signing with the test key."""
    other = Platform.objects.create(
        name="Other LMS",
        issuer="https://other-lms.example",
        client_id="other-client",
        auth_login_url="https://other-lms.example/auth",
        auth_token_url="https://other-lms.example/token",
        keyset_url=jwks_server.url,
    )
    Deployment.objects.create(platform=other, deployment_id=DEPLOYMENT_ID)
    return other


def launch_on_another_platform(
    client, jwks_server, platform_private_key, *, sub: str, name: str, roles=None
) -> Teacher:
    """Someone in the same LMS course and link ids on another platform: another tenant's
    cohort, which must see nothing of this one."""
    other_lti = LtiClient(client, another_platform(jwks_server), platform_private_key)
    claims = {
        LTI + "resource_link": {"id": "link-1", "title": "Demo link"},
        LTI + "context": {"id": "course-1", "title": "Cohort", "label": "course-1"},
        LTI + "custom": {"module": "demo-module"},
    }
    if roles:
        claims[LTI + "roles"] = roles
    return Teacher(other_lti, client, other_lti.launch(sub=sub, name=name, **claims))


def trainer_on_another_platform(client, jwks_server, platform_private_key) -> Teacher:
    """A trainer on another platform (see `launch_on_another_platform`)."""
    return launch_on_another_platform(
        client,
        jwks_server,
        platform_private_key,
        sub="priya",
        name="Priya elsewhere",
        roles=[INSTRUCTOR],
    )


@pytest.fixture
def launch_as(lti, client, demo_pack):
    def launch(
        sub="teacher-1",
        name="Maya Alvarez",
        link="link-1",
        module="demo-module",
        context="course-1",
        roles=None,
        email=None,
    ):
        claims = {
            "sub": sub,
            "name": name,
            **({"email": email} if email else {}),
            LTI + "resource_link": {"id": link, "title": "Demo link"},
            LTI + "context": {"id": context, "title": f"Cohort {context}", "label": context},
        }
        if module:
            claims[LTI + "custom"] = {"module": module}
        if roles:
            claims[LTI + "roles"] = roles
        return Teacher(lti, client, lti.launch(**claims))

    return launch


@pytest.fixture
def placement_of():
    def find(link="link-1") -> Placement:
        return Placement.objects.get(lti_link__resource_link_id=link)

    return find
