from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cohortsessions.models import CohortSession
from courses.models import Participant
from exchange.models import Post, Response
from mastery.models import EvidenceSubmission
from tests.courses.conftest import demo_pack, launch_as, placement_of  # noqa: F401

M = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
I = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#"  # noqa: E741
S = "http://purl.imsglobal.org/vocab/lis/v2/system/person#"
INSTRUCTOR = M + "Instructor"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
XSS = '<script>alert("x")</script>'

# Learners in cohort A whose LMS account also carries institution or system roles (Canvas sends
# institution/person#Instructor for everyone who teaches any course): classmates, nothing more.
ACCOUNT_ROLE_CLASSMATES = {
    "learner_inst_instructor": [M + "Learner", I + "Instructor"],
    "learner_inst_admin": [M + "Learner", I + "Administrator"],
    "learner_inst_mentor": [M + "Learner", I + "Mentor"],
    "learner_sys_admin": [M + "Learner", S + "SysAdmin", S + "Administrator"],
    "learner_every_account_role": [
        M + "Learner",
        I + "Instructor",
        I + "Administrator",
        I + "Mentor",
        I + "Faculty",
        S + "SysAdmin",
        S + "Administrator",
        S + "User",
    ],
}


@pytest.fixture
def world(launch_as, placement_of, settings, tmp_path):  # noqa: F811
    """Two cohorts: A (the victim) with a teacher and a trainer, and B (the other tenant)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    teacher = launch_as(sub="a-teacher", name=f"Ann {XSS}")
    trainer = launch_as(sub="a-trainer", name="Tess Trainer", roles=[INSTRUCTOR])
    pid = placement_of().pk
    teacher.post(f"/app/p/{pid}/lessons/first/complete/")
    start = teacher.post(f"/app/p/{pid}/mastery/")
    number = int(re.search(r"/mastery/(\d+)/", start["Location"]).group(1))
    teacher.post(f"/app/p/{pid}/mastery/{number}/", {})
    teacher.post(
        f"/app/p/{pid}/evidence/",
        {"reflection": XSS, "file": SimpleUploadedFile("p.pdf", PDF)},
    )
    evidence = EvidenceSubmission.objects.get()
    shared = teacher.post(
        f"/app/p/{pid}/exchange/",
        {
            "kind": "lesson_plan",
            "title": "Plan <b>bold</b> &amp; <i>",
            "tried": XSS,
            "happened": "h",
            "change": "c",
            "link": f"https://example.org/?q={XSS}",
            "privacy_confirmed": "yes",
            "file": SimpleUploadedFile("p.pdf", PDF),
        },
    )
    post = Post.objects.get(pk=int(re.search(r"/exchange/(\d+)/", shared["Location"]).group(1)))
    # A cohort session of A, held in the past (attendance can be recorded), named with markup.
    trainer.post(
        "/app/trainer/sessions/new/",
        {
            "title": f"Clinic {XSS}",
            "date": "2025-01-14",
            "start": "16:00",
            "end": "17:00",
            "time_zone": "America/Chicago",
            "place": f"Room {XSS}",
        },
    )
    session = CohortSession.objects.get()
    teacher_id = Participant.objects.get(lti_user__sub="a-teacher").pk
    other_teacher = launch_as(sub="b-teacher", name="Bob", link="b-link", context="b-course")
    other_trainer = launch_as(
        sub="b-trainer", name="Bea", roles=[INSTRUCTOR], link="b-link", context="b-course"
    )
    classmate = launch_as(sub="a-classmate", name="Cal")
    classmate.post(
        f"/app/p/{pid}/exchange/{post.pk}/respond/",
        {"glow": XSS, "grow": "g", "question": "q"},
    )
    classmate.post(f"/app/p/{pid}/exchange/{post.pk}/report/", {"reason": XSS})
    response = Response.objects.get(post=post)
    account_role_classmates = {
        name: launch_as(sub=f"a-{name}", name=name, roles=roles)
        for name, roles in ACCOUNT_ROLE_CLASSMATES.items()
    }
    return {
        **account_role_classmates,
        "teacher": teacher,
        "trainer": trainer,
        "classmate": classmate,
        "other_teacher": other_teacher,
        "other_trainer": other_trainer,
        "pid": pid,
        "attempt": number,
        "evidence": evidence.pk,
        "teacher_id": teacher_id,
        "post": post.pk,
        "response": response.pk,
        "session": session.pk,
    }
