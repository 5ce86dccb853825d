"""A teacher earns a micro-credential through the development platform, opens its public
verification page, and a trainer's revocation makes verification fail."""

from __future__ import annotations

import pytest

from credentials.models import IssuedCredential
from mastery.models import Attempt

from .conftest import tool_frame
from .test_teacher_journey import answer_everything_right, launch


def master(page, live_server, person, link):
    frame = launch(page, live_server, person, link)
    frame.get_by_test_id("mastery-start").click()
    frame.get_by_test_id("mastery-submit").wait_for()
    attempt = Attempt.objects.filter(status="in_progress").get()
    answer_everything_right(frame, attempt)
    frame.get_by_test_id("mastery-submit").click()
    frame.get_by_test_id("mastery-score").wait_for()
    return frame


def submit_evidence(page, live_server, person, link, plan):
    frame = launch(page, live_server, person, link)
    frame.get_by_test_id("evidence-file-input").set_input_files(str(plan))
    frame.get_by_test_id("evidence-reflection-input").fill("Taught it; students named the steps.")
    frame.get_by_test_id("evidence-submit").click()
    frame.get_by_test_id("evidence-status").wait_for()


@pytest.mark.django_db(transaction=True)
def test_teacher_earns_verifies_and_loses_a_credential(
    page,
    live_server,
    dev_platform,
    catalog,
    screenshot,
    browser_context,
    axe_check,
    tmp_path,
    settings,
):
    settings.MEDIA_ROOT = tmp_path / "media"
    plan = tmp_path / "lesson-plan.pdf"
    plan.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n")
    master(page, live_server, "amara", "cs-spring:cs-ct")
    master(page, live_server, "amara", "cs-spring:cs-unplugged")
    # The CS credential asks for accepted evidence in both modules, like the others.
    assert IssuedCredential.objects.count() == 0
    submit_evidence(page, live_server, "amara", "cs-spring:cs-ct", plan)
    submit_evidence(page, live_server, "amara", "cs-spring:cs-unplugged", plan)
    frame = launch(page, live_server, "priya", "cs-spring:")
    frame.get_by_test_id("trainer-dashboard").first.click()
    for _ in range(2):
        frame.get_by_test_id("evidence-review-link").first.click()
        frame.get_by_test_id("rubric-criterion").first.wait_for()
        for criterion in frame.get_by_test_id("rubric-criterion").all():
            criterion.locator("input[type=radio]").last.check()
        frame.get_by_test_id("review-feedback").fill("Students named the thinking they used.")
        frame.get_by_test_id("review-accept").click()
        frame.get_by_test_id("trainer-dashboard").first.wait_for()
    frame.get_by_test_id("no-evidence-pending").wait_for()
    assert IssuedCredential.objects.count() == 1

    frame = launch(page, live_server, "amara", "cs-spring:cs-unplugged")
    frame.get_by_test_id("my-credentials-link").click()
    credential = frame.get_by_test_id("credential")
    credential.wait_for()
    assert "Computational Thinking Integrator" in credential.inner_text()
    axe_check(tool_frame(page), "my credentials")
    screenshot(page, "teacher-credentials")
    with browser_context.expect_page() as opened:
        frame.get_by_test_id("credential-verify").click()
    verification = opened.value
    verification.get_by_test_id("verification").wait_for()
    assert verification.get_by_test_id("verification").get_attribute("data-valid") == "true"
    assert "Amara Okafor" in verification.locator("body").inner_text()
    axe_check(verification.main_frame, "credential verification page")
    screenshot(verification, "credential-verification")

    frame = launch(page, live_server, "priya", "cs-spring:")
    frame.get_by_test_id("trainer-dashboard").first.click()
    frame.get_by_test_id("credential-revoke").click()
    # Revoking asks first, for a reason the public verification page then shows.
    frame.get_by_test_id("revoke-reason").wait_for()
    axe_check(tool_frame(page), "revoke confirmation")
    frame.get_by_test_id("revoke-reason").fill("Awarded to the wrong teacher")
    frame.get_by_test_id("credential-revoke-confirm").click()
    frame.get_by_test_id("issued-credential").filter(has_text="Revoked").wait_for()
    verification.reload()
    assert verification.get_by_test_id("verification").get_attribute("data-valid") == "false"
    assert (
        "Awarded to the wrong teacher" in verification.get_by_test_id("verification").inner_text()
    )

    # A second thought: the trainer issues it again; a new credential verifies, the old does not.
    frame.get_by_test_id("credential-reissue").click()
    frame.get_by_test_id("reissue-result").wait_for()
    assert "A new credential was issued" in frame.get_by_test_id("reissue-result").inner_text()
    assert frame.get_by_test_id("issued-credential").count() == 2
    verification.reload()
    assert verification.get_by_test_id("verification").get_attribute("data-valid") == "false"
