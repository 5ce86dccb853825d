"""A pressed submit button says it is working, and a second press does not post the form
again (progressive enhancement: forms.js)."""

from __future__ import annotations

import pytest

from .conftest import tool_frame
from .test_teacher_journey import launch


@pytest.mark.django_db(transaction=True)
def test_a_second_press_is_not_a_second_post(page, live_server, dev_platform, catalog):
    frame = launch(page, live_server, "maya", "bl-fall:bl-models")
    frame.get_by_test_id("resume").click()
    frame.get_by_test_id("lesson-title").wait_for()
    first_title = frame.get_by_test_id("lesson-title").inner_text()
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    tool = tool_frame(page)
    # Two presses in one go, as a double click does; record whether each submit went ahead.
    outcome = tool.evaluate(
        """() => {
            const seen = [];
            window.addEventListener('submit', e => seen.push(e.defaultPrevented));
            const button = document.querySelector('[data-testid="mark-complete"]');
            button.click();
            button.click();
            return {seen, busy: button.getAttribute('aria-busy'), text: button.textContent};
        }"""
    )
    assert outcome["seen"] == [False, True]
    assert outcome["busy"] == "true" and outcome["text"] == "Working…"
    frame.get_by_test_id("lesson-title").filter(has_not_text=first_title).wait_for()
    assert len([url for url in posts if "/complete/" in url]) == 1
    assert page.js_errors == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/lti/launch/", "/lti/login/"])
def test_opening_a_sign_in_url_in_the_browser_shows_ignites_page(
    page, live_server, dev_platform, axe_check, path
):
    response = page.goto(f"{live_server.url}{path}")
    assert response.status in (400, 405)
    assert page.get_by_role("heading", level=1).inner_text() == "Ignite opens from your course"
    axe_check(page.main_frame, f"GET {path}")
