"""The roster the dashboard shows: an interface this app owns, filled in by `lti_tool`.

The LMS's roster is read through LTI Names and Role Provisioning Services, which is protocol
(lti_tool/roster.py); `lti_tool` registers its lookup here when it starts, so this app never
imports it. Without one (a tool with no LTI app), the dashboard shows the people it knows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class RosterPanel:
    result: object | None = None  # a sync just made: error, cached, members, added, inactive
    context: object | None = None  # where it comes from: memberships_url, roster_synced_at...
    refreshing: bool = False  # a refresh is under way in the background


def _none(*, cohort_id: int, refresh: bool) -> RosterPanel:
    return RosterPanel()


_source: dict[str, Callable[..., RosterPanel]] = {"panel": _none}


def roster_source_register(source: Callable[..., RosterPanel]) -> None:
    """`source(cohort_id=..., refresh=...)` returns a RosterPanel for the cohort."""
    _source["panel"] = source


def roster_panel(*, cohort_id: int, refresh: bool) -> RosterPanel:
    return _source["panel"](cohort_id=cohort_id, refresh=refresh)
