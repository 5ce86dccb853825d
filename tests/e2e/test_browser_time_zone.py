"""Where neither the LMS platform nor the operator chose a time zone, pages show times in the
reader's browser zone, in the one format with the zone named (times.js); the same page in a
browser elsewhere reads its own zone."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from .conftest import ARGS, dev_launch

SHOWN = re.compile(r"^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{2}:\d{2} \S+$")


def expected(instant: str, zone: str) -> str:
    moment = datetime.fromisoformat(instant).astimezone(ZoneInfo(zone))
    return f"{moment:%b} {moment.day}, {moment:%Y, %H:%M}"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("zone", ["America/Chicago", "Asia/Kolkata"])
def test_times_read_in_the_browser_zone_when_nobody_chose_one(
    playwright_instance, chromium_path, tmp_path, live_server, dev_platform, catalog, settings, zone
):
    settings.IGNITE_TIME_ZONE_CHOSEN = False
    context = playwright_instance.chromium.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=chromium_path,
        args=ARGS,
        headless=True,
        timezone_id=zone,
    )
    try:
        context.set_default_timeout(15_000)
        page = context.new_page()
        frame = dev_launch(page, live_server.url, "maya", "bl-fall:bl-models")
        frame.get_by_test_id("resume").click()
        frame.get_by_test_id("mark-complete").click()
        frame.get_by_test_id("lesson-title").wait_for()
        frame = dev_launch(page, live_server.url, "priya", "bl-fall:")
        frame.get_by_test_id("trainer-dashboard").first.click()
        frame.get_by_test_id("progress-grid").wait_for()
        times = frame.locator("time[data-when]")
        times.first.wait_for()
        assert times.count() >= 1
        for i in range(times.count()):
            shown = times.nth(i).inner_text()
            instant = times.nth(i).get_attribute("datetime")
            assert SHOWN.match(shown), shown
            assert shown.startswith(expected(instant, zone)), (shown, zone)
            assert not shown.endswith("UTC")
    finally:
        context.close()
