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
        ([I + "Administrator"], "none"),  # an account role says nothing about this course
        ([I + "Instructor"], "none"),
        ([I + "Mentor"], "none"),
        ([M + "Learner", I + "Instructor"], "teacher"),  # the attack: Canvas's teacher account
        ([M + "Learner", I + "Administrator"], "teacher"),
        ([M + "Learner", I + "Mentor"], "teacher"),
        ([M + "Learner", S + "SysAdmin", S + "Administrator"], "teacher"),
        ([I + "Instructor", S + "User"], "none"),
        ([M + "Administrator"], "trainer"),
        (["Administrator"], "trainer"),  # deprecated short form of the context role
        (["http://purl.imsglobal.org/vocab/lis/v2/membership/Learner#Learner"], "teacher"),
        # prefixes that only look like the context vocabulary grant nothing
        ([I + "person#Instructor"], "none"),
        (["http://purl.imsglobal.org/vocab/lis/v2/membershipX#Instructor"], "none"),
        (["urn:lti:instrole:ims/lis/Instructor"], "none"),
        (["http://example.com/roles#Instructor"], "none"),
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


# Role arrays as the LMSs send them (docs/lms/roles.md lists them with the mapping).
CANVAS_TEACHER_TAKING_PD = [I + "Instructor", I + "Student", M + "Learner", S + "User"]
CANVAS_TEACHER_ENROLLMENT = [I + "Instructor", M + "Instructor", S + "User"]
CANVAS_TA_ENROLLMENT = [
    I + "Instructor",
    "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant",
    S + "User",
]
CANVAS_ACCOUNT_ADMIN_NOT_ENROLLED = [I + "Administrator", S + "SysAdmin", S + "User"]
SCHOOLOGY_STUDENT = [M + "Learner"]
SCHOOLOGY_COURSE_ADMIN = [M + "Instructor", I + "Administrator"]
MOODLE_STUDENT = [M + "Learner"]
MOODLE_TEACHER = [M + "Instructor"]
MOODLE_SITE_ADMIN_AS_TEACHER = [I + "Administrator", M + "Instructor", S + "Administrator"]


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        (CANVAS_TEACHER_TAKING_PD, "teacher"),
        (CANVAS_TEACHER_ENROLLMENT, "trainer"),
        (CANVAS_TA_ENROLLMENT, "trainer"),
        (CANVAS_ACCOUNT_ADMIN_NOT_ENROLLED, "none"),
        (SCHOOLOGY_STUDENT, "teacher"),
        (SCHOOLOGY_COURSE_ADMIN, "trainer"),
        (MOODLE_STUDENT, "teacher"),
        (MOODLE_TEACHER, "trainer"),
        (MOODLE_SITE_ADMIN_AS_TEACHER, "trainer"),
    ],
)
def test_real_lms_role_arrays(roles, expected):
    assert role_from_claims(roles) == expected
