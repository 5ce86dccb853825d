"""Where a launch lands: straight on the placed module's page when its module was imported."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from courses.models import Module, Placement
from tests.conftest import LTI
from tests.courses.packs import write_pack

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_pack(tmp_path, db):
    call_command("import_content", str(write_pack(tmp_path / "packs")), stdout=StringIO())


def _launch(lti, module=None, link="link-1"):
    claims = {LTI + "resource_link": {"id": link, "title": "Demo link"}}
    if module is not None:
        claims[LTI + "custom"] = {"module": module}
    response = lti.launch(**claims)
    assert response.status_code == 303, response.content[:300]
    return response["Location"]


def test_a_placed_module_is_where_the_launch_lands(lti, client, demo_pack):
    first = _launch(lti, "demo-module")  # a new link: the module is looked up after placing
    pid = Placement.objects.get().pk
    assert first.startswith(f"/app/p/{pid}/?lt=")
    again = _launch(lti, "demo-module")  # a known link: answered by the link's own query
    assert again.startswith(f"/app/p/{pid}/?lt=")
    assert client.get(again).status_code == 200


def test_no_module_or_an_unknown_one_lands_on_app(lti, demo_pack):
    assert _launch(lti).startswith("/app/?lt=")
    assert _launch(lti, "no-such-module", link="link-2").startswith("/app/?lt=")


def test_a_link_that_now_names_another_module_lands_by_the_new_name(lti, demo_pack):
    assert _launch(lti, "no-such-module").startswith("/app/?lt=")
    pid = Placement.objects.get().pk
    assert _launch(lti, "demo-module").startswith(f"/app/p/{pid}/?lt=")
    assert _launch(lti, "gone-module").startswith("/app/?lt=")


def test_a_module_without_a_current_version_is_not_a_landing(lti, demo_pack):
    Module.objects.update(current=None)
    assert _launch(lti, "demo-module").startswith("/app/?lt=")
