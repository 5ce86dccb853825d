"""Embedded launches through the development platform with its platform storage switched off
(as Moodle behaves), the platform on localhost and Ignite on 127.0.0.1 (two sites):

- Chromium blocking third-party cookies (profile preference, persistent context): the
  partitioned login-state cookie holds in the frame, and the launch succeeds there;
- every cookie of Ignite refused in the LMS frame (a content-settings exception, the Safari-like
  worst case): the login step offers the new window, one click completes the launch there;
- page links stay with their browser: a trainer's URL in a second profile is a relaunch page,
  a teacher's stops working after IGNITE_UNBOUND_TOKEN_TTL (the clock is moved, not waited for).
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest

import pagesession.launch_token

from .conftest import dev_launch
from .test_blocked_cookies import cross_site, profile_context, refuse_ignite_cookies_in_frame


@pytest.fixture
def third_party_blocked(playwright_instance, chromium_path, tmp_path):
    # Chromium's own "Block third-party cookies" (chrome://settings/cookies).
    prefs = {"profile": {"cookie_controls_mode": 1}}
    context = profile_context(playwright_instance, chromium_path, tmp_path / "blocked", prefs)
    yield context
    context.close()


def open_without_storage(context, platform_base, person, link="bl-fall:bl-models"):
    page = context.new_page()
    return page, dev_launch(page, platform_base, person, link, storage="off")


@pytest.mark.django_db(transaction=True)
def test_embedded_launch_with_third_party_cookies_blocked_and_no_platform_storage(
    third_party_blocked, live_server, settings, catalog, screenshot
):
    platform_base = cross_site(live_server, settings)
    tool_base = platform_base.replace("localhost", "127.0.0.1")
    page, frame = open_without_storage(third_party_blocked, platform_base, "maya")
    frame.get_by_test_id("module-title").wait_for()
    assert "Maya Alvarez" in frame.get_by_test_id("participant-name").inner_text()
    storage = page.get_by_test_id("dev-storage")
    assert (storage.get_attribute("data-puts"), storage.get_attribute("data-gets")) == ("0", "0")
    # The page is bound to this browser by a partitioned cookie, kept for the LMS's site only.
    cookies = {c["name"]: c for c in third_party_blocked.cookies(tool_base)}
    assert cookies["ignite-bind"]["partitionKey"].startswith("http://localhost")
    assert not any(name.startswith("ignite-state-") for name in cookies)  # used once, deleted
    screenshot(page, "embedded-third-party-blocked")


@pytest.mark.django_db(transaction=True)
def test_with_every_cookie_refused_the_login_offers_a_new_window(
    playwright_instance, chromium_path, tmp_path, live_server, settings, catalog, screenshot
):
    platform_base = cross_site(live_server, settings)
    tool_base = platform_base.replace("localhost", "127.0.0.1")
    context = refuse_ignite_cookies_in_frame(
        playwright_instance, chromium_path, tmp_path / "strict", tool_base, platform_base
    )
    try:
        page, frame = open_without_storage(context, platform_base, "jordan")
        offer = frame.get_by_test_id("open-in-new-window")
        offer.wait_for()
        assert "its own window" in frame.get_by_test_id("storage-fallback").inner_text()
        screenshot(page, "embedded-every-cookie-refused-offer")
        with context.expect_page() as popup_info:
            offer.click()
        popup = popup_info.value
        popup.get_by_test_id("module-title").wait_for()  # one click: the module opens
        assert "Jordan O'Neil" in popup.get_by_test_id("participant-name").inner_text()
        assert urlsplit(popup.url).netloc == urlsplit(tool_base).netloc
        screenshot(popup, "embedded-every-cookie-refused-new-window")
    finally:
        context.close()


def tool_page_url(page) -> str:
    frame = page.wait_for_selector('[data-testid="tool-frame"]').content_frame()
    return frame.url


@pytest.mark.django_db(transaction=True)
def test_page_urls_copied_into_another_browser_profile(
    browser_context,
    playwright_instance,
    chromium_path,
    tmp_path,
    live_server,
    settings,
    catalog,
    monkeypatch,
    screenshot,
):
    platform_base = cross_site(live_server, settings)
    settings.IGNITE_UNBOUND_TOKEN_TTL = 600
    second = profile_context(playwright_instance, chromium_path, tmp_path / "second")
    try:
        # A trainer's dashboard, opened in the LMS frame, then its URL pasted elsewhere.
        page, frame = open_without_storage(browser_context, platform_base, "priya", "bl-fall:")
        frame.get_by_test_id("trainer-dashboard").first.click()
        frame.get_by_test_id("dashboard-filters").wait_for()
        dashboard_url = tool_page_url(page)
        assert "/app/trainer/?lt=" in dashboard_url
        elsewhere = second.new_page()
        elsewhere.goto(dashboard_url)
        elsewhere.get_by_test_id("relaunch").wait_for()
        assert elsewhere.get_by_test_id("dashboard-filters").count() == 0
        assert "Dr. Priya Raman" not in elsewhere.content()
        screenshot(elsewhere, "copied-trainer-url")

        # A teacher's module page: elsewhere it shows that teacher's own work for minutes...
        page, frame = open_without_storage(browser_context, platform_base, "maya")
        frame.get_by_test_id("module-title").wait_for()
        module_url = tool_page_url(page)
        elsewhere.goto(module_url)
        elsewhere.get_by_test_id("module-title").wait_for()
        assert "Maya Alvarez" in elsewhere.get_by_test_id("participant-name").inner_text()
        # ...and not after IGNITE_UNBOUND_TOKEN_TTL (the tokens' clock moved 10 minutes on).
        monkeypatch.setattr(pagesession.launch_token, "now", lambda: time.time() + 601)
        elsewhere.goto(module_url)
        elsewhere.get_by_test_id("relaunch").wait_for()
        assert elsewhere.get_by_test_id("module-title").count() == 0
        # In the browser that launched, the same page goes on working.
        tool = page.wait_for_selector('[data-testid="tool-frame"]').content_frame()
        tool.goto(module_url)
        tool.get_by_test_id("module-title").wait_for()
    finally:
        second.close()
