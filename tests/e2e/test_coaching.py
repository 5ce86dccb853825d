"""Issue 16's "Done when", in a real browser through the development platform: a coach opens a
cycle with a teacher, observes at 375 px with the station-rotation look-for tool (the draft
saves as they type), and shares; the teacher reflects and consents; a second observation shows
growth on the chart; the teacher's credential that requires an observation is issued with the
observation named in its evidence, and passes the OB 3.0 schema and an independent verifier."""

from __future__ import annotations

import shutil
import urllib.request
from io import StringIO
from pathlib import Path

import jwt
import pytest
from django.core.management import call_command

from coaching.models import CoachingCycle, Observation
from courses.models import Placement
from credentials.models import IssuedCredential
from lti_tool.passback import grades_drain
from tests.credentials.test_credentials import schema_errors

from .conftest import tool_frame
from .test_credentials import master
from .test_teacher_journey import launch

CONTENT = Path(__file__).resolve().parents[2] / "content" / "blended-learning"
OBSERVED = """\
  - slug: station-rotation-observed
    name: Station Rotation, Observed
    description: Runs a station rotation that a coach observed at a developing level or above.
    criteria: Mastery of "Running a station rotation" and an observation at level 3 or above.
    required_modules: [station-rotation]
    observation_required:
      module: station-rotation
      look_fors: [stations-have-a-job, transitions-run-themselves]
      min_level: 3
"""


@pytest.fixture
def observed_credential(catalog, tmp_path):
    """The shipped blended-learning program with one more credential that needs an
    observation, imported through import_content like any pack."""
    program = tmp_path / "blended-learning"
    shutil.copytree(CONTENT, program)
    path = program / "program.yaml"
    path.write_text(path.read_text() + OBSERVED)
    call_command("import_content", str(program), stdout=StringIO())


def fits_320(page, axe_check, name: str) -> None:
    """The page in a 320 px frame: no sideways scroll, and axe-core finds nothing serious."""
    page.evaluate("document.querySelector('[data-testid=tool-frame]').style.width = '320px'")
    assert no_sideways_scroll(page) <= 0, name
    axe_check(tool_frame(page), f"{name} at 320 px")
    page.evaluate("document.querySelector('[data-testid=tool-frame]').style.width = ''")


def no_sideways_scroll(page) -> int:
    return tool_frame(page).evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def observe(page, frame, levels: dict[str, str], when: str):
    form = frame.get_by_test_id("observe-form")
    form.wait_for()
    frame.get_by_test_id("observe-date").fill(when)
    for slug, level in levels.items():
        frame.locator(
            f'[data-testid="look-for"][data-slug="{slug}"] input[value="{level}"]'
        ).check()
    # The draft saves as the coach works (JSON autosave), before anything is shared.
    frame.get_by_test_id("draft-status").filter(has_text="Draft saved").wait_for()
    frame.get_by_test_id("observe-notes").fill("10:02 timer on; all groups started by 10:03.")
    frame.get_by_test_id("observe-strength-look-for").select_option("transitions-run-themselves")
    frame.get_by_test_id("observe-strength").fill("Transitions ran on the timer alone.")
    frame.get_by_test_id("observe-next-step").fill("Post a task card at the online station.")
    frame.get_by_test_id("observe-resource").select_option("designing-stations")
    frame.get_by_test_id("draft-status").filter(has_text="Draft saved").wait_for()


