"""Links placed in the course that nobody opened yet: an interface this app owns, filled in
by `lti_tool`.

The LMS knows a course's links before anyone opens them (Assignment and Grade Services line
items, with the `resourceId` Ignite gave each link in deep linking); reading them is protocol
(lti_tool/lineitems.py), so `lti_tool` registers its reader here when it starts and this app
never imports it. The trainer dashboard asks before it shows the course; without a reader (a
tool with no LTI app) it shows the placements Ignite has.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class PlacementsLearned:
    added: int = 0  # placements made for links nobody opened yet
    error: str = ""  # why the LMS could not be asked (the page shows what Ignite has)


def _none(*, cohort_id: int, context=None) -> PlacementsLearned:
    return PlacementsLearned()


_source: dict[str, Callable[..., PlacementsLearned]] = {"learn": _none}


def placements_source_register(source: Callable[..., PlacementsLearned]) -> None:
    """`source(cohort_id=..., context=...)` makes placements for the course's links it learns
    of; `context` is the course's LMS context when the caller has read it (the roster's,
    dashboards/roster.py), else None and the source reads it."""
    _source["learn"] = source


def placements_learn(*, cohort_id: int, context=None) -> PlacementsLearned:
    return _source["learn"](cohort_id=cohort_id, context=context)
