"""A launch in an LMS frame that refuses every cookie of Ignite (partitioned ones too: the
Safari-like worst case), from an LMS that offers LTI Client Side postMessage storage: the
platform on one site (localhost), Ignite on another (127.0.0.1). The login state goes through
the platform's storage, nothing after the launch needs a cookie (form posts included), and
trainer pages go on in a window of their own."""

from __future__ import annotations

import json

import pytest

from courses.models import LessonProgress
from devplatform.platform import register

from .conftest import ARGS, dev_launch


def profile_context(playwright_instance, chromium_path, path, prefs: dict | None = None):
    """A persistent Chromium profile (a normal user's browser, not an incognito context)."""
    (path / "Default").mkdir(parents=True)
    if prefs is not None:
        (path / "Default" / "Preferences").write_text(json.dumps(prefs))
    context = playwright_instance.chromium.launch_persistent_context(
        str(path), executable_path=chromium_path, args=ARGS, headless=True
    )
    context.set_default_timeout(15_000)
    return context


def refuse_ignite_cookies_in_frame(playwright_instance, chromium_path, path, tool, platform):
    """Every cookie of Ignite's origin refused where the LMS frames it (a content-settings
    exception, as chrome://settings/content/cookies writes it), partitioned cookies too; in a
    window of its own Ignite keeps its cookies."""
    exception = {f"{tool},{platform}": {"setting": 2, "last_modified": "13300000000000000"}}
    prefs = {"profile": {"content_settings": {"exceptions": {"cookies": exception}}}}
    return profile_context(playwright_instance, chromium_path, path, prefs)


@pytest.fixture
def cookie_blocking_context(playwright_instance, chromium_path, tmp_path, live_server):
    platform_base = live_server.url.replace("127.0.0.1", "localhost")  # as cross_site() does
    tool_base = platform_base.replace("localhost", "127.0.0.1")
    context = refuse_ignite_cookies_in_frame(
        playwright_instance, chromium_path, tmp_path / "profile", tool_base, platform_base
    )
    yield context
    context.close()


def cross_site(live_server, settings) -> str:
    """The platform on localhost, Ignite on 127.0.0.1 (two sites); returns the platform's URL."""

    platform_base = live_server.url.replace("127.0.0.1", "localhost")
    tool_base = platform_base.replace("localhost", "127.0.0.1")
    assert platform_base != tool_base
    register(platform_base)
    settings.IGNITE_DEV_TOOL_ORIGIN = tool_base
    return platform_base


def open_launch(context, platform_base, person, *, broken_storage=False):
    page = context.new_page()
    storage = "broken" if broken_storage else None
    return page, dev_launch(page, platform_base, person, "bl-fall:bl-models", storage=storage)


@pytest.mark.django_db(transaction=True)
def test_launch_and_use_with_every_cookie_refused(
    cookie_blocking_context, live_server, settings, catalog, screenshot
):
    platform_base = cross_site(live_server, settings)
    tool_base = platform_base.replace("localhost", "127.0.0.1")
    page, frame = open_launch(cookie_blocking_context, platform_base, "maya")
    frame.get_by_test_id("module-title").wait_for()
    assert "Maya Alvarez" in frame.get_by_test_id("participant-name").inner_text()

    storage = page.get_by_test_id("dev-storage")
    # The state was stored in the platform and read back: the cookie did not come back.
    assert (storage.get_attribute("data-puts"), storage.get_attribute("data-gets")) == ("1", "1")
    tool_cookies = [c["name"] for c in cookie_blocking_context.cookies(tool_base)]
    assert not any(name.startswith("ignite-state-") for name in tool_cookies)

    # After the launch nothing needs a cookie: a form post (CSRF-protected) works.
    frame.get_by_test_id("resume").click()
    first_title = frame.get_by_test_id("lesson-title").inner_text()
    frame.get_by_test_id("mark-complete").click()
    frame.get_by_test_id("lesson-title").filter(has_not_text=first_title).wait_for()
    assert LessonProgress.objects.filter(completed_at__isnull=False).count() == 1
    screenshot(page, "blocked-cookies-launch")


@pytest.mark.django_db(transaction=True)
def test_with_neither_cookies_nor_storage_ignite_offers_a_new_window(
    cookie_blocking_context, live_server, settings, catalog, screenshot
):
    platform_base = cross_site(live_server, settings)
    page, frame = open_launch(cookie_blocking_context, platform_base, "jordan", broken_storage=True)
    offer = frame.get_by_test_id("open-in-new-window")
    offer.wait_for()
    assert "its own window" in frame.get_by_test_id("storage-fallback").inner_text()
    screenshot(page, "blocked-cookies-new-window-offer")
    with cookie_blocking_context.expect_page() as popup_info:
        offer.click()
    popup = popup_info.value
    title = popup.get_by_test_id("module-title")
    title.wait_for()  # first-party in its own window: the sign-in completes
    assert "Jordan O'Neil" in popup.get_by_test_id("participant-name").inner_text()


@pytest.mark.django_db(transaction=True)
def test_a_trainer_whose_frame_keeps_no_cookie_goes_on_in_a_new_window(
    cookie_blocking_context, live_server, settings, catalog, screenshot
):
    platform_base = cross_site(live_server, settings)
    page, frame = open_launch(cookie_blocking_context, platform_base, "priya")
    offer = frame.get_by_test_id("open-in-new-window")
    offer.wait_for()
    screenshot(page, "trainer-new-window-offer")
    with cookie_blocking_context.expect_page() as popup_info:
        offer.click()
    popup = popup_info.value
    popup.get_by_test_id("trainer-dashboard").first.click()
    popup.get_by_test_id("dashboard-filters").wait_for()
    assert "Dr. Priya Raman" in popup.content()
