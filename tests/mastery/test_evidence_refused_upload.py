"""A refused evidence file costs the teacher nothing they typed: the module page comes back
with the reflection as written and the reason next to the form."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from mastery.models import EvidenceSubmission, GradeRecord

REFLECTION = "Station 2 ran long; next time <b>I will</b> post a timer & exit ticket."


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"MZ\x90\x00" + b"\x00" * 64, "this file type is not accepted"),
        (b"%PDF-1.4\n" + b"0" * 4096, "the limit is"),
    ],
)
def test_a_refused_file_keeps_the_reflection_and_says_why(
    launch_as, placement_of, settings, content, reason
):
    settings.IGNITE_EVIDENCE_MAX_BYTES = 2048
    teacher = launch_as()
    pid = placement_of().pk
    upload = SimpleUploadedFile("lesson-plan.pdf", content, content_type="application/pdf")
    response = teacher.post(f"/app/p/{pid}/evidence/", {"reflection": REFLECTION, "file": upload})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="evidence-refused"' in html and reason in html
    assert "“lesson-plan.pdf”" in html  # which file, in the teacher's own words
    # The same module page, with the reflection as typed (escaped) in the form.
    assert 'data-testid="module-title"' in html and 'data-testid="evidence-form"' in html
    escaped = (
        "Station 2 ran long; next time &lt;b&gt;I will&lt;/b&gt; post a timer &amp; exit ticket."
    )
    assert f">{escaped}</textarea>" in html
    assert EvidenceSubmission.objects.count() == 0 and GradeRecord.objects.count() == 0
