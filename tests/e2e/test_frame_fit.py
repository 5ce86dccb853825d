"""The LMS frame follows the page's height both ways (lti.frameResize with the content's
height): after a long page, a short one shrinks the frame instead of leaving blank space."""

from __future__ import annotations

import time

import pytest

from .conftest import tool_frame
from .test_teacher_journey import launch


def frame_height(page) -> int:
    value = page.locator('[data-testid="tool-frame"]').get_attribute("data-height")
    return int(value or 0)


def settled_height(page, *, differs_from: int | None = None, timeout: float = 10.0) -> int:
    """The height the tool last asked for, once it stops changing (and differs, if asked)."""
    deadline = time.monotonic() + timeout
    previous = -1
    while time.monotonic() < deadline:
        height = frame_height(page)
        if height and height == previous and (differs_from is None or height != differs_from):
            return height
        previous = height
        time.sleep(0.3)
    return frame_height(page)


@pytest.mark.django_db(transaction=True)
def test_the_frame_shrinks_from_a_long_page_to_a_short_one(
    page, live_server, dev_platform, catalog
):
    page.set_viewport_size({"width": 1280, "height": 800})
    frame = launch(page, live_server, "maya", "bl-fall:bl-models")
    frame.get_by_test_id("module-title").wait_for()
    frame.get_by_test_id("mastery-start").click()
    frame.get_by_test_id("mastery-submit").wait_for()
    long_height = settled_height(page)
    tool = tool_frame(page)
    # The tool's own measure agrees with what it asked for: the whole check is visible.
    assert long_height >= tool.evaluate("document.body.getBoundingClientRect().height")
    assert long_height > 1200

    frame.get_by_test_id("my-credentials-link").click()
    frame.get_by_role("heading", level=1).wait_for()
    short_height = settled_height(page, differs_from=long_height)
    assert short_height < long_height / 2
    iframe = page.locator('[data-testid="tool-frame"]')
    assert int(iframe.get_attribute("height")) == max(short_height, 320)
    # No blank space: the frame is no taller than the short page's content needs.
    assert tool.evaluate("document.documentElement.scrollHeight") <= max(short_height, 320) + 1
