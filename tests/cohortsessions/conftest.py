from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from tests.courses.conftest import launch_as, placement_of  # noqa: F401
from tests.facilitation.packs import write_facilitation_pack

INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
XSS = '<script>alert("x")</script>'


@pytest.fixture
def demo_pack(tmp_path, db):
    """The demo pack with a facilitator guide (an agenda) and `sessions_required: 2`."""
    program = write_facilitation_pack(tmp_path / "packs")
    path = program / "program.yaml"
    path.write_text(path.read_text() + "    sessions_required: 2\n")
    call_command("import_content", str(program), stdout=StringIO())
    return program


def session_form(**overrides) -> dict:
    data = {
        "placement": "",
        "title": "Planning clinic",
        "date": "2030-03-05",
        "start": "16:00",
        "end": "17:30",
        "time_zone": "America/Chicago",
        "place": "Room 204, Lincoln Middle School",
        "video_url": "https://meet.example.org/abc-defg",
        "agenda": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def cohort(launch_as, placement_of):  # noqa: F811
    """A cohort with two teachers and a trainer, and a trainer of another course."""
    maya = launch_as(sub="maya", name="Maya Alvarez")
    sam = launch_as(sub="sam", name="Sam Lee")
    trainer = launch_as(sub="priya", name="Priya Raman", roles=[INSTRUCTOR])
    other_trainer = launch_as(
        sub="bea", name="Bea Other", roles=[INSTRUCTOR], link="b-link", context="b-course"
    )
    other_teacher = launch_as(sub="bob", name="Bob Other", link="b-link", context="b-course")
    return {
        "maya": maya,
        "sam": sam,
        "trainer": trainer,
        "other_trainer": other_trainer,
        "other_teacher": other_teacher,
        "pid": placement_of().pk,
    }
