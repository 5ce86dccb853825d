"""The program view and its exports read a fixed number of queries however many cohorts the
program has: counted at 2 cohorts and at 20 (devplatform/demo_program.py builds them)."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.models import Membership, Participant, Role
from devplatform.demo_program import demo_program_build
from reporting.rollups import rollups_refresh

from .conftest import launch

pytestmark = pytest.mark.django_db
BASE = "/app/program/district-plan/"


def _count(person, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = person.get(url)
    assert response.status_code == 200, url
    # The database cache (the handoff code) culls now and then: not the page's reads.
    return sum(1 for q in queries.captured_queries if "ignite_cache" not in q["sql"])


def test_constant_queries_from_2_to_20_cohorts(lti, platform, name_lead, settings):
    settings.IGNITE_PROGRAM_VIEW_MAX_AGE = 0  # every page reads and sums: count those reads
    demo_program_build(teachers=8, cohorts=2, modules=3, platform=platform, seed=1)
    name_lead(sub="lee", program="district-plan")
    lead = launch(lti, sub="lee", email="lee@d.example", context="lead-home", module=None)
    lead.get(BASE)  # reads this process's copy of the platform's leads (reporting/leads.py) once
    urls = [BASE, BASE + "export/cohorts.csv", BASE + "export/behind.csv"]
    small = {url: _count(lead, url) for url in urls}
    report = lead.get(BASE).context["report"]
    assert len(report.cohorts) == 2 and report.pairs.enrolled == 8 * 3

    demo_program_build(teachers=150, cohorts=18, modules=3, platform=platform, seed=2)
    large = {url: _count(lead, url) for url in urls}
    report = lead.get(BASE).context["report"]
    assert len(report.cohorts) == 20 and report.pairs.enrolled == (8 + 150) * 3
    assert large == small
    assert small[BASE] <= 25


def test_the_read_only_dashboard_does_not_grow_with_the_cohort(lti, platform, name_lead):
    demo_program_build(teachers=4, cohorts=1, modules=3, platform=platform, seed=3)
    name_lead(sub="lee", program="district-plan")
    lead = launch(lti, sub="lee", email="lee@d.example", context="lead-home", module=None)
    cohort_id = lead.get(BASE).context["report"].cohorts[0].cohort_id
    url = BASE + f"cohorts/{cohort_id}/"
    small = _count(lead, url)
    # Forty more teachers in the same course.
    people = Participant.objects.bulk_create(Participant(name=f"T{i}") for i in range(40))
    Membership.objects.bulk_create(
        Membership(participant=p, cohort_id=cohort_id, role=Role.TEACHER) for p in people
    )
    assert _count(lead, url) == small


def test_the_worker_computes_ahead_and_pages_read_the_cache(lti, platform, name_lead, settings):
    settings.IGNITE_PROGRAM_VIEW_MAX_AGE = 1
    demo_program_build(teachers=8, cohorts=2, modules=3, platform=platform, seed=4)
    name_lead(sub="lee", program="district-plan")
    lead = launch(lti, sub="lee", email="lee@d.example", context="lead-home", module=None)
    reading = _count(lead, BASE)
    cached = _count(lead, BASE)
    assert cached < reading - 8  # none of the program's grouped reads
    assert lead.get(BASE).context["report"].pairs.enrolled == 8 * 3
    demo_program_build(teachers=10, cohorts=1, modules=3, platform=platform, seed=5)
    # Until the worker refreshes, the page shows the figures it read, and says when.
    assert lead.get(BASE).context["report"].pairs.enrolled == 8 * 3
    time.sleep(1.1)
    assert rollups_refresh() == 1
    assert lead.get(BASE).context["report"].pairs.enrolled == 18 * 3
    assert rollups_refresh() == 0  # fresh: nothing to do
