"""The program lead's journey in a real browser: an admin names a lead (the command), the
lead launches from a course of their own, opens the program view, filters to one school,
exports a CSV and opens a trainer's dashboard read-only."""

from __future__ import annotations

import csv
import io
from io import StringIO

import pytest
from django.core.management import call_command

from courses.models import Participant

from .conftest import dev_launch, tool_frame
from .test_narrow_pages import at_width


@pytest.mark.django_db(transaction=True)
def test_lead_journey(page, live_server, dev_platform, catalog, axe_check, screenshot):
    base = live_server.url
    frame = dev_launch(page, base, "maya", "bl-fall:bl-models")
    frame.get_by_test_id("resume").click()
    frame.get_by_test_id("mark-complete").click()
    frame.get_by_test_id("lesson-title").wait_for()
    dev_launch(page, base, "jordan", "bl-fall:bl-models").get_by_test_id("module-title").wait_for()
    dev_launch(page, base, "priya", "bl-fall:").get_by_test_id("trainer-dashboard").first.wait_for()
    # The LMS names each teacher's school (a roster field).
    Participant.objects.filter(email__startswith="maya.").update(school="Lincoln Elementary")
    Participant.objects.filter(email__startswith="jordan.").update(school="Adams High")

    call_command(
        "program_leads", "add", "--platform", str(dev_platform.pk),
        "--email", "amara.okafor@district.example", "--program", "blended-learning",
        stdout=StringIO(),
    )  # fmt: skip
    # Amara leads from a course where the program is not even placed.
    frame = dev_launch(page, base, "amara", "cs-spring:")
    frame.get_by_test_id("program-view").click()
    frame.get_by_test_id("module-funnel").wait_for()
    axe_check(tool_frame(page), "program view")
    screenshot(page, "program-view")
    cohorts = frame.get_by_test_id("cohorts-row")
    assert cohorts.count() == 1 and "Blended Learning Cohort" in cohorts.first.inner_text()

    frame.get_by_test_id("school-select").select_option("Lincoln Elementary")
    frame.get_by_test_id("school-apply").click()
    frame.get_by_test_id("school-active").wait_for()
    schools = frame.get_by_test_id("schools-row")
    assert schools.count() == 1 and "Lincoln Elementary" in schools.first.inner_text()

    with page.expect_download() as download:
        frame.get_by_test_id("export-schools").click()
    rows = list(csv.reader(io.StringIO(open(download.value.path(), encoding="utf-8").read())))
    assert rows[0][0] == "Name" and [row[0] for row in rows[1:]] == ["Lincoln Elementary"]

    frame.get_by_test_id("trainer-dashboard-readonly").first.click()
    frame.get_by_test_id("read-only").wait_for()
    assert frame.get_by_test_id("progress-row").filter(has_text="Maya Alvarez").count() == 1
    assert frame.locator('form[method="post"]').count() == 0
    axe_check(tool_frame(page), "read-only trainer dashboard")

    # At 320 px the program view scrolls only inside its tables, never sideways as a page.
    at_width(page, 320)
    frame.get_by_text("program view").first.click()
    frame.get_by_test_id("module-funnel").wait_for()
    wide = tool_frame(page).evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1
                         && !(e.parentElement && e.parentElement.closest('.table-scroll')))
            .slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + e.getAttribute('data-testid'))"""
    )
    assert wide == []
    axe_check(tool_frame(page), "program view at 320 px")
    screenshot(page, "program-view-320")
    assert page.js_errors == []
