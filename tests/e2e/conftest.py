"""Browser tests: Playwright driving Debian's Chromium (never a downloaded browser build)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from devplatform.platform import register

CHROMIUM = os.environ.get("IGNITE_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

# Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the
# test itself (fixtures, assertions) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium_path():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        if os.environ.get("IGNITE_REQUIRE_BROWSER") or os.environ.get("CI"):
            pytest.fail(
                f"Chromium not found at {CHROMIUM}: install Debian's chromium (make chromium)"
            )
        pytest.skip("Chromium not installed (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture
def browser_context(playwright_instance, chromium_path, tmp_path):
    """A persistent profile: behaves like a normal user's browser (first-party cookies work)."""
    context = playwright_instance.chromium.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=chromium_path, args=ARGS, headless=True
    )
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def page(browser_context):
    page = browser_context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    return page


@pytest.fixture
def screenshot():
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name: str):
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def dev_platform(live_server, transactional_db):

    return register(live_server.url)


@pytest.fixture
def catalog(transactional_db):
    """The shipped catalog, imported as `make run` imports it."""
    from io import StringIO

    from django.core.management import call_command

    call_command("import_content", stdout=StringIO())


AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def axe_source():
    if not AXE.exists():
        if os.environ.get("IGNITE_REQUIRE_BROWSER") or os.environ.get("CI"):
            pytest.fail("axe-core is not installed: run `make axe` (npm ci)")
        pytest.skip("axe-core not installed (make axe)")
    return AXE.read_text()


@pytest.fixture
def axe_check(axe_source):
    """Run axe-core (WCAG 2.0/2.1 A and AA rules) in a frame; fail on serious or critical."""

    def check(frame, name: str):
        frame.evaluate(axe_source + "\n;void 0")
        result = frame.evaluate(
            """async () => {
                const r = await axe.run(document, {
                    runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
                    resultTypes: ['violations'],
                });
                return r.violations.map(v => ({
                    id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5),
                }));
            }"""
        )
        bad = [v for v in result if v["impact"] in ("serious", "critical")]
        assert bad == [], f"{name}: {bad}"
        return result

    return check


def tool_frame(page):
    """The Playwright Frame of the tool inside the development platform's page."""
    handle = page.wait_for_selector('[data-testid="tool-frame"]')
    frame = handle.content_frame()
    assert frame is not None
    return frame


def dev_launch(page, platform_base: str, person: str, link: str, *, storage: str | None = None):
    """Launch the tool from the development platform's page at `platform_base`, as `person`
    (a dev-person id) on `link` ("course:link"); `storage` picks the platform storage option
    ("off" or "broken"; None leaves the default). Returns the tool frame's locator."""
    page.goto(f"{platform_base}/dev/platform/")
    page.get_by_test_id(f"dev-person-{person}").check()
    page.get_by_test_id("dev-link").select_option(link)
    if storage is not None:
        page.get_by_test_id(f"dev-storage-{storage}").check()
    page.get_by_test_id("dev-launch").click()
    return page.frame_locator('[data-testid="tool-frame"]')