@pytest.mark.django_db(transaction=True)
def test_a_coaching_cycle_to_a_credential_that_names_the_observation(
    page, live_server, dev_platform, observed_credential, axe_check, screenshot
):
    master(page, live_server, "maya", "bl-fall:bl-stations")
    placement = Placement.objects.get(lti_link__resource_link_id="bl-stations")

    # The coach, on a phone-sized screen.
    page.set_viewport_size({"width": 375, "height": 800})
    frame = launch(page, live_server, "priya", "bl-fall:bl-stations")
    frame.get_by_test_id("trainer-dashboard").first.click()
    frame.get_by_test_id("coaching-link").click()
    frame.get_by_test_id("coaching-new").wait_for()
    axe_check(tool_frame(page), "coaching list")
    fits_320(page, axe_check, "coaching list")
    # Observation scores go to the LMS gradebook for this link (off until turned on).
    frame.get_by_test_id("gradebook-toggle").click()
    frame.get_by_test_id("gradebook-saved").wait_for()
    assert frame.get_by_test_id("gradebook-state").inner_text() == "on"
    frame.get_by_test_id("coaching-teacher").select_option(label="Maya Alvarez")
    frame.get_by_test_id("coaching-placement").select_option(str(placement.pk))
    frame.get_by_test_id("coaching-goal").fill("Students start each station without help")
    frame.get_by_test_id("coaching-date").fill("2026-11-20")
    frame.get_by_test_id("coaching-open").click()
    frame.get_by_test_id("cycle-observe").click()
    observe(
        page,
        frame,
        {
            "stations-have-a-job": "2",
            "transitions-run-themselves": "3",
            "group-from-recent-data": "2",
        },
        "2026-11-20",
    )
    assert Observation.objects.get().shared_at is None
    assert no_sideways_scroll(page) <= 0
    axe_check(tool_frame(page), "observation form at 375 px")
    screenshot(page, "coach-observation-375")
    frame.get_by_test_id("observe-share").click()
    frame.get_by_test_id("coaching-ratings").wait_for()
    assert frame.get_by_test_id("cycle-step").inner_text() == "Feedback shared"
    fits_320(page, axe_check, "coach's cycle page")
    # The score reached its own column in the LMS gradebook: 2+3+2 of 12 points.
    assert grades_drain()["delivered"] >= 1
    page.goto(f"{live_server.url}/dev/platform/gradebook/")
    column = page.get_by_test_id("gradebook-item").filter(has_text="Observation of practice")
    assert "58.33 / 100.0" in column.locator('[data-testid="gradebook-score"]').inner_text()

    # The teacher reads the feedback on her pages and reflects, consenting to be named.
    page.set_viewport_size({"width": 1024, "height": 900})
    frame = launch(page, live_server, "maya", "bl-fall:")
    panel = frame.get_by_test_id("coaching-panel")
    panel.wait_for()
    panel.get_by_role("link").first.click()
    frame.get_by_test_id("coaching-strength").wait_for()
    assert (
        "Transitions ran on the timer alone."
        in frame.get_by_test_id("coaching-strength").inner_text()
    )
    axe_check(tool_frame(page), "teacher's cycle page")
    frame.get_by_test_id("reflection-input").fill("I will post task cards tomorrow.")
    frame.get_by_test_id("evidence-consent").check()
    frame.get_by_test_id("reflect-submit").click()
    frame.get_by_test_id("cycle-step").filter(has_text="Teacher reflected").wait_for()
    assert not IssuedCredential.objects.filter(
        achievement__slug="station-rotation-observed"
    ).exists()

    # The coach closes the cycle and opens the next; the second observation is at level 3+.
    page.set_viewport_size({"width": 375, "height": 800})
    first = CoachingCycle.objects.get()
    frame = launch(page, live_server, "priya", "bl-fall:bl-stations")
    frame.get_by_test_id("trainer-dashboard").first.click()
    maya_row = frame.get_by_test_id("progress-row").filter(has_text="Maya Alvarez")
    maya_row.get_by_test_id("coaching-step").filter(has_text="Teacher reflected").wait_for()
    frame.get_by_test_id("coaching-link").click()
    frame.get_by_test_id("coaching-cycle-link").first.click()
    frame.get_by_role("radio", name="Not yet").check()
    frame.get_by_test_id("cycle-next").check()
    frame.get_by_test_id("cycle-close-submit").click()
    frame.get_by_test_id("cycle-observe").click()
    observe(
        page,
        frame,
        {
            "stations-have-a-job": "3",
            "transitions-run-themselves": "4",
            "group-from-recent-data": "3",
        },
        "2026-12-02",
    )
    frame.get_by_test_id("observe-share").click()
    frame.get_by_test_id("coaching-ratings").wait_for()
    assert CoachingCycle.objects.get(previous=first).step == "feedback_shared"

    page.set_viewport_size({"width": 1024, "height": 900})
    frame = launch(page, live_server, "maya", "bl-fall:")
    frame.get_by_test_id("coaching-panel").get_by_role("link").first.click()
    frame.get_by_test_id("reflection-input").fill("Task cards helped; next, data-based groups.")
    frame.get_by_test_id("evidence-consent").check()
    frame.get_by_test_id("reflect-submit").click()
    frame.get_by_test_id("cycle-step").filter(has_text="Teacher reflected").wait_for()
    chart = frame.get_by_test_id("growth-chart")
    series = chart.locator('[data-testid="growth-series"][data-slug="stations-have-a-job"]')
    assert series.locator("circle").count() == 2
    cells = chart.get_by_test_id("growth-table").locator("tbody tr").first.locator("td")
    assert [cells.nth(i).inner_text() for i in range(cells.count())] == ["2", "3"]
    axe_check(tool_frame(page), "growth chart")
    fits_320(page, axe_check, "teacher's cycle page with growth")
    screenshot(page, "teacher-coaching-growth")

    issued = IssuedCredential.objects.get(achievement__slug="station-rotation-observed")
    [entry] = [e for e in issued.credential["evidence"] if e.get("genre") == "Observation"]
    assert "2026-12-02" in entry["narrative"] and "by a coach" in entry["narrative"]
    assert "level 3 of 4" in entry["narrative"] and "10:02" not in str(issued.credential)
    assert schema_errors(issued.credential) == []

    from cryptography.hazmat.primitives import serialization
    from openbadgeslib.ob3 import OB3Verifier

    key = jwt.PyJWK(jwt.get_unverified_header(issued.jwt)["jwk"]).key
    pem = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )

    def fetch(url: str) -> bytes:
        with urllib.request.urlopen(url, timeout=10) as response:  # the live server
            return response.read()

    verified = OB3Verifier(pem).verify(
        issued.jwt, check_status=True, verify_status_list=True, download=fetch
    )
    assert verified.issuer.id == issued.credential["issuer"]["id"]
    assert page.js_errors == []
