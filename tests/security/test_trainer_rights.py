"""Trainer rights come from course (membership) roles only, and only while they still hold.

Findings 1 and 4 of the security test: a launch with `membership#Learner` plus an institution
role got the trainer dashboard, and a trainer's token kept trainer rights after its owner had
relaunched as a learner.
"""

from __future__ import annotations

import pytest

from courses.models import Membership
from mastery.models import EvidenceSubmission

from .conftest import ACCOUNT_ROLE_CLASSMATES, INSTRUCTOR, I, M, S

TRAINER_PAGES = ["/app/trainer/", "/app/trainer/export.csv"]


def trainer_posts(world):
    return [
        (f"/app/trainer/evidence/{world['evidence']}/", {"decision": "accept", "feedback": "ok"}),
        ("/app/trainer/due/", {"placement": world["pid"], "due": "2030-01-01"}),
        ("/app/trainer/grades/retry/", {"all": "1"}),
    ]


@pytest.mark.parametrize("who", sorted(ACCOUNT_ROLE_CLASSMATES))
def test_institution_and_system_roles_open_no_trainer_page(world, who):
    person = world[who]
    for url in TRAINER_PAGES:
        assert person.get(url).status_code == 403, url
    for url, data in trainer_posts(world):
        assert person.post(url, data).status_code == 403, url
    evidence = EvidenceSubmission.objects.get()
    assert evidence.status == "submitted"
    assert Membership.objects.get(participant__name=who).role == "teacher"


def test_the_real_trainer_still_gets_the_dashboard(world):
    assert world["trainer"].get("/app/trainer/").status_code == 200
    assert world["trainer"].get("/app/trainer/export.csv").status_code == 200


@pytest.mark.parametrize(
    "roles",
    [
        [I + "Administrator", S + "SysAdmin", S + "User"],  # Canvas account admin, not enrolled
        [I + "Instructor"],
        ["urn:lti:role:unknown"],
    ],
)
def test_a_launch_without_a_course_role_gets_a_plain_page(launch_as, roles):
    admin = launch_as(sub="lms-admin", name="Ada Admin", roles=roles)
    for url in ["/app/", "/app/trainer/", "/app/modules/"]:
        response = admin.get(url)
        assert response.status_code == 403, url
        if url != "/app/trainer/":
            assert b"no role in this course" in response.content
            assert b"teaching assistant" in response.content


def test_a_trainer_token_loses_its_rights_when_the_person_relaunches_as_learner(launch_as):
    old = launch_as(sub="flip", name="Flo", roles=[INSTRUCTOR])
    assert old.get("/app/trainer/").status_code == 200
    launch_as(sub="flip", name="Flo", roles=[M + "Learner"])  # demoted in the LMS
    assert old.get("/app/trainer/").status_code == 403
    assert old.get("/app/trainer/export.csv").status_code == 403
    assert old.post("/app/trainer/grades/retry/", {"all": "1"}).status_code == 403
    launch_as(sub="flip", name="Flo", roles=[INSTRUCTOR])  # promoted again: the old token works
    assert old.get("/app/trainer/").status_code == 200


def test_a_trainer_token_loses_its_rights_when_the_roster_marks_them_inactive(launch_as):
    trainer = launch_as(sub="gone", name="Gus", roles=[INSTRUCTOR])
    assert trainer.get("/app/trainer/").status_code == 200
    Membership.objects.filter(participant__name="Gus").update(status=Membership.Status.INACTIVE)
    assert trainer.get("/app/trainer/").status_code == 403


def test_a_demoted_trainer_cannot_open_another_teachers_evidence_file(world, launch_as):
    url = f"/app/evidence/{world['evidence']}/file/"
    assert world["trainer"].get(url).status_code == 200
    launch_as(sub="a-trainer", name="Tess Trainer", roles=[M + "Learner"])
    assert world["trainer"].get(url).status_code == 404
