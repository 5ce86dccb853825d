"""Modules known before their first launch, from the course's AGS line items: when a trainer
opens the dashboard, each of Ignite's mastery line items (resourceId "<module>:mastery") whose
link Ignite has never seen becomes a placement shown as placed, not opened yet; the first
launch of that link adopts it. The LMS being down never breaks the dashboard."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from courses.models import Participant, Placement
from credentials.issuing import credential_progress
from lti_tool import lineitems
from lti_tool.lineitems import module_of
from lti_tool.models import LtiContext, LtiPlannedLink
from lti_tool.tasks import learn_placements
from tests.conftest import LTI
from tests.lti_tool.test_deep_linking import catalog, dl_launch, submit  # noqa: F401

pytestmark = pytest.mark.django_db
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"


def line_item(ags, key: str, **fields) -> str:
    item_id = f"{ags.url}/lineitems/{key}"
    ags.line_items[item_id] = {"id": item_id, "label": key, "scoreMaximum": 100, **fields}
    return item_id


def trainer(lti, ags) -> str:
    """A trainer's deep-linking launch (no link of its own) that names the course's line items."""
    lt, _dl = dl_launch_with(lti, ags)
    return lt


def dl_launch_with(lti, ags):
    original = lti.claims

    def claims(nonce, /, **overrides):
        overrides.setdefault(AGS, {"scope": [SCOPE_LINEITEM], "lineitems": f"{ags.url}/lineitems"})
        return original(nonce, **overrides)

    lti.claims = claims
    try:
        return dl_launch(lti)
    finally:
        lti.claims = original


def dashboard(client, lt: str) -> str:
    """The trainer dashboard, as the first time for the course (the line items read at once)."""
    LtiContext.objects.update(lineitems_read_at=None)
    cache.delete_many(
        [
            f"lti:lineitems:{what}:{pk}"
            for what in ("reading", "queued")
            for pk in LtiContext.objects.values_list("pk", flat=True)
        ]
    )
    response = client.get("/app/trainer/", {"lt": lt})
    assert response.status_code == 200
    return response.content.decode()


def teacher_opens(lti, link_id: str, module: str = "demo-module"):
    response = lti.launch(
        sub=f"teacher-{link_id}",
        **{
            LTI + "resource_link": {"id": link_id, "title": "Demo"},
            "https://purl.imsglobal.org/spec/lti/claim/custom": {"module": module},
        },
    )
    assert response.status_code in (302, 303), response.content


def test_the_launch_keeps_the_course_line_items_url(lti, ags, catalog):  # noqa: F811
    trainer(lti, ags)
    context = LtiContext.objects.get()
    assert context.lineitems_url == f"{ags.url}/lineitems"
    assert context.ags_scopes == [SCOPE_LINEITEM]


def test_a_link_nobody_opened_shows_as_placed_not_opened_from_its_line_item(
    lti,
    client,
    ags,
    catalog,  # noqa: F811
):
    lt = trainer(lti, ags)
    assert Placement.objects.count() == 0
    learned = line_item(
        ags, "1", resourceId="demo-module:mastery", tag="mastery", resourceLinkId="lms-9"
    )
    line_item(ags, "2", resourceId="quiz-3")  # the LMS's own column: not Ignite's
    line_item(ags, "3", resourceId="retired-module:mastery", tag="mastery")  # no such module
    line_item(ags, "4", resourceId="demo-module:evidence", tag="evidence", resourceLinkId="lms-9")

    html = dashboard(client, lt)
    placement = Placement.objects.get()
    assert placement.module_slug == "demo-module"
    assert LtiPlannedLink.objects.get().lineitem_url == learned
    assert html.count('data-testid="placed-not-opened"') == 1
    assert 'data-testid="trainer-empty"' not in html

    # Read again: nothing doubles.
    dashboard(client, lt)
    assert Placement.objects.count() == 1

    # The first launch of that link takes the placement: opened, still one.
    teacher_opens(lti, "lms-9")
    assert Placement.objects.count() == 1
    assert Placement.objects.get().lti_link.resource_link_id == "lms-9"
    html = dashboard(client, lt)
    assert 'data-testid="placed-not-opened"' not in html
    assert Placement.objects.count() == 1  # its line item now belongs to a known link


def test_another_link_to_the_same_module_does_not_take_a_learned_placement(
    lti,
    ags,
    client,
    catalog,  # noqa: F811
):
    lt = trainer(lti, ags)
    line_item(ags, "1", resourceId="demo-module:mastery", tag="mastery", resourceLinkId="lms-9")
    dashboard(client, lt)
    teacher_opens(lti, "lms-other")
    assert Placement.objects.count() == 2
    waiting = Placement.objects.get(lti_link__isnull=True)
    assert waiting.planned_link.resource_link_id == "lms-9"


def test_a_deep_linked_placement_and_its_line_item_stay_one_placement(
    lti,
    client,
    ags,
    catalog,  # noqa: F811
):
    lt, dl = dl_launch_with(lti, ags)
    assert submit(client, lt, dl, module="demo-module").status_code == 200
    assert Placement.objects.count() == 1
    # The LMS made the link and its column from the deep-linking response.
    line_item(ags, "1", resourceId="demo-module:mastery", tag="mastery", resourceLinkId="lms-5")
    dashboard(client, lt)
    assert Placement.objects.count() == 1
    assert Placement.objects.get().planned_link.resource_link_id == "lms-5"


def test_the_lms_down_leaves_the_dashboard_as_it_was(lti, client, ags, catalog):  # noqa: F811
    lt = trainer(lti, ags)
    line_item(ags, "1", resourceId="demo-module:mastery", tag="mastery", resourceLinkId="lms-9")
    ags.faults["lineitems"].append(500)
    html = dashboard(client, lt)
    assert Placement.objects.count() == 0
    assert 'data-testid="trainer-empty"' in html
    # Later, with the LMS back, the link is learned.
    dashboard(client, lt)
    assert Placement.objects.count() == 1


def test_line_items_are_read_in_the_request_once_then_by_the_worker(
    lti,
    client,
    ags,
    catalog,  # noqa: F811
    monkeypatch,
):
    lt = trainer(lti, ags)
    context = LtiContext.objects.get()
    line_item(ags, "1", resourceId="demo-module:mastery", tag="mastery", resourceLinkId="a")
    queued = DBTaskResult.objects.filter(task_path="lti_tool.tasks.learn_placements")
    # The first time for the course: read in the request, shown at once.
    assert client.get("/app/trainer/", {"lt": lt}).status_code == 200
    assert Placement.objects.count() == 1
    line_item(ags, "2", resourceId="demo-module:mastery", tag="mastery", resourceLinkId="b")

    def no_lms_calls_from_the_page(*args, **kwargs):
        raise AssertionError("the dashboard called the LMS in the request")

    monkeypatch.setattr(lineitems, "lineitems_fetch", no_lms_calls_from_the_page)
    assert client.get("/app/trainer/", {"lt": lt}).status_code == 200  # fresh: nothing asked
    assert queued.count() == 0
    LtiContext.objects.update(lineitems_read_at=timezone.now() - timedelta(hours=1))
    assert client.get("/app/trainer/", {"lt": lt}).status_code == 200  # stale: the worker's
    assert client.get("/app/trainer/", {"lt": lt}).status_code == 200  # queued once a minute
    assert queued.count() == 1 and Placement.objects.count() == 1

    monkeypatch.undo()
    result = learn_placements.call(*queued.get().args_kwargs["args"])  # what the worker runs
    assert result == {"added": 1, "error": ""}
    assert Placement.objects.count() == 2
    context.refresh_from_db()
    assert timezone.now() - context.lineitems_read_at < timedelta(minutes=1)


def test_a_teacher_reads_not_opened_yet_rather_than_not_in_this_course(
    lti,
    client,
    ags,
    catalog,  # noqa: F811
):
    lt = trainer(lti, ags)
    teacher_opens(lti, "lms-elsewhere", module="")  # a teacher in the course, no module yet
    teacher = Participant.objects.get(lti_user__sub="teacher-lms-elsewhere")
    cohort_id = LtiContext.objects.get().cohort_id

    def missing() -> list[str]:
        [progress] = credential_progress(
            participant=teacher, cohort_id=cohort_id, module_slug="demo-module"
        )
        return progress["missing"]

    assert missing() == ["A demo module: not in this course yet (ask your trainer)"]
    line_item(ags, "1", resourceId="demo-module:mastery", tag="mastery", resourceLinkId="lms-9")
    dashboard(client, lt)
    assert missing() == [
        "A demo module: in your course, not opened yet (open it from your course in the LMS, "
        "then take its mastery check)"
    ]
    teacher_opens(lti, "lms-9")
    assert missing() == ["A demo module: mastery check"]


@pytest.mark.parametrize(
    ("item", "slug"),
    [
        ({"resourceId": "blended-models:mastery", "tag": "mastery"}, "blended-models"),
        ({"resourceId": "blended-models:mastery"}, "blended-models"),
        ({"resourceId": "blended-models:evidence", "tag": "evidence"}, ""),
        ({"resourceId": "blended-models:mastery", "tag": "homework"}, ""),
        ({"resourceId": "quiz"}, ""),
        ({"resourceId": 7}, ""),
        ({}, ""),
    ],
)
def test_only_ignite_mastery_line_items_name_a_module(item, slug):
    assert module_of(item) == slug
