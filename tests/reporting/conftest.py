from __future__ import annotations

import pytest
from django.core.management import call_command

from tests.conftest import LtiClient
from tests.courses.conftest import (  # noqa: F401
    Teacher,
    demo_pack,
    launch_as,
    placement_of,
)

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
ADMIN = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"


def launch(lti: LtiClient, *, sub: str, email: str, roles=None, context="course-1", name=None,
           school=None, link="link-1", module="demo-module") -> Teacher:  # fmt: skip
    custom = {"module": module} if module else {}
    if school:
        custom["school"] = school
    claims = {
        "sub": sub,
        "name": name or sub.title(),
        "email": email,
        LTI + "resource_link": {"id": link, "title": "Demo link"},
        LTI + "context": {"id": context, "title": f"Cohort {context}", "label": context},
        LTI + "custom": custom,
    }
    if roles:
        claims[LTI + "roles"] = roles
    return Teacher(lti, lti.client, lti.launch(**claims))


@pytest.fixture
def name_lead(platform):
    def name(*, email="", sub="", program="demo-program", on=None):
        args = ["program_leads", "add", "--platform", str((on or platform).pk)]
        args += ["--email", email] if email else ["--sub", sub]
        call_command(*args, "--program", program)

    return name
