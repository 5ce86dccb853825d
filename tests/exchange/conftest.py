from __future__ import annotations

import pytest

from courses.models import Participant
from tests.courses.conftest import (  # noqa: F401
    demo_pack,
    launch_as,
    launch_on_another_platform,
    placement_of,
)

INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
XSS = '<script>alert("x")</script>'


def share_data(**overrides) -> dict:
    return {
        "kind": "lesson_plan",
        "title": "Exit tickets that sort the groups",
        "tried": "Three-question exit tickets.",
        "happened": "Sorted in five minutes.",
        "change": "Fewer questions.",
        "consent": "no",
        "privacy_confirmed": "yes",
        **overrides,
    }


def person(sub: str) -> Participant:
    return Participant.objects.get(lti_user__sub=sub)


@pytest.fixture
def cohort(launch_as, placement_of, settings, tmp_path):  # noqa: F811
    """Cohort 1 (Ann and Ben teach, Tess trains) and cohort 2 of the same program (Cleo, Theo)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    people = {
        "ann": launch_as(sub="ann", name="Ann Author", email="ann@district.example"),
        "ben": launch_as(sub="ben", name="Ben Buddy", email="ben@district.example"),
        "tess": launch_as(
            sub="tess", name="Tess Trainer", roles=[INSTRUCTOR], email="tess@district.example"
        ),
        "cleo": launch_as(sub="cleo", name="Cleo Later", link="link-2", context="course-2"),
        "theo": launch_as(
            sub="theo", name="Theo Later", link="link-2", context="course-2", roles=[INSTRUCTOR]
        ),
    }
    people["pid"] = placement_of().pk
    people["pid2"] = placement_of("link-2").pk
    return people


@pytest.fixture
def elsewhere(client, jwks_server, platform_private_key, cohort):
    """A teacher of the same course, link and module ids on another platform (another tenant)."""
    return launch_on_another_platform(
        client, jwks_server, platform_private_key, sub="olga", name="Olga Elsewhere"
    )
