"""Every URL under /app/ is either a page in the browser tests' registry (tests/e2e/pages.py:
opened at 320 px and 1280 px, axe-checked, HEAD compared with GET) or excluded there with a
reason. A page added later fails here until it joins."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver, resolve

from tests.e2e.pages import EXCLUDED, PAGES, World, registered_url_names


def _patterns(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    """(route, namespaced name) of every URL pattern, walking included resolvers."""
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}{entry.namespace}:"
            yield from _patterns(entry, route, ns)
        elif isinstance(entry, URLPattern):
            yield route, (namespace + entry.name) if entry.name else ""


def app_urls() -> dict[str, str]:
    return {
        name or route: route
        for route, name in _patterns(get_resolver())
        if route.lstrip("^").startswith("app/")
    }


def test_the_walk_finds_the_app_urls():
    urls = app_urls()
    # A walk that found nothing would pass everything below.
    assert "dashboards:trainer-dashboard" in urls and "courses:module" in urls
    assert len(urls) >= 25


def test_every_app_url_is_a_registered_page_or_excluded_with_a_reason():
    missing = sorted(set(app_urls()) - registered_url_names() - set(EXCLUDED))
    assert missing == [], (
        "URLs under /app/ that no browser test opens: add each to PAGES in tests/e2e/pages.py "
        f"(how to reach it from a dev launch) or to EXCLUDED with a reason: {missing}"
    )


def test_no_url_is_both_a_page_and_excluded_and_every_reason_is_given():
    assert registered_url_names() & set(EXCLUDED) == set()
    assert all(reason.strip() for reason in EXCLUDED.values())


def test_the_registry_names_only_urls_that_exist():
    known = {name for _route, name in _patterns(get_resolver()) if name}
    stale = sorted((registered_url_names() | set(EXCLUDED)) - known)
    assert stale == []


def test_page_names_are_unique_and_every_page_says_how_to_reach_it():
    names = [page.name for page in PAGES]
    assert len(names) == len(set(names))
    assert all(page.how.strip() and page.role in ("teacher", "trainer", "public") for page in PAGES)


def test_a_page_path_resolves_to_its_url_name():
    world = World(
        placement=7,
        lesson="intro",
        template="exit-ticket",
        maya=3,
        attempt=1,
        open_attempt=2,
        evidence=5,
        calibration=6,
        session=9,
        post=10,
        cycle=11,
        program="blended-learning",
        cohort=12,
        credential=8,
        credential_public_id="2b0f3c1e-8a8d-4f57-9d7a-0e5f1c2a3b4c",
        achievement="blended-practitioner",
    )
    for page in PAGES:
        match = resolve(page.path(world).split("?")[0])
        assert match.view_name == page.url_name, page.name
