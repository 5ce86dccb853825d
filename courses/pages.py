"""Sections that apps above this one add to a page this app, or an app between, renders.

The module page is the catalog's page, yet shows the mastery check's status and the evidence
form (mastery/), and the mastery result shows credential progress (credentials/). The lower
app owns the page and this registry; the higher app registers a provider when it starts
(`AppConfig.ready`), so imports keep pointing down.
"""

from __future__ import annotations

from collections.abc import Callable

MODULE_PAGE = "module"  # kwargs: request, placement, module
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
