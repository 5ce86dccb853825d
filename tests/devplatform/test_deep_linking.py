"""Deep linking against the development platform: a trainer adds modules, the platform checks
the tool's signed answer and creates links with gradebook columns, a teacher launches one."""

from __future__ import annotations

import re
from html import unescape
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command

from courses.models import Module, Participant, Placement
from devplatform.models import DevLineItem, DevLink, DevScore
from lti_tool.passback import grades_drain
from mastery.grades import grade_record_create

pytestmark = pytest.mark.django_db(transaction=True)


def test_trainer_adds_modules_and_a_teacher_launches_one(dev_browser):

    call_command("import_content", stdout=StringIO())
    picker = dev_browser.launch("priya", "bl-fall:add-content")
    assert picker.startswith("/app/deep-link/?")
    page = dev_browser.get(picker)

    listed = Module.objects.filter(current__isnull=False, retired=False).count()
    assert page.content.decode().count('data-testid="deep-link-item"') == listed >= 10
    lt = re.search(r'name="lt" value="([^"]+)"', page.content.decode()).group(1)
    dl = re.search(r'name="dl" value="([^"]+)"', page.content.decode()).group(1)
    answer = dev_browser.client.post(
        "/app/deep-link/",
        {"lt": lt, "dl": dl, "module": ["station-rotation", "data-small-groups"]},
        HTTP_HOST=dev_browser.host,
        HTTP_ORIGIN=dev_browser.base,
    )
    html = answer.content.decode()
    action = unescape(re.search(r'action="([^"]+)"', html).group(1))
    token = re.search(r'name="JWT" value="([^"]+)"', html).group(1)
    result = dev_browser.client.post(
        urlsplit(action).path, {"JWT": token}, HTTP_HOST=dev_browser.host
    )
    assert result.status_code == 200, result.content
    assert result.content.decode().count('data-testid="dev-added-link"') == 2
    links = {link.custom["module"]: link for link in DevLink.objects.all()}
    assert set(links) == {"station-rotation", "data-small-groups"}
    columns = DevLineItem.objects.filter(resource_link_id=links["station-rotation"].key)
    assert [(c.tag, c.resource_id, c.score_maximum) for c in columns] == [
        ("mastery", "station-rotation:mastery", 100)
    ]
    # The same answer cannot be replayed.
    again = dev_browser.client.post(
        urlsplit(action).path, {"JWT": token}, HTTP_HOST=dev_browser.host
    )
    assert again.status_code == 400 and DevLink.objects.count() == 2

    landing = dev_browser.launch("maya", f"bl-fall:{links['station-rotation'].key}")
    # Both returned modules became placements at once; the launch adopted its module's one.
    assert Placement.objects.count() == 2
    opened = Placement.objects.get(module_slug="station-rotation")
    assert urlsplit(landing).path == f"/app/p/{opened.pk}/"  # no /app/ hop
    assert not Placement.objects.filter(module_slug="data-small-groups", lti_link__isnull=False)
    module_page = dev_browser.get(landing)
    title = Module.objects.get(slug="station-rotation").current.title
    assert title in module_page.content.decode()
    placement = Placement.objects.get(module_slug="station-rotation")
    assert placement.lti_link.lineitem_url.endswith(f"/lineitems/{columns[0].pk}/")
    grade_record_create(
        participant=Participant.objects.get(name="Maya Alvarez"),
        placement=placement,
        score_given=87.5,
        score_maximum=100,
    )
    grades_drain()
    assert DevLineItem.objects.count() == 2  # the column made with the link was used
    assert DevScore.objects.get(line_item=columns[0]).score_given == 87.5


def test_a_forged_answer_is_refused(dev_browser):
    response = dev_browser.client.post(
        "/dev/platform/deep-link/bl-fall/return/", {"JWT": "e30.e30.x"}, HTTP_HOST=dev_browser.host
    )
    assert response.status_code == 400 and DevLink.objects.count() == 0
