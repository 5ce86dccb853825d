"""The development platform's people, courses and links: fixed, so that launches are repeatable."""

from __future__ import annotations

from dataclasses import dataclass, field

LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
TA = "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"
INST_STUDENT = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Student"
INST_FACULTY = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Faculty"
# Canvas sends this for every account that teaches any course: in a course for teachers, most
# learners carry it. It grants nothing in Ignite (lti_tool/roles.py).
INST_INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor"


@dataclass(frozen=True)
class Person:
    key: str
    name: str
    given_name: str
    family_name: str
    email: str
    roles: tuple[str, ...]
    kind: str  # "teacher" or "trainer", for the picker
    # The school a teacher works at, sent as the custom parameter `school` (as a district maps
    # `school=$Canvas...` or a roster field): the program view's breakdown by school.
    school: str = ""


@dataclass(frozen=True)
class Link:
    key: str
    title: str
    module: str = ""


@dataclass(frozen=True)
class Course:
    key: str
    title: str
    label: str
    links: tuple[Link, ...] = field(default_factory=tuple)
    members: tuple[str, ...] = field(default_factory=tuple)
    inactive: tuple[str, ...] = field(default_factory=tuple)  # enrolled, no longer active


PEOPLE = {
    p.key: p
    for p in (
        Person(
            "maya",
            "Maya Alvarez",
            "Maya",
            "Alvarez",
            "maya.alvarez@district.example",
            (LEARNER, INST_STUDENT),
            "teacher",
            "Lincoln Middle School",
        ),
        Person(
            "jordan",
            "Jordan O'Neil",
            "Jordan",
            "O'Neil",
            "jordan.oneil@district.example",
            (LEARNER,),
            "teacher",
            "Roosevelt High School",
        ),
        Person(
            "amara",
            "Amara Okafor",
            "Amara",
            "Okafor",
            "amara.okafor@district.example",
            (LEARNER, INST_INSTRUCTOR),
            "teacher",
            "Lincoln Middle School",
        ),
        Person(
            "priya",
            "Dr. Priya Raman",
            "Priya",
            "Raman",
            "priya.raman@district.example",
            (INSTRUCTOR, INST_FACULTY),
            "trainer",
        ),
        # A teacher of the spring cohort of the same program (the practice exchange's exemplars
        # reach other cohorts of a program).
        Person(
            "lee",
            "Lee Chen",
            "Lee",
            "Chen",
            "lee.chen@district.example",
            (LEARNER,),
            "teacher",
            "Jefferson Elementary",
        ),
        Person(
            "chris", "Chris Park", "Chris", "Park", "chris.park@district.example", (TA,), "trainer"
        ),
    )
}

COURSES = {
    c.key: c
    for c in (
        Course(
            "bl-fall",
            "Blended Learning Cohort (Fall)",
            "BL-FALL",
            (
                Link("bl-models", "Blended-learning models", "blended-models"),
                Link("bl-stations", "Running a station rotation", "station-rotation"),
            ),
            ("maya", "jordan", "amara", "priya", "chris"),
        ),
        Course(
            "cs-spring",
            "CS Integration Cohort (Spring)",
            "CS-SPRING",
            (
                Link("cs-ct", "Computational thinking", "computational-thinking"),
                Link("cs-unplugged", "Unplugged activities", "unplugged-activities"),
            ),
            ("maya", "amara", "jordan", "priya"),
            ("jordan",),
        ),
        Course(
            "bl-spring",
            "Blended Learning Cohort (Spring)",
            "BL-SPRING",
            (Link("bl-spring-models", "Blended-learning models", "blended-models"),),
            ("lee", "chris"),
        ),
    )
}

CLIENT_ID = "ignite-dev-client"
DEPLOYMENT_ID = "ignite-dev-deployment-1"
ISSUER_PATH = "/dev/platform"


ADD_CONTENT = "add-content"  # the link key that starts a deep-linking request


def course_links(course: Course) -> list[Link]:
    """The course's fixed links and those the tool added through deep linking."""
    from .models import DevLink

    added = [
        Link(row.key, row.title, str((row.custom or {}).get("module", "")))
        for row in DevLink.objects.filter(course_id=course.key).order_by("created_at", "pk")
    ]
    return [*course.links, *added]


def find_link(course: Course, link_key: str) -> Link | None:
    return next((link for link in course_links(course) if link.key == link_key), None)
