"""Modules known before their first launch: the links Ignite returned in a deep-linking
response are placements at once, shown to the trainer as placed and not opened; the first
launch of such a link adopts its placement instead of making a second one."""

from __future__ import annotations

from courses.models import Placement
from tests.conftest import LTI
from tests.lti_tool.test_deep_linking import catalog, dl_launch, submit  # noqa: F401

CUSTOM = "https://purl.imsglobal.org/spec/lti/claim/custom"


def dashboard(client, lt: str) -> str:
    return client.get("/app/trainer/", {"lt": lt}).content.decode()


def test_deep_linked_modules_nobody_opened_show_as_placed_not_opened(
    lti,
    client,
    platform,
    catalog,  # noqa: F811
):
    lt, dl = dl_launch(lti)
    assert Placement.objects.count() == 0
    assert submit(client, lt, dl, module="demo-module").status_code == 200

    placement = Placement.objects.get()
    assert placement.module_slug == "demo-module"
    html = dashboard(client, lt)
    assert 'data-testid="trainer-empty"' not in html
    assert html.count('data-testid="placed-not-opened"') == 1
    assert 'data-opened="false"' in html
    assert 'data-testid="progress-grid"' in html

    # A teacher opens the link for the first time: the same placement, now opened.
    response = lti.launch(
        sub="teacher-9",
        **{
            LTI + "resource_link": {"id": "lms-link-77", "title": "Demo"},
            CUSTOM: {"module": "demo-module"},
        },
    )
    assert response.status_code in (302, 303)
    assert Placement.objects.count() == 1
    assert Placement.objects.get().lti_link.resource_link_id == "lms-link-77"
    html = dashboard(client, lt)
    assert 'data-testid="placed-not-opened"' not in html
    assert 'data-opened="true"' in html


def test_a_cancelled_selection_places_nothing(lti, client, platform, catalog):  # noqa: F811
    lt, dl = dl_launch(lti)
    assert submit(client, lt, dl, cancel="1").status_code == 200
    assert Placement.objects.count() == 0
