"""Times on a launch's pages and in its CSV read in the platform's time zone, labelled
(issue 19: "Times in the platform's time zone"); a platform without one uses the server's."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from courses.models import Placement
from tests.courses.conftest import trainer_on_another_platform

pytestmark = pytest.mark.django_db

INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
TIME = re.compile(r'<time datetime="([^"]+)" data-when>([^<]+)</time>')


def _platform_zone(platform, name: str) -> None:
    # save(), not update(): the registry each worker keeps is told of the change.
    platform.time_zone = name
    platform.save()


def _expected(instant: str, zone: str) -> str:
    moment = datetime.fromisoformat(instant).astimezone(ZoneInfo(zone))
    return moment.strftime("%b ") + f"{moment.day}, {moment:%Y, %H:%M} {moment.tzname()}"


def test_a_chicago_platform_sees_dashboard_and_csv_times_in_chicago_time(
    platform, launch_as, placement_of
):
    _platform_zone(platform, "America/Chicago")
    maya = launch_as(sub="maya", name="Maya Alvarez")
    maya.post(f"/app/p/{placement_of().pk}/lessons/first/complete/")
    trainer = launch_as(sub="priya", name="Priya Raman", roles=[INSTRUCTOR])

    html = trainer.get("/app/trainer/").content.decode()
    times = TIME.findall(html)
    assert times
    for instant, shown in times:
        assert shown.endswith((" CST", " CDT")), shown
        assert shown == _expected(instant, "America/Chicago")

    rows = list(
        csv.DictReader(io.StringIO(trainer.get("/app/trainer/export.csv").content.decode()))
    )
    activity = {row["Name"]: row["Last activity"] for row in rows}
    # The export's time is the one the page shows for her lesson, in the same words.
    assert activity["Maya Alvarez"].endswith((" CST", " CDT"))
    assert activity["Maya Alvarez"] in {shown for _instant, shown in times}


def test_another_platform_without_a_zone_keeps_utc_on_the_same_server(
    platform, launch_as, client, jwks_server, platform_private_key
):
    _platform_zone(platform, "America/Chicago")
    chicago = launch_as(sub="priya", name="Priya Raman", roles=[INSTRUCTOR])
    elsewhere = trainer_on_another_platform(client, jwks_server, platform_private_key)

    utc_times = TIME.findall(elsewhere.get("/app/trainer/").content.decode())
    assert utc_times and all(shown.endswith(" UTC") for _instant, shown in utc_times)
    rows = list(csv.reader(io.StringIO(elsewhere.get("/app/trainer/export.csv").content.decode())))
    assert all(row[3].endswith(" UTC") for row in rows[1:] if row[3])
    # And the Chicago trainer's next page is in Chicago time again: no zone leaks between
    # requests a worker serves.
    chicago_times = TIME.findall(chicago.get("/app/trainer/").content.decode())
    assert chicago_times and all(s.endswith((" CST", " CDT")) for _i, s in chicago_times)


def test_pages_without_a_launch_use_the_server_zone(platform, launch_as, client):
    _platform_zone(platform, "America/Chicago")
    launch_as(sub="priya", name="Priya Raman", roles=[INSTRUCTOR]).get("/app/trainer/")
    # The request after a Chicago page, on the same thread, without a launch.
    assert timezone.get_current_timezone_name() == "UTC"


def test_a_due_date_ends_at_midnight_in_the_platform_zone(platform, launch_as, placement_of):
    _platform_zone(platform, "America/Chicago")
    trainer = launch_as(sub="priya", name="Priya Raman", roles=[INSTRUCTOR])
    pid = placement_of().pk
    response = trainer.post("/app/trainer/due/", {"placement": pid, "due": "2026-12-10"})
    assert response.status_code == 303
    # 23:59 in Chicago (CST, UTC-6) is 05:59 UTC the next morning.
    due = Placement.objects.get(pk=pid).due_at
    assert due.astimezone(ZoneInfo("UTC")).isoformat() == "2026-12-11T05:59:00+00:00"
    html = trainer.get("/app/trainer/").content.decode()
    due_shown = "due " + f'<time datetime="{due.isoformat(timespec="seconds")}" data-when>'
    assert 'value="2026-12-10"' in html
    # The due date reads like every other moment: one format, the zone named.
    assert due_shown + "Dec 10, 2026, 23:59 CST</time>" in html
    maya = launch_as(sub="maya", name="Maya Alvarez")
    for page in (f"/app/p/{pid}/", "/app/modules/"):
        assert due_shown + "Dec 10, 2026, 23:59 CST</time>" in maya.get(page).content.decode()


TEMPLATE_DIRS = [
    p
    for p in Path(__file__).resolve().parents[2].glob("*/templates")
    if p.parent.name != "devplatform"  # the development LMS's own pages
] + [Path(__file__).resolve().parents[2] / "templates"]
# A template formatting a moment itself (|date, |time) skips the platform's zone label and the
# one format; `|when` does it. The one exception: a date input's value (ISO, no zone).
OWN_FORMAT = re.compile(r"\|(date|time)(:[^}]*)?}}")
INPUT_VALUE = re.compile(r'<input[^>]*type="date"[^>]*value="{{[^}]*\|date:"Y-m-d" }}"')


def test_no_template_formats_a_moment_itself():
    offenders = []
    for directory in TEMPLATE_DIRS:
        for path in directory.rglob("*.html"):
            text = INPUT_VALUE.sub("", path.read_text())
            offenders += [f"{path.name}: {m.group(0)}" for m in OWN_FORMAT.finditer(text)]
    assert offenders == []


def test_the_scan_sees_a_formatted_moment():
    assert OWN_FORMAT.search('due {{ placement.due_at|date:"M j" }}')
    assert not OWN_FORMAT.search("due {{ placement.due_at|when }}")
    assert INPUT_VALUE.search('<input type="date" name="due" value="{{ p.due_at|date:"Y-m-d" }}">')


def test_whose_zone_a_page_is_in_is_on_the_page(platform, launch_as, client, settings):
    """times.js rewrites times into the browser's zone only where nobody chose one."""
    settings.IGNITE_TIME_ZONE_CHOSEN = False
    trainer = launch_as(sub="priya", name="Priya Raman", roles=[INSTRUCTOR])
    assert '<html lang="en" data-zone="browser">' in trainer.get("/app/trainer/").content.decode()
    assert "ignite/times.js" in trainer.get("/app/trainer/").content.decode()
    settings.IGNITE_TIME_ZONE_CHOSEN = True  # the operator set TIME_ZONE
    assert 'data-zone="server"' in trainer.get("/app/trainer/").content.decode()
    _platform_zone(platform, "America/Chicago")
    settings.IGNITE_TIME_ZONE_CHOSEN = False
    assert 'data-zone="platform"' in trainer.get("/app/trainer/").content.decode()


def test_a_calendar_day_reads_in_the_one_format_and_a_moment_as_its_day_in_the_zone():
    from datetime import UTC, date, datetime

    from django.template import Context, Template
    from django.utils import timezone

    page = Template('{% load ignite_text %}{{ d|day }} / {{ d|day:"short" }} / {{ t|day }}')
    late = datetime(2026, 12, 3, 3, 30, tzinfo=UTC)  # still Dec 2 in Chicago
    with timezone.override("America/Chicago"):
        shown = page.render(Context({"d": date(2027, 7, 31), "t": late}))
    assert shown == "Jul 31, 2027 / Jul 31 / Dec 2, 2026"
    assert Template("{% load ignite_text %}[{{ d|day }}]").render(Context({"d": None})) == "[]"
