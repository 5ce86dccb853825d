"""The trainer dashboard before there is anything to show says what will appear and what to
do, instead of an all-zero chart and bare headings."""

from __future__ import annotations

import re

from courses.models import Placement
from tests.dashboards.test_dashboard import INSTRUCTOR, take_check


def test_no_scores_yet_draws_no_chart_but_says_what_will_appear(launch_as):
    trainer = launch_as(sub="priya", name="Priya Raman", roles=[INSTRUCTOR])
    html = trainer.get("/app/trainer/").content.decode()
    assert 'data-testid="chart-empty"' in html
    assert 'data-testid="mastery-chart"' not in html and "<svg" not in html
    assert "When teachers submit a mastery check" in html


def test_the_chart_returns_once_a_score_is_counted(launch_as):
    maya = launch_as(sub="maya", name="Maya Alvarez")
    maya.sub = "maya"
    pid = Placement.objects.get().pk
    for slug in ("first", "second"):
        maya.post(f"/app/p/{pid}/lessons/{slug}/complete/")
    take_check(maya, pid)
    trainer = launch_as(sub="priya", name="Priya Raman", roles=[INSTRUCTOR])
    html = trainer.get("/app/trainer/").content.decode()
    assert 'data-testid="mastery-chart"' in html and 'data-testid="chart-empty"' not in html


def test_wide_tables_scroll_in_their_own_focusable_region(launch_as):
    trainer = launch_as(sub="priya", name="Priya Raman", roles=[INSTRUCTOR])
    html = trainer.get("/app/trainer/").content.decode()
    tables = html.count("<table")
    assert tables >= 2
    assert html.count('<div class="table-scroll" role="region" tabindex="0"') == tables


def test_times_show_in_one_format_with_the_zone_named(launch_as, settings):
    from datetime import UTC, datetime

    from django.template import Context, Template
    from django.utils import timezone

    moment = datetime(2026, 12, 2, 13, 45, tzinfo=UTC)
    rendered = Template("{% load ignite_text %}{{ t|when }}").render(Context({"t": moment}))
    assert (
        rendered
        == '<time datetime="2026-12-02T13:45:00+00:00" data-when>Dec 2, 2026, 13:45 UTC</time>'
    )
    with timezone.override("America/Chicago"):
        shown = Template("{% load ignite_text %}{{ t|when }}").render(Context({"t": moment}))
    assert "Dec 2, 2026, 07:45 CST" in shown
    trainer = launch_as(sub="priya", name="Priya Raman", roles=[INSTRUCTOR])
    html = trainer.get("/app/trainer/").content.decode()
    roster_times = re.findall(r"<time datetime=[^>]+>([^<]+)</time>", html)
    assert roster_times and all(t.endswith(" UTC") for t in roster_times)
