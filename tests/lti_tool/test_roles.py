import pytest

from lti_tool.roles import role_from_claims

M = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
I = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#"  # noqa: E741
S = "http://purl.imsglobal.org/vocab/lis/v2/system/person#"


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        ([M + "Learner"], "teacher"),
        (["Learner"], "teacher"),
        ([M + "Instructor"], "trainer"),
        (["Instructor"], "trainer"),
        (
            ["http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"],
            "trainer",
        ),
        ([M + "Mentor"], "trainer"),
        ([M + "ContentDeveloper"], "trainer"),
        ([I + "Administrator"], "trainer"),
        ([M + "Learner", M + "Instructor"], "trainer"),
        ([I + "Student", M + "Learner"], "teacher"),
        ([S + "Administrator"], "none"),  # an LMS account role says nothing about the course
        (["urn:lti:role:unknown"], "none"),
        ([], "none"),
        (None, "none"),
        ("Instructor", "none"),  # not a list: no privileges
        ([42, None, M + "Learner"], "teacher"),
    ],
)
def test_role_mapping(roles, expected):
    assert role_from_claims(roles) == expected
