"""The page registry courses owns (courses/pages.py): apps above add sections to its pages
without courses importing them."""

from __future__ import annotations

import pytest

from courses import pages
from credentials.receivers import mastery_result_section
from mastery.pages import module_page_section


@pytest.fixture
def registry(monkeypatch):
    monkeypatch.setattr(pages, "_providers", {})
    return pages


def test_sections_merge_in_registration_order(registry):
    registry.page_section_register(page="p", provider=lambda **kw: {"a": 1, "b": kw["x"]})
    registry.page_section_register(page="p", provider=lambda **kw: {"b": 2})
    assert registry.page_sections(page="p", x=9) == {"a": 1, "b": 2}
    assert registry.page_sections(page="other", x=9) == {}


def test_registering_a_provider_twice_adds_it_once(registry):
    calls = []

    def provider(**kw):
        calls.append(kw)
        return {}

    registry.page_section_register(page="p", provider=provider)
    registry.page_section_register(page="p", provider=provider)  # a second ready(), in tests
    registry.page_sections(page="p")
    assert len(calls) == 1


def test_the_apps_above_register_their_sections_at_start():
    """mastery fills the module page, credentials the mastery result: if either stopped
    registering, those pages would silently lose their sections."""
    assert module_page_section in pages._providers[pages.MODULE_PAGE]
    assert mastery_result_section in pages._providers[pages.MASTERY_RESULT]
