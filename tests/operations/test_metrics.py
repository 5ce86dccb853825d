"""/metrics: protected, and counting what lti_tool reports (launch rejections, deliveries,
roster syncs) and the outbox."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from courses.models import Cohort, Participant, Placement
from lti_tool.models import Deployment, LtiContext, Platform
from lti_tool.passback import grades_drain
from lti_tool.roster import roster_sync
from lti_tool.services_http import ServiceError
from mastery import grades

pytestmark = pytest.mark.django_db
PUBLIC = {"REMOTE_ADDR": "203.0.113.9"}


def sample(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def scrape(client) -> dict[tuple[str, tuple], float]:
    """What a Prometheus server reads from /metrics, parsed."""
    response = client.get("/metrics")
    assert response.status_code == 200
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.content.decode())
        for s in family.samples
    }


def test_metrics_refused_to_the_public_and_to_a_wrong_token(client, settings):
    assert client.get("/metrics", **PUBLIC).status_code == 403
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 403
    settings.IGNITE_OPS_TOKEN = "tok"
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer nope", **PUBLIC).status_code == 403
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer tok", **PUBLIC)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")


def test_a_refused_login_is_counted_by_its_check(client):
    before = sample("ignite_lti_launch_rejections_total", check="registration")
    response = client.post(
        "/lti/login/",
        {
            "iss": "https://unknown.example",
            "login_hint": "u",
            "target_link_uri": "http://testserver/app/",
            "client_id": "nope",
        },
    )
    assert response.status_code == 403
    assert sample("ignite_lti_launch_rejections_total", check="registration") == before + 1
    seen = scrape(client)
    assert seen[("ignite_lti_launch_rejections_total", (("check", "registration"),))] >= 1


def test_requests_are_counted_by_view_and_status(client):
    before = sample(
        "ignite_http_requests_total", method="GET", view="credential-issuer", status="200"
    )
    assert client.get("/credentials/issuer.json").status_code == 200
    after = sample(
        "ignite_http_requests_total", method="GET", view="credential-issuer", status="200"
    )
    assert after == before + 1


def test_deliveries_by_outcome_and_the_outbox_depth(client):
    cohort = Cohort.objects.create(title="C")
    placement = Placement.objects.create(cohort=cohort, title="P")  # no LMS link: no gradebook
    grades.grade_record_create(
        participant=Participant.objects.create(name="T"),
        placement=placement,
        score_given=80,
        score_maximum=100,
    )
    seen = scrape(client)
    assert seen[("ignite_grade_outbox_depth", (("status", "pending"),))] == 1
    assert seen[("ignite_grade_outbox_oldest_age_seconds", ())] > 0
    before = sample("ignite_grade_deliveries_total", outcome="no_gradebook")
    assert grades_drain() == {"no_gradebook": 1}
    assert sample("ignite_grade_deliveries_total", outcome="no_gradebook") == before + 1
    seen = scrape(client)
    assert seen[("ignite_grade_outbox_depth", (("status", "pending"),))] == 0
    assert seen[("ignite_grade_outbox_oldest_age_seconds", ())] == 0


def test_roster_syncs_by_outcome(monkeypatch):
    platform = Platform.objects.create(
        issuer="https://lms.example",
        client_id="c",
        auth_login_url="https://lms.example/login",
        auth_token_url="https://lms.example/token",
        keyset_url="https://lms.example/jwks",
    )
    deployment = Deployment.objects.create(platform=platform, deployment_id="d")
    context = LtiContext.objects.create(
        deployment=deployment,
        context_id="x",
        cohort=Cohort.objects.create(title="C"),
        memberships_url="https://lms.example/members",
    )

    def unreachable(*args, **kwargs):
        raise ServiceError("the LMS did not answer", permanent=False)

    monkeypatch.setattr("lti_tool.roster.roster_fetch", unreachable)
    before = sample("ignite_roster_syncs_total", outcome="error")
    assert roster_sync(context, force=True).error
    assert sample("ignite_roster_syncs_total", outcome="error") == before + 1

    monkeypatch.setattr("lti_tool.roster.roster_fetch", lambda *a, **k: [])
    before = sample("ignite_roster_syncs_total", outcome="ok")
    assert not roster_sync(context, force=True).error
    assert sample("ignite_roster_syncs_total", outcome="ok") == before + 1
