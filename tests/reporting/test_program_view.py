"""The program view's numbers, filters, deadline and exports, on a small program built through
real launches (tests/reporting/test_query_counts.py checks the same page at scale)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from courses.models import ModuleVersion, Participant, Placement
from mastery.models import Attempt, EvidenceSubmission
from reporting.models import LeadDeadline
from reporting.snapshots import snapshots_take

from .conftest import INSTRUCTOR, launch

pytestmark = pytest.mark.django_db
URL = "/app/program/demo-program/"


@pytest.fixture
def program(lti, demo_pack, name_lead):
    """Maya (Lincoln) opened a lesson; Sam (Adams) did both, mastered, evidence accepted; Priya
    trains the course; Dana leads the program from a course of her own."""
    maya = launch(lti, sub="maya", email="maya@d.example", school="Lincoln Elementary")
    sam = launch(lti, sub="sam", email="sam@d.example", school="Adams High")
    placement = Placement.objects.get(lti_link__resource_link_id="link-1")
    maya.post(f"/app/p/{placement.pk}/lessons/first/complete/")
    for lesson in ("first", "second"):
        sam.post(f"/app/p/{placement.pk}/lessons/{lesson}/complete/")
    version = ModuleVersion.objects.get(module__slug="demo-module")
    sam_person = Participant.objects.get(lti_user__sub="sam")
    Attempt.objects.create(
        participant=sam_person, placement=placement, module_version=version, number=1,
        status=Attempt.Status.SUBMITTED, question_ids=[], seed=1, policy={}, score=90,
        mastered=True, submitted_at=timezone.now(),
    )  # fmt: skip
    EvidenceSubmission.objects.create(
        participant=sam_person, placement=placement, module_version=version,
        status=EvidenceSubmission.Status.ACCEPTED, reviewed_at=timezone.now(),
    )  # fmt: skip
    maya_person = Participant.objects.get(lti_user__sub="maya")
    EvidenceSubmission.objects.create(
        participant=maya_person, placement=placement, module_version=version,
        submitted_at=timezone.now() - timedelta(days=10),
    )  # fmt: skip
    launch(lti, sub="priya", email="priya@d.example", roles=[INSTRUCTOR])
    # The program began a month ago on this platform.
    Placement.objects.update(created_at=timezone.now() - timedelta(days=30))
    name_lead(sub="dana")
    lead = launch(lti, sub="dana", email="dana@d.example", context="lead-home", module=None)
    return {"lead": lead, "maya": maya, "sam": sam, "placement": placement}


def _get(person, path: str, query: dict):
    return person.client.get(path, {"lt": person.lt, **query})


def test_funnel_per_module_and_program(program):
    response = program["lead"].get(URL)
    assert response.status_code == 200
    report = response.context["report"]
    (module, funnel), = report.modules  # fmt: skip
    assert module.slug == "demo-module"
    assert [(k, n) for k, _l, n, _p in funnel.stages()] == [
        ("enrolled", 2), ("started", 2), ("lessons_done", 1), ("mastered", 1),
        ("evidence_accepted", 1), ("credentialed", 0),
    ]  # fmt: skip
    assert (report.funnel.enrolled, report.funnel.mastered) == (2, 1)
    # The lead's own course, where no module of the program is placed, counts for nothing;
    # the trainer is not a teacher.
    assert [row.label for row in report.cohorts] == ["Cohort course-1"]
    assert report.cohorts[0].trainers == ["Priya"]


def test_without_a_deadline_there_is_no_pace_and_a_lead_sets_one(program):
    lead = program["lead"]
    html = lead.get(URL).content.decode()
    assert 'data-testid="no-deadline"' in html
    due = (timezone.localdate() + timedelta(days=30)).isoformat()
    saved = lead.post(URL + "deadline/", {"deadline": due})
    assert saved.status_code == 303
    report = lead.get(URL).context["report"]
    assert report.deadline.isoformat() == due and report.deadline_source == "lead"
    # Half the time from the first placement to the deadline is gone: half the enrolments
    # should be mastered; one of two is.
    assert report.expected == 50 and report.pairs.progress == 50
    assert [t.name for t in report.behind] == ["Maya"]
    # Sam's mastery this week: one a week, one to go, a week from today.
    assert report.weekly_rate == 1
    assert report.projected_finish == timezone.localdate() + timedelta(days=7)
    assert lead.post(URL + "deadline/", {"deadline": "31/07/2027"}).status_code == 400
    lead.post(URL + "deadline/", {"deadline": ""})
    assert not LeadDeadline.objects.exists()


def test_at_risk_lists(program):
    report = program["lead"].get(URL).context["report"]
    assert [r.label for r in report.waiting_cohorts] == ["Cohort course-1"]
    assert report.waiting_cohorts[0].waiting == 1
    assert report.idle_trainers == []  # Priya launched today


def test_school_filter(program):
    lead = program["lead"]
    response = _get(lead, URL, {"school": "Lincoln Elementary"})
    report = response.context["report"]
    assert report.modules[0][1].enrolled == 1 and report.modules[0][1].mastered == 0
    assert [r.label for r in report.schools] == ["Lincoln Elementary"]
    assert report.school_names == ["Adams High", "Lincoln Elementary"]
    # An unknown school shows everything rather than an empty page that looks like data.
    assert _get(lead, URL, {"school": "Nowhere"}).context["report"].funnel.enrolled == 2


def test_sortable_tables(program, lti):
    launch(lti, sub="ola", email="ola@d.example", context="course-2", school="Adams High")
    lead = program["lead"]
    by_progress = _get(lead, URL, {"sort_cohorts": "-progress"}).context["tables"]["cohorts"]
    assert [r.label for r in by_progress["rows"]] == ["Cohort course-1", "Cohort course-2"]
    ascending = _get(lead, URL, {"sort_cohorts": "progress"}).context["tables"]["cohorts"]
    assert [r.label for r in ascending["rows"]] == ["Cohort course-2", "Cohort course-1"]
    assert ascending["headers"][4]["aria"] == "ascending"


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.mark.parametrize(
    "table", ["modules", "cohorts", "trainers", "schools", "behind", "waiting", "idle", "trend"]
)
def test_every_table_exports(program, table):
    rows = _csv(program["lead"].get(URL + f"export/{table}.csv"))
    assert rows[0]  # a header


def test_csv_cells_never_start_a_formula(program):
    lead = program["lead"]
    due = (timezone.localdate() + timedelta(days=30)).isoformat()
    lead.post(URL + "deadline/", {"deadline": due})
    Placement.objects.update(created_at=timezone.now() - timedelta(days=300))
    Participant.objects.filter(lti_user__sub="maya").update(name="=HYPERLINK(1)", school="@x")
    rows = _csv(lead.get(URL + "export/behind.csv"))
    assert rows[1][0] == "'=HYPERLINK(1)" and rows[1][2] == "'@x"


def test_school_filter_applies_to_the_csv(program):
    rows = _csv(_get(program["lead"], URL + "export/schools.csv", {"school": "Adams High"}))
    assert [row[0] for row in rows[1:]] == ["Adams High"]


def test_trainer_dashboard_read_only(program):
    lead = program["lead"]
    report = lead.get(URL).context["report"]
    cohort_id = report.cohorts[0].cohort_id
    page = lead.get(URL + f"cohorts/{cohort_id}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="read-only"' in html
    assert html.count('data-testid="progress-row"') == 2
    assert 'method="post"' not in html


def test_weekly_trend_from_snapshots(program):
    assert snapshots_take() == 1
    assert snapshots_take() == 1  # the same day again: replaced, not added
    response = program["lead"].get(URL)
    (point,) = response.context["report"].trend
    assert (point.enrolled, point.mastered, point.progress) == (2, 1, 50)
    html = response.content.decode()
    assert 'data-testid="trend-chart"' in html and 'data-testid="trend-row"' in html
    assert '<title id="trend-title">' in html
