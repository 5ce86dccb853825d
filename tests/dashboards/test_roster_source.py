"""The dashboard's roster comes through dashboards/roster.py, which lti_tool fills in."""

from __future__ import annotations

from dashboards import roster
from lti_tool.roster import roster_panel_for_cohort


def test_lti_tool_registers_the_roster_source_at_start():
    assert roster._source["panel"] is roster_panel_for_cohort


def test_without_a_source_the_dashboard_shows_no_lms_roster(monkeypatch):
    monkeypatch.setattr(roster, "_source", {"panel": roster._none})
    panel = roster.roster_panel(cohort_id=1, refresh=True)
    assert (panel.result, panel.context, panel.refreshing) == (None, None, False)
