"""Dynamic registration in a real browser: the LMS opens Ignite's registration URL in a
frame; Ignite registers itself and posts org.imsglobal.lti.close to the LMS."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from lti_tool.models import Platform


@pytest.mark.django_db(transaction=True)
def test_lms_admin_registers_ignite_with_a_one_time_link(page, live_server, screenshot):
    out = StringIO()
    call_command("lti_registration_link", "--base-url", live_server.url, stdout=out)
    link = out.getvalue().strip().splitlines()[-1]

    page.goto(f"{live_server.url}/dev/platform/register-tool/")
    page.get_by_test_id("dev-registration-url").fill(link)
    page.get_by_test_id("dev-register").click()
    frame = page.frame_locator('[data-testid="registration-frame"]')
    # Ignite's page says it is done and asks the LMS to close it (the LMS then hides it).
    frame.get_by_test_id("registration-done").wait_for(state="attached")
    # A locator, not wait_for_function: a polled string predicate is eval'd, which the
    # platform page's CSP (script-src 'self') refuses whenever the first check is false.
    page.locator('[data-testid="dev-registration-status"][data-closed="true"]').wait_for(
        state="attached"
    )
    screenshot(page, "dynamic-registration")
    status = page.get_by_test_id("dev-registration-status")
    assert "finished registering" in status.inner_text()
    assert Platform.objects.filter(client_id__startswith="ignite-dyn-").count() == 1
    assert page.js_errors == []
