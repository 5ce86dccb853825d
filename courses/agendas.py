"""Session agendas offered for a module: an interface the catalog owns.

A trainer scheduling a cohort session for a module starts from the agenda of the module's
facilitator guide when there is one. The guide belongs to facilitation/ and the sessions to
cohortsessions/, two sibling apps that may not import each other; so facilitation registers a
source here from its `AppConfig.ready()`, and the sessions app asks this module. A source takes
the module's current version and returns the agenda as plain text ("" when it has none).
"""

from __future__ import annotations

from collections.abc import Callable

from .models import ModuleVersion

_sources: list[Callable[..., str]] = []


def agenda_source_register(source: Callable[..., str]) -> None:
    """Add `source(*, version) -> str`; registering twice is a no-op."""
    if source not in _sources:
        _sources.append(source)


def agenda_for(*, version: ModuleVersion | None) -> str:
    """The first non-empty agenda a registered source offers for this version, else ""."""
    if version is None:
        return ""
    for source in _sources:
        text = source(version=version)
        if text:
            return text
    return ""
