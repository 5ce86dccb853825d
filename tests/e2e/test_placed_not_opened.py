"""Modules known before their first launch, through the development platform's real AGS
service: a course whose Ignite link was made elsewhere (a course copy: the LMS has the link
and its gradebook column, Ignite never saw either) shows the module to its trainer as placed,
not opened yet; the link's first launch opens that same placement."""

from __future__ import annotations

import pytest

from courses.models import Placement
from devplatform.models import DevLineItem, DevLink

from .conftest import tool_frame
from .test_teacher_journey import launch


@pytest.mark.django_db(transaction=True)
def test_a_copied_link_nobody_opened_shows_on_the_trainer_dashboard(
    page, live_server, dev_platform, catalog, axe_check
):
    link = DevLink.objects.create(
        course_id="bl-fall",
        key="copied-1",
        title="Running a station rotation",
        custom={"module": "station-rotation"},
    )
    DevLineItem.objects.create(
        course_id="bl-fall",
        resource_link_id=link.key,
        resource_id="station-rotation:mastery",
        tag="mastery",
        label="Running a station rotation: mastery check",
        score_maximum=100,
    )
    frame = launch(page, live_server, "priya", "bl-fall:")
    frame.get_by_test_id("trainer-dashboard").first.click()
    column = frame.locator('[data-testid="module-column"][data-opened="false"]')
    column.wait_for()
    assert "placed, not opened yet" in column.inner_text()
    assert Placement.objects.exclude(module_slug="").get().module_slug == "station-rotation"
    axe_check(tool_frame(page), "dashboard with a module placed, not opened")

    frame = launch(page, live_server, "maya", "bl-fall:copied-1")
    frame.get_by_test_id("module-title").wait_for()
    assert Placement.objects.exclude(module_slug="").count() == 1

    frame = launch(page, live_server, "priya", "bl-fall:")
    frame.get_by_test_id("trainer-dashboard").first.click()
    frame.locator('[data-testid="module-column"][data-opened="true"]').wait_for()
    assert frame.get_by_test_id("placed-not-opened").count() == 0
    assert page.js_errors == []
