"""Evidence of practice: a teacher submits a file and/or a reflection; a trainer reviews it
against the module's rubric with growth-oriented feedback; the LMS gradebook follows.

Files are checked by their content (not their name or the browser's claim), limited in size,
stored through Django's storage API under a random name, and served only to their owner and
the trainers of the cohort.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import filetype
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from .grades import grade_record_create
from .models import EvidenceSubmission, GradeRecord
from .signals import evidence_reviewed

ALLOWED = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "png": "image/png",
    "jpg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
}
MAX_REFLECTION = 10_000


class EvidenceRefused(Exception):
    """The submission cannot be accepted; the message says why, for the teacher."""


@dataclass
class DetectedFile:
    extension: str
    mime: str


def detect(upload) -> DetectedFile:
    """What the file really is, from its first bytes; refuses anything not allowed."""
    limit = settings.IGNITE_EVIDENCE_MAX_BYTES
    # Name the file the teacher chose, so the message by the form says which one was refused.
    name = (getattr(upload, "name", "") or "the file")[:100]
    if upload.size > limit:
        raise EvidenceRefused(
            f"The file “{name}” is {upload.size / 1_048_576:.1f} MB; the limit is "
            f"{limit / 1_048_576:.0f} MB. Save a smaller version (for example as PDF) and try again."
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.extension not in ALLOWED:
        raise EvidenceRefused(
            f"“{name}”: this file type is not accepted. Upload a PDF, Word (.docx) or PowerPoint (.pptx) "
            "file, or an image (PNG, JPEG, GIF, WebP)."
        )
    return DetectedFile(extension=kind.extension, mime=ALLOWED[kind.extension])


def evidence_file_response(submission: EvidenceSubmission, *, filename: str, cache: str):
    """The submission's file as a download: its detected type, never sniffed by the browser."""
    from django.http import FileResponse

    response = FileResponse(
        submission.file.open("rb"),
        as_attachment=True,
        filename=f"{filename}.{submission.file_type}",
        content_type=submission.file_mime,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = cache
    return response


def evidence_latest(participant, placement) -> EvidenceSubmission | None:
    return EvidenceSubmission.objects.filter(participant=participant, placement=placement).first()


def evidence_submit(
    *, participant, placement, version, reflection: str, upload
) -> EvidenceSubmission:
    reflection = (reflection or "").strip()
    if len(reflection) > MAX_REFLECTION:
        raise EvidenceRefused(f"The reflection is longer than {MAX_REFLECTION} characters.")
    if not reflection and upload is None:
        raise EvidenceRefused("Add a file, a written reflection, or both.")
    latest = evidence_latest(participant, placement)
    if latest is not None and latest.status == EvidenceSubmission.Status.SUBMITTED:
        raise EvidenceRefused("Your evidence is waiting for your trainer's review.")
    if latest is not None and latest.status == EvidenceSubmission.Status.ACCEPTED:
        raise EvidenceRefused("Your evidence for this module was already accepted.")
    detected = detect(upload) if upload is not None else None
    for _ in range(3):
        number = (
            EvidenceSubmission.objects.filter(
                participant=participant, placement=placement
            ).aggregate(n=Max("number"))["n"]
            or 0
        ) + 1
        try:
            with transaction.atomic():
                submission = EvidenceSubmission(
                    participant=participant,
                    placement=placement,
                    module_version=version,
                    number=number,
                    reflection=reflection,
                )
                if detected is not None:
                    submission.file_type = detected.extension
                    submission.file_mime = detected.mime
                    submission.file_size = upload.size
                    submission.file.save("upload", upload, save=False)
                submission.save()
                grade_record_create(
                    participant=participant,
                    placement=placement,
                    score_given=None,
                    score_maximum=100,
                    kind=GradeRecord.Kind.EVIDENCE,
                    activity_progress="Submitted",
                    grading_progress="PendingManual",
                    comment="Evidence of practice submitted; waiting for the trainer's review.",
                )
                return submission
        except IntegrityError:  # a double submit: the other request won
            continue
    raise EvidenceRefused("Please try again.")


def rubric_score(rubric: list[dict], levels: dict[str, int]) -> Decimal:
    """Percent of rubric points: each criterion scores its level's position (1..n) out of n."""
    if not rubric:
        return Decimal("100.00")
    earned = sum(levels.get(c["criterion"], 0) + 1 for c in rubric)
    possible = sum(len(c["levels"]) for c in rubric)
    return (Decimal(earned) * 100 / Decimal(possible)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


def evidence_review(
    *, submission: EvidenceSubmission, reviewer, levels: dict[str, int], feedback: str, accept: bool
) -> EvidenceSubmission:
    rubric = (submission.module_version.evidence_task or {}).get("rubric", [])
    feedback = (feedback or "").strip()
    if not feedback:
        raise EvidenceRefused("Write feedback the teacher can act on before sending the review.")
    for criterion in rubric:
        index = levels.get(criterion["criterion"])
        if index is None or not 0 <= index < len(criterion["levels"]):
            raise EvidenceRefused(f"Choose a level for “{criterion['criterion']}”.")
    score = rubric_score(rubric, levels)
    status = EvidenceSubmission.Status.ACCEPTED if accept else EvidenceSubmission.Status.REVISION
    with transaction.atomic():
        updated = EvidenceSubmission.objects.filter(
            pk=submission.pk, status=EvidenceSubmission.Status.SUBMITTED
        ).update(
            status=status,
            reviewer=reviewer,
            reviewed_at=timezone.now(),
            rubric_levels=levels,
            feedback=feedback,
            score=score,
        )
        if not updated:
            raise EvidenceRefused("This evidence was already reviewed.")
        if accept:
            grade_record_create(
                participant=submission.participant,
                placement=submission.placement,
                score_given=score,
                score_maximum=100,
                kind=GradeRecord.Kind.EVIDENCE,
                activity_progress="Completed",
                grading_progress="FullyGraded",
                comment=f"Evidence of practice: Accepted. {feedback}"[:4000],
            )
        else:
            # A revision request is not a grade. AGS 2.0 (Score service): only FullyGraded is
            # final; "Submitted" says the teacher may submit again, "Pending" that a final
            # grade will follow, and no scoreGiven, so no gradebook shows a failing mark.
            grade_record_create(
                participant=submission.participant,
                placement=submission.placement,
                score_given=None,
                score_maximum=100,
                kind=GradeRecord.Kind.EVIDENCE,
                activity_progress="Submitted",
                grading_progress="Pending",
                comment=f"Evidence of practice: Revision requested. {feedback}"[:4000],
            )
    submission.refresh_from_db()
    evidence_reviewed.send(
        sender=EvidenceSubmission, submission=submission, reviewer=reviewer, accepted=accept
    )
    return submission


def rubric_levels_shown(*, rubric: list[dict], levels: dict[str, int] | None) -> list[dict]:
    """The rubric as a teacher reads it: every criterion with every level's description, and
    (after a review) which level the trainer chose for each criterion."""
    levels = levels or {}
    shown = []
    for criterion in rubric:
        chosen = levels.get(criterion["criterion"])
        shown.append(
            {
                "criterion": criterion["criterion"],
                "chosen_label": (
                    criterion["levels"][chosen]["label"]
                    if chosen is not None and 0 <= chosen < len(criterion["levels"])
                    else ""
                ),
                "levels": [
                    {
                        "label": level.get("label", ""),
                        "description": level.get("description", ""),
                        "chosen": index == chosen,
                    }
                    for index, level in enumerate(criterion["levels"])
                ],
            }
        )
    return shown
