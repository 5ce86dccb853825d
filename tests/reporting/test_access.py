"""Who reaches the program view: leads of this platform, nobody else (teachers, trainers, LMS
administrators, a lead of another platform), on every new URL; and the security sweeps."""

from __future__ import annotations

import pytest
from django.test import Client

from courses.models import Cohort
from reporting.models import LeadDeadline
from tests.conftest import LtiClient
from tests.courses.conftest import another_platform

from .conftest import ADMIN, INSTRUCTOR, launch

pytestmark = pytest.mark.django_db
BASE = "/app/program/demo-program/"


@pytest.fixture
def world(lti, demo_pack, name_lead, client, jwks_server, platform_private_key):
    teacher = launch(lti, sub="maya", email="maya@d.example", school="<b>Lincoln</b>")
    trainer = launch(lti, sub="priya", email="priya@d.example", roles=[INSTRUCTOR, ADMIN])
    cohort = Cohort.objects.get(lti_context__context_id="course-1")
    other = another_platform(jwks_server)
    # Dana leads the program on the other platform only; she also has a place on this one.
    name_lead(sub="dana", on=other)
    other_lti = LtiClient(client, other, platform_private_key)
    other_lead = launch(other_lti, sub="dana", email="dana@d.example", context="other-course")
    dana_here = launch(lti, sub="dana", email="dana@d.example", context="lead-home", module=None)
    name_lead(sub="lee")
    lead = launch(lti, sub="lee", email="lee@d.example", context="lead-home", module=None)
    return {
        "teacher": teacher,
        "trainer": trainer,
        "other_lead": other_lead,
        "dana_here": dana_here,
        "lead": lead,
        "cohort": cohort,
    }


def _urls(world) -> list[str]:
    cid = world["cohort"].pk
    return [
        "/app/program/",
        BASE,
        BASE + "export/cohorts.csv",
        BASE + "export/behind.csv",
        BASE + f"cohorts/{cid}/",
    ]


def test_the_lead_reaches_every_url(world):
    for url in _urls(world):
        assert world["lead"].get(url).status_code in (200, 302), url


@pytest.mark.parametrize("who", ["teacher", "trainer", "dana_here"])
def test_everyone_else_gets_403(world, who):
    for url in _urls(world):
        assert world[who].get(url).status_code == 403, (who, url)
    assert world[who].post(BASE + "deadline/", {"deadline": "2030-01-01"}).status_code == 403
    assert not LeadDeadline.objects.exists()


def test_a_lead_of_another_platform_sees_none_of_this_one(world):
    other = world["other_lead"]
    report = other.get(BASE).context["report"]
    # Her platform's course only; not this platform's course-1 with the same module.
    assert [row.label for row in report.cohorts] == ["Cohort other-course"]
    assert other.get(BASE + f"cohorts/{world['cohort'].pk}/").status_code == 404
    assert other.get(BASE + "cohorts/99999999999/").status_code == 404


def test_without_a_launch_nothing_opens(world):
    for url in _urls(world):
        assert Client().get(url).status_code == 401, url


def test_bad_input_gets_4xx_never_500(world):
    lead = world["lead"]
    assert lead.get("/app/program/not-mine/").status_code == 404
    assert lead.get(BASE + "export/secrets.csv").status_code == 404
    assert lead.get(BASE + "deadline/").status_code == 405
    assert lead.post(BASE + "deadline/", {"deadline": "2030-02-31"}).status_code == 400
    assert lead.post(BASE + "deadline/", {"deadline": "x" * 5000}).status_code == 400


def test_the_deadline_form_refuses_another_origin(world):
    lead = world["lead"]
    refused = lead.post(
        BASE + "deadline/", {"deadline": "2030-01-01"}, HTTP_ORIGIN="https://evil.example"
    )
    assert refused.status_code == 403
    assert not LeadDeadline.objects.exists()


def test_names_are_escaped(world):
    html = world["lead"].get(BASE).content.decode()
    assert "<b>Lincoln</b>" not in html and "&lt;b&gt;Lincoln&lt;/b&gt;" in html


def test_security_headers(world):
    response = world["lead"].get(BASE)
    assert "frame-ancestors" in response["Content-Security-Policy"]
    csv_response = world["lead"].get(BASE + "export/cohorts.csv")
    assert csv_response["X-Content-Type-Options"] == "nosniff"
