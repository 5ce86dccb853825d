"""The development platform sends the school its teachers work at, as a district maps one (the
custom parameter `school`), so the program lead's school filter shows without editing rows."""

from __future__ import annotations

import pytest

from courses.models import Participant, Placement
from devplatform.people import PEOPLE

pytestmark = pytest.mark.django_db(transaction=True)


def test_every_teacher_of_the_dev_platform_has_a_school_and_no_trainer_does():
    for person in PEOPLE.values():
        assert bool(person.school) == (person.kind == "teacher"), person.key


@pytest.mark.parametrize(
    "person, link",
    [
        ("maya", "bl-fall:bl-models"),
        ("jordan", "cs-spring:"),
        ("lee", "bl-spring:bl-spring-models"),
    ],
)
def test_a_dev_platform_launch_sets_the_teachers_school(dev_browser, person, link):
    dev_browser.launch(person, link)
    launched = Participant.objects.get(lti_user__sub=f"dev-{person}")
    assert launched.school == PEOPLE[person].school
    assert launched.school in (
        "Lincoln Middle School",
        "Roosevelt High School",
        "Jefferson Elementary",
    )


def test_a_trainer_sends_no_school_and_a_link_still_names_its_module(dev_browser):
    dev_browser.launch("priya", "bl-fall:bl-models")
    assert Participant.objects.get(lti_user__sub="dev-priya").school == ""
    # The school rides beside the module in the custom claim: the link still places its module.
    dev_browser.launch("amara", "bl-fall:bl-stations")
    assert Participant.objects.get(lti_user__sub="dev-amara").school == "Lincoln Middle School"
    assert Placement.objects.get(title="Running a station rotation").module_slug == (
        "station-rotation"
    )
