"""Trainers see their cohort's failed grade deliveries and send them again; nobody else can."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from courses.models import Participant, Placement
from mastery.grades import grade_record_create
from mastery.models import GradeRecord

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


def launched(lti, client, *, sub, role, context="course-1", link="link-1"):
    response = lti.launch(
        sub=sub,
        name=sub.title(),
        **{
            LTI + "roles": [role],
            LTI + "context": {"id": context, "title": context},
            LTI + "resource_link": {"id": link, "title": "Link"},
        },
    )
    assert response.status_code == 303
    return parse_qs(urlsplit(response["Location"]).query)["lt"][0]


@pytest.fixture
def failed_grade(lti, client):
    launched(lti, client, sub="maya", role=LEARNER)
    record = grade_record_create(
        participant=Participant.objects.get(name="Maya"),
        placement=Placement.objects.get(lti_link__resource_link_id="link-1"),
        score_given=75,
        score_maximum=100,
    )
    GradeRecord.objects.filter(pk=record.pk).update(
        status=GradeRecord.Status.FAILED, last_error="404 line item deleted", attempts=3
    )
    return record


def post(client, path, lt, **data):
    return client.post(path, {"lt": lt, **data}, HTTP_ORIGIN="http://testserver")


def test_trainer_sees_failed_deliveries_and_resends_one(lti, client, failed_grade):
    lt = launched(lti, client, sub="priya", role=INSTRUCTOR)
    page = client.get("/app/trainer/", {"lt": lt}).content.decode()
    assert 'data-testid="failed-grade"' in page and "404 line item deleted" in page
    response = post(client, "/app/trainer/grades/retry/", lt, grade=failed_grade.pk)
    assert response.status_code == 303 and "retried=1" in response["Location"]
    failed_grade.refresh_from_db()
    assert failed_grade.status == GradeRecord.Status.PENDING and failed_grade.attempts == 0


def test_trainer_resends_all(lti, client, failed_grade):
    lt = launched(lti, client, sub="priya", role=INSTRUCTOR)
    assert "retried=1" in post(client, "/app/trainer/grades/retry/", lt, all="1")["Location"]


def test_teacher_cannot_resend(lti, client, failed_grade):
    lt = launched(lti, client, sub="jordan", role=LEARNER)
    assert post(client, "/app/trainer/grades/retry/", lt, all="1").status_code == 403
    assert client.get("/app/trainer/", {"lt": lt}).status_code == 403
    failed_grade.refresh_from_db()
    assert failed_grade.status == GradeRecord.Status.FAILED


def test_trainer_of_another_cohort_cannot_resend(lti, client, failed_grade):
    lt = launched(lti, client, sub="chris", role=INSTRUCTOR, context="course-2", link="link-2")
    response = post(client, "/app/trainer/grades/retry/", lt, grade=failed_grade.pk)
    assert "retried=0" in response["Location"]
    assert "404 line item deleted" not in client.get("/app/trainer/", {"lt": lt}).content.decode()
    failed_grade.refresh_from_db()
    assert failed_grade.status == GradeRecord.Status.FAILED


def test_bad_grade_id_is_a_clear_400(lti, client, failed_grade):
    lt = launched(lti, client, sub="priya", role=INSTRUCTOR)
    assert post(client, "/app/trainer/grades/retry/", lt, grade="abc").status_code == 400
