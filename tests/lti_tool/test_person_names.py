"""One display name per person (lti_tool/person_names.py), with Moodle-like data: Moodle's
launch sends a name as typed, markup included; its roster (NRPS) sends it stripped."""

from __future__ import annotations

import pytest

from courses.models import Participant
from lti_tool.models import LtiContext
from lti_tool.person_names import name_plain
from lti_tool.roster import _roster_apply
from tests.conftest import LTI

pytestmark = pytest.mark.django_db

RAW = 'Maya <span lang="es">Álvarez</span> &amp; <b>Co</b>'
STRIPPED = "Maya Álvarez & Co"


@pytest.mark.parametrize(
    ("raw", "plain"),
    [
        (RAW, STRIPPED),
        ("  Jordan\n  O'Neil ", "Jordan O'Neil"),
        ("<script>alert(1)</script>Ana", "Ana"),
        ("A &lt; B", "A < B"),
        (None, ""),
        (42, ""),
    ],
)
def test_names_are_plain_text(raw, plain):
    assert name_plain(raw) == plain


def member(name: str, sub: str = "user-123", **extra) -> dict:
    return {"user_id": sub, "name": name, "status": "Active", "roles": ["Learner"], **extra}


def test_launch_and_roster_agree_on_one_name(lti):
    lti.launch(name=RAW, given_name="<i>Maya</i>")
    person = Participant.objects.get()
    assert (person.name, person.given_name) == (STRIPPED, "Maya")
    _roster_apply(LtiContext.objects.get(), [member(STRIPPED, given_name="Maya")])
    person.refresh_from_db()
    assert person.display_name == STRIPPED  # no flip, whichever spoke last
    lti.launch(name=RAW)
    person.refresh_from_db()
    assert person.display_name == STRIPPED


def test_the_launch_name_wins_over_the_roster_name(lti):
    lti.launch(name="Maya Alvarez")
    context = LtiContext.objects.get()
    _roster_apply(context, [member("M. Alvarez (Ed.D.)", email="maya@new.example")])
    person = Participant.objects.get()
    assert person.name == "Maya Alvarez"  # the launch's name stays
    assert person.email == "maya@new.example"  # the rest is still updated
    lti.launch(name="Maya Alvarez-Ruiz")
    person.refresh_from_db()
    assert person.name == "Maya Alvarez-Ruiz"  # a launch always sets the name it sends


def test_the_roster_names_people_who_never_launched_and_fills_empty_names(lti):
    lti.launch(name="", given_name="", family_name="", email="maya@district.example")
    context = LtiContext.objects.get()
    _roster_apply(
        context,
        [
            member("<b>Maya</b> Alvarez"),  # launched, but without a name: filled
            member("Amara <em>Okafor</em>", sub="user-2"),
        ],
    )
    assert Participant.objects.get(lti_user__sub="user-123").name == "Maya Alvarez"
    amara = Participant.objects.get(lti_user__sub="user-2")
    assert amara.name == "Amara Okafor"
    _roster_apply(context, [member("Maya Alvarez"), member("Amara Okafor-Bell", sub="user-2")])
    amara.refresh_from_db()
    assert amara.name == "Amara Okafor-Bell"  # never launched: the roster keeps it current


def test_launch_claim_names_are_stripped_too(lti):
    lti.launch(name="x", **{"family_name": "<u>Alvarez</u>", LTI + "custom": {}})
    assert Participant.objects.get().family_name == "Alvarez"
