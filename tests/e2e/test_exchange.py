"""The practice exchange in a real browser through the development platform: two teachers and a
trainer in one cohort; Maya shares a lesson plan, Jordan responds with the protocol, Maya is
emailed (a real SMTP server on loopback) and replies, the trainer marks it an exemplar; Lee, a
teacher of another cohort of the same program, sees it only after Maya consents; a teacher of
another platform never sees it."""

from __future__ import annotations

import pytest

from devplatform.platform import register
from exchange.models import Post, Response
from notifications.services import notifications_send

from .conftest import dev_launch, tool_frame

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
TITLE = "Station rotation plan for fractions"


def open_exchange(page, base, person, link):
    frame = dev_launch(page, base, person, link)
    panel = frame.get_by_test_id("exchange-panel")
    panel.wait_for()
    count = int(panel.get_by_test_id("exchange-count").inner_text())
    panel.get_by_test_id("exchange-link").click()
    frame.get_by_test_id("exchange-title").wait_for()
    return frame, count


def open_post(frame):
    frame.get_by_role("link", name=TITLE, exact=True).click()
    frame.get_by_test_id("post-heading").wait_for()


@pytest.mark.django_db(transaction=True)
def test_shared_practice_from_sharing_to_an_exemplar_for_another_cohort(
    page, live_server, dev_platform, catalog, smtp_server, axe_check, screenshot, tmp_path
):
    base = live_server.url
    # Maya shares a lesson plan with a file.
    frame, count = open_exchange(page, base, "maya", "bl-fall:bl-models")
    assert count == 0
    axe_check(tool_frame(page), "exchange list")
    frame.get_by_test_id("kind-lesson_plan").check()
    frame.get_by_test_id("post-title").fill(TITLE)
    frame.get_by_test_id("post-tried").fill("Three stations: teacher-led, practice, online.")
    frame.get_by_test_id("post-happened").fill("The teacher-led group got twice the feedback.")
    frame.get_by_test_id("post-change").fill("Shorter rotations in the first week.")
    plan = tmp_path / "plan.pdf"
    plan.write_bytes(PDF)
    frame.get_by_test_id("post-file").set_input_files(str(plan))
    frame.get_by_test_id("consent-no").check()
    frame.get_by_test_id("privacy-confirm").check()
    frame.get_by_test_id("post-share").click()
    frame.get_by_test_id("post-heading").wait_for()
    assert frame.get_by_test_id("post-heading").inner_text() == TITLE
    post = Post.objects.get()
    assert post.file_type == "pdf" and post.privacy_confirmed

    # Jordan, in the same cohort, responds with the protocol.
    frame, count = open_exchange(page, base, "jordan", "bl-fall:bl-models")
    assert count == 1
    open_post(frame)
    axe_check(tool_frame(page), "exchange post")
    frame.get_by_test_id("respond-glow").fill("The online station runs itself.")
    frame.get_by_test_id("respond-grow").fill("Try a timer on the board.")
    frame.get_by_test_id("respond-question").fill("How did you group them?")
    frame.get_by_test_id("respond-send").click()
    frame.get_by_test_id("response").wait_for()
    assert "Try a timer" in frame.get_by_test_id("response-grow").inner_text()

    # Maya gets an email, then replies once.
    assert notifications_send() == 1
    [message] = smtp_server.messages
    assert message["To"] == "maya.alvarez@district.example"
    assert TITLE in message["Subject"] and message["List-Unsubscribe"]
    frame, _ = open_exchange(page, base, "maya", "bl-fall:bl-models")
    open_post(frame)
    frame.get_by_test_id("reply-text").fill("By last week's exit ticket.")
    frame.get_by_test_id("reply-send").click()
    frame.get_by_test_id("response-reply").wait_for()
    assert frame.get_by_test_id("reply-form").count() == 0
    assert Response.objects.get().reply == "By last week's exit ticket."

    # The trainer marks it an exemplar.
    frame, _ = open_exchange(page, base, "priya", "bl-fall:bl-models")
    open_post(frame)
    axe_check(tool_frame(page), "exchange post (trainer)")
    frame.get_by_test_id("exemplar-toggle").click()
    frame.get_by_test_id("exemplar-consent").wait_for()
    assert Post.objects.get().exemplar

    # Lee, of the spring cohort of the same program: nothing before Maya consents.
    frame, _ = open_exchange(page, base, "lee", "bl-spring:bl-spring-models")
    assert frame.get_by_test_id("exchange-exemplars").count() == 0
    assert TITLE not in frame.locator("main").inner_text()

    frame, _ = open_exchange(page, base, "maya", "bl-fall:bl-models")
    open_post(frame)
    frame.get_by_test_id("consent-anonymous").check()
    frame.get_by_test_id("consent-save").click()
    frame.get_by_test_id("consent-saved").wait_for()
    assert Post.objects.get().consent == "anonymous"

    frame, _ = open_exchange(page, base, "lee", "bl-spring:bl-spring-models")
    exemplars = frame.get_by_test_id("exchange-exemplars")
    exemplars.wait_for()
    assert "Maya" not in exemplars.inner_text()
    open_post(frame)
    assert frame.get_by_test_id("post-author").inner_text() == "A teacher in another cohort"
    assert frame.get_by_test_id("respond-form").count() == 0
    axe_check(tool_frame(page), "exemplar from another cohort")
    page.set_viewport_size({"width": 320, "height": 800})
    overflow = tool_frame(page).evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    screenshot(page, "exchange-exemplar-elsewhere")
    assert overflow <= 0
    page.set_viewport_size({"width": 1280, "height": 900})

    # Another platform (the same development LMS under another issuer), same course and link
    # ids: never.
    if "127.0.0.1" in base:
        other_base = base.replace("127.0.0.1", "localhost")
    else:
        other_base = base.replace("localhost", "127.0.0.1")
    assert other_base != base
    other = register(other_base)
    assert other.pk != Post.objects.get().platform_id
    for person, link in (("lee", "bl-spring:bl-spring-models"), ("maya", "bl-fall:bl-models")):
        frame, count = open_exchange(page, other_base, person, link)
        assert count == 0
        assert TITLE not in frame.locator("main").inner_text()
        assert frame.get_by_test_id("exchange-exemplars").count() == 0
    assert page.js_errors == []
