from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from courses.models import Participant
from tests.courses.conftest import launch_as, placement_of  # noqa: F401

from .packs import write_coaching_pack

INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


@pytest.fixture
def demo_pack(tmp_path, db):
    program = write_coaching_pack(tmp_path / "packs")
    call_command("import_content", str(program), stdout=StringIO())
    return program


@pytest.fixture
def people(launch_as, placement_of, settings, tmp_path):  # noqa: F811
    """Maya (a teacher) and Priya (her trainer, the coach) in cohort A; Theo, another trainer
    of A; Cal, Maya's classmate; Bea, a trainer of cohort B."""
    settings.MEDIA_ROOT = tmp_path / "media"
    teacher = launch_as(sub="maya", name="Maya Alvarez")
    coach = launch_as(sub="priya", name="Priya Raman", roles=[INSTRUCTOR])
    return {
        "teacher": teacher,
        "coach": coach,
        "co_trainer": launch_as(sub="theo", name="Theo Trainer", roles=[INSTRUCTOR]),
        "classmate": launch_as(sub="cal", name="Cal Classmate"),
        "other_trainer": launch_as(
            sub="bea", name="Bea", roles=[INSTRUCTOR], link="b-link", context="b-course"
        ),
        "teacher_id": Participant.objects.get(lti_user__sub="maya").pk,
        "pid": placement_of().pk,
    }


FULL = {
    "observed_on": "2026-11-20",
    "r-clear-goal": "3",
    "r-students-explain": "2",
    "r-quick-check": "none",
    "notes": "09:05 goal posted. Two students explained to partners.",
    "strength_look_for": "clear-goal",
    "strength": "Every student could name the goal.",
    "next_step": "Ask partners to explain before they write.",
    "resource_lesson": "second",
}


def open_cycle(people, **extra) -> int:
    """Priya opens a cycle with Maya; returns its id."""
    response = people["coach"].post(
        "/app/trainer/coaching/new/",
        {
            "teacher": str(people["teacher_id"]),
            "placement": str(people["pid"]),
            "goal": "Students explain their thinking",
            "planned_on": "2026-11-20",
            **extra,
        },
    )
    assert response.status_code == 303, response.content
    return int(response["Location"].split("/app/trainer/coaching/")[1].split("/")[0])
