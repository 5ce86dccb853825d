"""Sections that apps above this one add to a page this app, or an app between, renders.

The module page is the catalog's page, yet shows the mastery check's status and the evidence
form (mastery/), and the mastery result shows credential progress (credentials/). The lower
app owns the page and this registry; the higher app registers a provider when it starts
(`AppConfig.ready`), so imports keep pointing down.
"""

from __future__ import annotations

from collections.abc import Callable

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
    """Which flags are registered: the compiled placement query is kept per set of flags."""
    return tuple(sorted(_flag_builders))
