"""Evidence of practice: file type by content, size limit, who may download, the trainer's
rubric review, and what the LMS gradebook receives."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from mastery.grades import grade_claim
from mastery.models import EvidenceSubmission, GradeRecord

INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def people(launch_as, placement_of):
    teacher = launch_as(sub="maya", name="Maya Alvarez")
    trainer = launch_as(sub="priya", name="Priya Raman", roles=[INSTRUCTOR])
    return teacher, trainer, placement_of().pk


def send(teacher, pid, *, name="plan.pdf", content=PDF, reflection="I tried stations."):
    data = {"reflection": reflection}
    if content is not None:
        data["file"] = SimpleUploadedFile(name, content, content_type="application/pdf")
    return teacher.post(f"/app/p/{pid}/evidence/", data)


def test_submission_is_stored_and_pending_manual_goes_to_the_gradebook(people):
    teacher, _, pid = people
    response = send(teacher, pid)
    assert response.status_code == 303 and response["Location"].endswith("#evidence")
    submission = EvidenceSubmission.objects.get()
    assert (submission.file_type, submission.file_mime) == ("pdf", "application/pdf")
    assert "plan" not in submission.file.name  # stored under a random name
    assert submission.file.read() == PDF
    grade = GradeRecord.objects.get(kind="evidence")
    assert (grade.score_given, grade.grading_progress, grade.activity_progress) == (
        None,
        "PendingManual",
        "Submitted",
    )
    html = teacher.get(f"/app/p/{pid}/").content.decode()
    assert 'data-testid="evidence-status" data-status="submitted"' in html
    assert 'data-testid="evidence-form"' not in html


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("plan.pdf", b"MZ\x90\x00" + b"\x00" * 64),  # a Windows program named .pdf
        ("plan.pdf", b"<html><script>alert(1)</script></html>"),
        ("notes.docx", b"just text"),
    ],
)
def test_file_type_is_checked_by_content_not_name(people, name, content):
    teacher, _, pid = people
    response = send(teacher, pid, name=name, content=content)
    assert response.status_code == 400
    assert "file type is not accepted" in response.content.decode()
    assert EvidenceSubmission.objects.count() == 0 and GradeRecord.objects.count() == 0


def test_an_image_with_a_misleading_name_is_accepted_as_what_it_is(people):
    teacher, _, pid = people
    assert send(teacher, pid, name="notes.txt", content=PNG).status_code == 303
    assert EvidenceSubmission.objects.get().file_type == "png"


def test_size_limit(people, settings):
    teacher, _, pid = people
    settings.IGNITE_EVIDENCE_MAX_BYTES = 1000
    response = send(teacher, pid, content=PDF + b"0" * 2000)
    assert response.status_code == 400 and "the limit is" in response.content.decode()
    assert EvidenceSubmission.objects.count() == 0


def test_empty_and_double_submissions_are_refused(people):
    teacher, _, pid = people
    assert send(teacher, pid, content=None, reflection="  ").status_code == 400
    assert send(teacher, pid).status_code == 303
    again = send(teacher, pid)
    assert again.status_code == 400 and "waiting for your trainer" in again.content.decode()
    assert EvidenceSubmission.objects.count() == 1


def test_files_are_served_only_to_their_owner_and_the_cohorts_trainers(people, launch_as):
    teacher, trainer, pid = people
    send(teacher, pid)
    url = f"/app/evidence/{EvidenceSubmission.objects.get().pk}/file/"
    own = teacher.get(url)
    assert own.status_code == 200 and b"".join(own.streaming_content) == PDF
    assert own["Content-Disposition"].startswith("attachment;")
    assert own["X-Content-Type-Options"] == "nosniff"
    assert trainer.get(url).status_code == 200
    classmate = launch_as(sub="jordan", name="Jordan")
    assert classmate.get(url).status_code == 404
    stranger = launch_as(sub="chris", name="Chris", roles=[INSTRUCTOR], link="l9", context="c9")
    assert stranger.get(url).status_code == 404


def test_trainer_review_accept_sends_the_score_and_feedback(people):
    teacher, trainer, pid = people
    send(teacher, pid)
    submission = EvidenceSubmission.objects.get()
    dashboard = trainer.get("/app/trainer/").content.decode()
    assert (
        'data-testid="evidence-review-link"' in dashboard
        and 'data-state="needs_review"' in dashboard
    )
    page = trainer.get(f"/app/trainer/evidence/{submission.pk}/")
    assert page.status_code == 200 and "I tried stations." in page.content.decode()
    url = f"/app/trainer/evidence/{submission.pk}/"
    missing = trainer.post(url, {"level-0": "1", "decision": "accept"})
    assert missing.status_code == 400  # feedback is required
    feedback = "Your rotation chart made transitions fast. Next: regroup after the exit ticket."
    done = trainer.post(url, {"level-0": "1", "feedback": feedback, "decision": "accept"})
    assert done.status_code == 303
    submission.refresh_from_db()
    assert submission.status == "accepted" and submission.score == Decimal("100.00")
    grade = GradeRecord.objects.filter(kind="evidence").order_by("-timestamp").first()
    assert (grade.score_given, grade.grading_progress) == (Decimal("100"), "FullyGraded")
    assert feedback in grade.comment and grade.comment.startswith("Evidence of practice: Accepted")
    html = teacher.get(f"/app/p/{pid}/").content.decode()
    assert "regroup after the exit ticket" in html and 'data-status="accepted"' in html
    assert (
        trainer.post(url, {"level-0": "0", "feedback": "x", "decision": "accept"}).status_code
        == 400
    )


def test_revision_lets_the_teacher_resubmit(people):
    teacher, trainer, pid = people
    send(teacher, pid)
    submission = EvidenceSubmission.objects.get()
    trainer.post(
        f"/app/trainer/evidence/{submission.pk}/",
        {"level-0": "0", "feedback": "Add your exit-ticket data.", "decision": "revise"},
    )
    submission.refresh_from_db()
    assert submission.status == "revision" and submission.score == Decimal("50.00")
    html = teacher.get(f"/app/p/{pid}/").content.decode()
    assert "Add your exit-ticket data." in html and 'data-testid="evidence-form"' in html
    assert send(teacher, pid, reflection="Now with data.").status_code == 303
    assert list(EvidenceSubmission.objects.values_list("number", flat=True)) == [2, 1]


def _review(trainer, pid, level: str, decision: str, feedback: str):
    pending = EvidenceSubmission.objects.get(status="submitted")
    response = trainer.post(
        f"/app/trainer/evidence/{pending.pk}/",
        {"level-0": level, "feedback": feedback, "decision": decision},
    )
    assert response.status_code == 303


def test_a_revision_request_is_not_a_final_grade_and_acceptance_is(people):
    teacher, trainer, pid = people
    send(teacher, pid)
    _review(trainer, pid, "0", "revise", "Add your exit-ticket data.")
    revision = GradeRecord.objects.filter(kind="evidence").order_by("-timestamp").first()
    # AGS: only FullyGraded is final; Pending with no scoreGiven reads "not yet graded".
    assert (revision.grading_progress, revision.activity_progress) == ("Pending", "Submitted")
    assert revision.score_given is None
    assert revision.comment.startswith("Evidence of practice: Revision requested.")
    assert "Add your exit-ticket data." in revision.comment

    send(teacher, pid, reflection="Now with data.")
    resubmitted = GradeRecord.objects.filter(kind="evidence").order_by("-timestamp").first()
    assert resubmitted.grading_progress == "PendingManual"
    _review(trainer, pid, "1", "accept", "The data shows the regrouping worked.")
    accepted = GradeRecord.objects.filter(kind="evidence").order_by("-timestamp").first()
    assert (accepted.grading_progress, accepted.activity_progress) == ("FullyGraded", "Completed")
    assert accepted.score_given == Decimal("100")

    # The outbox's ordering rules hold across the three: strictly newer timestamps, older
    # unsent ones superseded, and an older row can never be claimed after a newer one.
    rows = list(GradeRecord.objects.filter(kind="evidence").order_by("timestamp"))
    assert [r.timestamp for r in rows] == sorted({r.timestamp for r in rows})
    assert rows[-1].pk == accepted.pk and rows[-1].status == "pending"
    assert {r.status for r in rows[:-1]} == {"superseded"}

    GradeRecord.objects.filter(pk=revision.pk).update(status="pending")  # as if it were retried
    assert grade_claim(record_id=revision.pk) is None
    revision.refresh_from_db()
    assert revision.status == "superseded"


def test_teacher_sees_every_rubric_level_before_and_the_chosen_ones_after_review(people):
    teacher, trainer, pid = people
    before = teacher.get(f"/app/p/{pid}/").content.decode()
    rubric = before.split('data-testid="rubric"')[1].split('data-testid="evidence-form"')[0]
    assert "Beginning</strong>: Not yet aligned" in rubric
    assert "Proficient</strong>: Aligned" in rubric
    assert 'data-chosen="true"' not in before
    send(teacher, pid)
    _review(trainer, pid, "0", "revise", "Tie the plan to the goal.")
    after = teacher.get(f"/app/p/{pid}/").content.decode()
    assert 'data-reviewed="true"' in after
    reviewed = after.split('data-reviewed="true"')[1]
    chosen = reviewed.split('data-chosen="true"')[1].split("</li>")[0]
    assert "Beginning</strong>: Not yet aligned" in chosen
    assert "your trainer chose: Beginning" in after and "Tie the plan to the goal." in after
    review_page = trainer.get(f"/app/trainer/evidence/{EvidenceSubmission.objects.get().pk}/")
    assert "chosen: Beginning" in review_page.content.decode()


def test_teachers_cannot_review(people):
    teacher, _, pid = people
    send(teacher, pid)
    url = f"/app/trainer/evidence/{EvidenceSubmission.objects.get().pk}/"
    assert teacher.get(url).status_code == 403
    assert teacher.post(url, {"feedback": "x", "decision": "accept"}).status_code == 403
    assert EvidenceSubmission.objects.get().status == "submitted"
