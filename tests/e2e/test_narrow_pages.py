"""Every teacher and trainer page fits the LMS frame at 320 px and at 1280 px: the page itself
never scrolls sideways (a wide table scrolls inside its own region), and axe-core finds no
serious or critical issue. The trainer dashboard is also seen empty, before any teacher."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from courses.models import Participant, Placement
from exchange.models import Post
from mastery.models import Attempt

from .conftest import tool_frame
from .test_teacher_journey import answer_everything_right, launch


def at_width(page, width: int):
    page.set_viewport_size({"width": width + 60, "height": 900})
    page.evaluate(f"document.querySelector('[data-testid=tool-frame]').style.width = '{width}px'")


def token_of(tool) -> str:
    return parse_qs(urlparse(tool.url).query)["lt"][0]


def check(page, width: int, name: str, axe_check, screenshot):
    tool = tool_frame(page)
    tool.wait_for_load_state()
    client = tool.evaluate("document.documentElement.clientWidth")
    assert client <= width
    scroll = tool.evaluate("document.documentElement.scrollWidth")
    assert scroll <= client, f"{name} at {width} px: the page is {scroll} px wide"
    axe_check(tool, f"{name} at {width} px")
    screenshot(page, f"narrow-{width}-{name}")


def visit(page, path: str, token: str):
    tool = tool_frame(page)
    sep = "&" if "?" in path else "?"
    tool.goto(f"{path}{sep}lt={token}")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [320, 1280])
def test_every_teacher_and_trainer_page_fits_without_sideways_scrolling(
    page, live_server, dev_platform, catalog, axe_check, screenshot, width
):
    base = live_server.url

    # The trainer first, before any teacher has opened anything: the empty states.
    frame = launch(page, live_server, "priya", "bl-fall:")
    frame.get_by_test_id("cohort-title").wait_for()
    at_width(page, width)
    trainer = token_of(tool_frame(page))
    visit(page, f"{base}/app/trainer/", trainer)
    frame.get_by_test_id("trainer-empty").wait_for()
    assert frame.locator("svg").count() == 0  # no all-zero chart
    check(page, width, "trainer-dashboard-empty", axe_check, screenshot)

    # A teacher's pages.
    frame = launch(page, live_server, "maya", "bl-fall:bl-models")
    frame.get_by_test_id("module-title").wait_for()
    at_width(page, width)
    check(page, width, "module", axe_check, screenshot)
    teacher = token_of(tool_frame(page))
    frame.get_by_test_id("resume").click()
    frame.get_by_test_id("lesson-title").wait_for()
    check(page, width, "lesson", axe_check, screenshot)
    visit(page, f"{base}/app/modules/", teacher)
    check(page, width, "cohort", axe_check, screenshot)
    visit(page, f"{base}/app/catalog/", teacher)
    check(page, width, "catalog", axe_check, screenshot)
    visit(page, f"{base}/app/credentials/", teacher)
    check(page, width, "my-credentials", axe_check, screenshot)
    placement = Placement.objects.get(lti_link__resource_link_id="bl-models")
    visit(page, f"{base}/app/p/{placement.pk}/", teacher)
    frame.get_by_test_id("mastery-start").click()
    frame.get_by_test_id("mastery-submit").wait_for()
    check(page, width, "mastery-attempt", axe_check, screenshot)
    answer_everything_right(frame, Attempt.objects.get(participant__name="Maya Alvarez"))
    frame.get_by_test_id("mastery-submit").click()
    frame.get_by_test_id("mastery-score").wait_for()
    check(page, width, "mastery-result", axe_check, screenshot)
    visit(page, f"{base}/app/p/{placement.pk}/exchange/", teacher)
    frame.get_by_test_id("exchange-form").wait_for()
    check(page, width, "exchange", axe_check, screenshot)
    frame.get_by_test_id("kind-artifact").check()
    frame.get_by_test_id("post-title").fill("Rotation chart for my third period, week one")
    for field in ("post-tried", "post-happened", "post-change"):
        frame.get_by_test_id(field).fill("A sentence long enough to wrap at 320 px, twice. " * 2)
    frame.get_by_test_id("post-link").fill("https://example.org/a/very/long/path/" + "x" * 80)
    frame.get_by_test_id("privacy-confirm").check()
    frame.get_by_test_id("post-share").click()
    frame.get_by_test_id("post-heading").wait_for()
    check(page, width, "exchange-post", axe_check, screenshot)

    # The trainer's pages, with data.
    frame = launch(page, live_server, "priya", "bl-fall:")
    frame.get_by_test_id("cohort-title").wait_for()
    at_width(page, width)
    visit(page, f"{base}/app/trainer/", trainer)
    frame.get_by_test_id("progress-grid").wait_for()
    check(page, width, "trainer-dashboard", axe_check, screenshot)
    maya = Participant.objects.get(name="Maya Alvarez")
    visit(page, f"{base}/app/trainer/p/{placement.pk}/teachers/{maya.pk}/", trainer)
    check(page, width, "trainer-teacher", axe_check, screenshot)
    visit(page, f"{base}/app/trainer/p/{placement.pk}/guide/", trainer)
    check(page, width, "facilitation-guide", axe_check, screenshot)
    visit(page, f"{base}/app/trainer/p/{placement.pk}/calibration/", trainer)
    check(page, width, "calibration", axe_check, screenshot)
    post = Post.objects.get()
    visit(page, f"{base}/app/p/{placement.pk}/exchange/{post.pk}/", trainer)
    frame.get_by_test_id("trainer-actions").wait_for()
    check(page, width, "exchange-post-trainer", axe_check, screenshot)

    frame = launch(page, live_server, "priya", "bl-fall:add-content")
    frame.get_by_test_id("deep-link-item").first.wait_for()
    at_width(page, width)
    check(page, width, "deep-link-picker", axe_check, screenshot)
    assert page.js_errors == []
