"""Sections that apps above this one add to a page this app, or an app between, renders.

The module page is the catalog's page, yet shows the mastery check's status and the evidence
form (mastery/), and the mastery result shows credential progress (credentials/). The lower
app owns the page and this registry; the higher app registers a provider when it starts
(`AppConfig.ready`), so imports keep pointing down.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

MODULE_PAGE = "module"  # kwargs: request, placement, module, progress (courses.progress)
MASTERY_RESULT = "mastery-result"  # kwargs: request, placement, module, attempt

_providers: dict[str, list[Callable[..., dict]]] = {}


def page_section_register(*, page: str, provider: Callable[..., dict]) -> None:
    """Add `provider`, which returns template context for `page`; registering twice is a no-op."""
    providers = _providers.setdefault(page, [])
    if provider not in providers:
        providers.append(provider)


def page_sections(*, page: str, **kwargs) -> dict:
    """The context every registered provider gives for `page`, merged in registration order."""
    context: dict = {}
    for provider in _providers.get(page, []):
        context.update(provider(**kwargs))
    return context


# Flags the apps above add to the module page's placement query (courses/page_queries.py),
# registered from their AppConfig.ready(): name -> builder(mine) returning a query expression,
# where `mine` filters a table's rows of this participant in this placement. The page then
# skips the queries that would find nothing (`page_queries.page_flag`).
_flag_builders: dict[str, Callable] = {}


def page_flag_register(name: str, builder: Callable) -> None:
    """Add `page_<name>` to the placement query."""
    _flag_builders[name] = builder


def page_flag_builders() -> list[tuple[str, Callable]]:
    return sorted(_flag_builders.items())


def page_flags_version() -> tuple[str, ...]:
    """Which flags are registered: the version of the compiled placement query (a change
    compiles it again, prepared.Prepared's `version`)."""
    return tuple(sorted(_flag_builders))


# Panels: whole sections that apps above add to a page (upcoming sessions, a coaching cycle,
# shared practice), each rendered from the app's own template. A provider registered from
# `AppConfig.ready()` returns a Panel, or None when it has nothing to show this reader.
TRAINER_DASHBOARD = "trainer-dashboard"  # kwargs: request, cohort_id, participant_ids
COHORT_PAGE = "cohort"  # "My modules" (/app/): kwargs: request, participant, cohort_id
# MODULE_PAGE (above) also takes panels: kwargs: request, placement, module


@dataclass
class Panel:
    key: str  # the section's data-testid, e.g. "sessions-upcoming"
    title: str  # the section's heading
    template: str  # rendered with the page's context plus `panel` (this object)
    context: dict = field(default_factory=dict)
    order: int = 50  # lower first


_panel_providers: dict[str, list[Callable[..., Panel | None]]] = {}


def panel_register(*, page: str, provider: Callable[..., Panel | None]) -> None:
    """Add a panel provider for `page`; registering twice is a no-op."""
    providers = _panel_providers.setdefault(page, [])
    if provider not in providers:
        providers.append(provider)


def panels(*, page: str, **kwargs) -> list[Panel]:
    """The panels the registered providers give for `page`, by `order`, then registration."""
    found = [p for p in (provider(**kwargs) for provider in _panel_providers.get(page, [])) if p]
    return sorted(found, key=lambda panel: panel.order)


# Columns the apps above add to the trainer dashboard's progress table and its CSV export, one
# cell per teacher (sessions attended, coaching step ...). A provider takes
# (*, cohort_id, participant_ids) and returns a TeacherColumn or None, in a constant number of
# queries whatever the cohort's size.
@dataclass
class TeacherColumn:
    key: str  # data-testid of the column's cells
    header: str
    cells: dict[int, str]  # participant id -> the cell's text ("" when nothing)


_column_providers: list[Callable[..., TeacherColumn | None]] = []


def dashboard_column_register(provider: Callable[..., TeacherColumn | None]) -> None:
    if provider not in _column_providers:
        _column_providers.append(provider)


def dashboard_columns(*, cohort_id: int, participant_ids: list[int]) -> list[TeacherColumn]:
    found = (p(cohort_id=cohort_id, participant_ids=participant_ids) for p in _column_providers)
    return [column for column in found if column]
