"""The trainer dashboard: states per teacher and module, behind schedule, item analysis, the
chart, CSV export, filters and due dates; role and tenant checks on every trainer URL."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from courses.models import Cohort, Membership, Participant, Placement
from mastery.models import Attempt
from tests.mastery.test_attempts import right_answers

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


def take_check(teacher, pid, *, all_right=True):
    start = teacher.post(f"/app/p/{pid}/mastery/")
    number = int(re.search(r"/mastery/(\d+)/", start["Location"]).group(1))
    attempt = Attempt.objects.get(
        placement_id=pid, number=number, participant__lti_user__sub=teacher.sub
    )
    wrong = set() if all_right else set(attempt.question_ids)
    teacher.post(f"/app/p/{pid}/mastery/{number}/", right_answers(attempt, wrong=wrong))


@pytest.fixture
def cohort(launch_as, placement_of):
    maya = launch_as(sub="maya", name="Maya Alvarez")
    maya.sub = "maya"
    jordan = launch_as(sub="jordan", name="Jordan O'Neil")
    jordan.sub = "jordan"
    pid = placement_of().pk
    for slug in ("first", "second"):
        maya.post(f"/app/p/{pid}/lessons/{slug}/complete/")
    take_check(maya, pid)
    jordan.get(f"/app/p/{pid}/lessons/first/")
    never = Participant.objects.create(name='=HYPERLINK("http://evil")', email="x@d.example")
    Membership.objects.create(participant=never, cohort=placement_of().cohort, role="teacher")
    trainer = launch_as(sub="priya", name="Priya Raman", roles=[INSTRUCTOR])
    return {"pid": pid, "maya": maya, "jordan": jordan, "trainer": trainer}


def states(html: str) -> dict[str, str]:
    rows = re.findall(r'<th scope="row">([^<]+).*?data-state="([a-z_]+)"', html, re.S)
    return {name.strip(): state for name, state in rows}


def test_dashboard_shows_each_teachers_state(cohort):
    html = cohort["trainer"].get("/app/trainer/").content.decode()
    assert states(html) == {
        "Maya Alvarez": "mastered",
        "Jordan O&#x27;Neil": "in_progress",
        "=HYPERLINK(&quot;http://evil&quot;)": "not_started",
    }
    assert re.search(r"Mastered<span[^>]*>[^<]*</span></a> · 100%", html)
    assert "2/2 lessons" in html
    assert 'data-testid="mastery-chart"' in html and '<title id="chart-title">' in html
    assert "90–100%: 1" in html  # the chart's text alternative
    assert html.count('data-testid="item-row"') == 2  # two questions asked in one attempt


def test_filters_and_search(cohort):
    trainer = cohort["trainer"]
    html = trainer.client.get("/app/trainer/", {"lt": trainer.lt, "q": "jord"}).content.decode()
    assert list(states(html)) == ["Jordan O&#x27;Neil"]
    html = trainer.client.get("/app/trainer/", {"lt": trainer.lt, "state": "mastered"}).content
    assert list(states(html.decode())) == ["Maya Alvarez"]


def test_due_date_marks_who_is_behind(cohort):
    trainer, pid = cohort["trainer"], cohort["pid"]
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = trainer.post("/app/trainer/due/", {"placement": pid, "due": yesterday})
    assert response.status_code == 303
    assert Placement.objects.get(pk=pid).due_at.date().isoformat() == yesterday
    html = trainer.client.get("/app/trainer/", {"lt": trainer.lt, "state": "behind"}).content
    assert set(states(html.decode())) == {
        "Jordan O&#x27;Neil",
        "=HYPERLINK(&quot;http://evil&quot;)",
    }
    assert trainer.post("/app/trainer/due/", {"placement": pid, "due": "31/12"}).status_code == 400


def test_needs_review_after_the_last_attempt(cohort, placement_of):
    placement = placement_of()
    placement.mastery_policy = {"max_attempts": 1}
    placement.save()
    take_check(cohort["jordan"], cohort["pid"], all_right=False)
    html = cohort["trainer"].get("/app/trainer/").content.decode()
    assert states(html)["Jordan O&#x27;Neil"] == "needs_review"


def test_csv_export_is_the_same_table_and_safe_in_spreadsheets(cohort):
    response = cohort["trainer"].get("/app/trainer/export.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:2] == ["Name", "Email"] and rows[0][5] == "A demo module: status"
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["Maya Alvarez"][5:7] == ["Mastered", "100%"]
    assert '\'=HYPERLINK("http://evil")' in by_name  # never a live formula


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/app/trainer/"),
        ("get", "/app/trainer/export.csv"),
        ("post", "/app/trainer/due/"),
        ("post", "/app/trainer/grades/retry/"),
    ],
)
def test_teachers_get_403_on_every_trainer_url(cohort, method, path):
    teacher = cohort["maya"]
    response = getattr(teacher, method)(path) if method == "get" else teacher.post(path, {"all": 1})
    assert response.status_code == 403


def test_a_trainer_of_another_course_sees_and_changes_nothing_here(cohort, launch_as):
    other = launch_as(sub="chris", name="Chris", roles=[INSTRUCTOR], link="l-9", context="c-9")
    html = other.get("/app/trainer/").content.decode()
    assert "Maya Alvarez" not in html
    assert "Maya Alvarez" not in other.get("/app/trainer/export.csv").content.decode()
    response = other.post("/app/trainer/due/", {"placement": cohort["pid"], "due": "2030-01-01"})
    assert response.status_code == 404
    assert Placement.objects.get(pk=cohort["pid"]).due_at is None
    assert Cohort.objects.count() == 2
