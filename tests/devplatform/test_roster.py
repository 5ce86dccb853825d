"""Names and Role Provisioning against the development platform over loopback HTTP: paging,
members who never launched, inactive members, caching, and an LMS that fails."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from courses.models import Membership, Participant
from lti_tool import roster
from lti_tool.models import LtiContext
from lti_tool.roster import roster_fetch, roster_sync
from lti_tool.tasks import sync_roster

pytestmark = pytest.mark.django_db(transaction=True)


def lt_of(location: str) -> str:
    return parse_qs(urlsplit(location).query)["lt"][0]


def test_trainer_dashboard_shows_the_whole_roster(dev_browser):
    lt = lt_of(dev_browser.launch("priya", "cs-spring:"))
    page = dev_browser.get(f"/app/trainer/?lt={lt}")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="roster-synced"' in html
    for name in ("Maya Alvarez", "Amara Okafor", "Jordan O&#x27;Neil", "Dr. Priya Raman"):
        assert name in html
    assert html.count('data-testid="roster-member"') == 4
    assert 'data-status="inactive"' in html  # Jordan is inactive in this course
    jordan = Membership.objects.get(participant__name="Jordan O'Neil")
    assert (jordan.status, jordan.role, jordan.last_launch_at) == ("inactive", "teacher", None)
    assert Membership.objects.get(participant__name="Maya Alvarez").last_launch_at is None


def test_roster_follows_every_page(dev_browser):
    dev_browser.launch("priya", "cs-spring:")
    context = LtiContext.objects.get(context_id="cs-spring")
    members = roster_fetch(context)  # the dev platform pages at 2 members
    assert [m["user_id"] for m in members] == ["dev-maya", "dev-amara", "dev-jordan", "dev-priya"]


def test_a_synced_roster_is_kept_for_a_while_and_leavers_become_inactive(dev_browser):
    dev_browser.launch("priya", "cs-spring:")
    context = LtiContext.objects.get(context_id="cs-spring")
    first = roster_sync(context)
    assert (first.members, first.added, first.cached) == (4, 3, False)
    assert roster_sync(context).cached is True
    leaver = Participant.objects.create(name="Former Teacher")
    Membership.objects.create(participant=leaver, cohort=context.cohort, role="teacher")
    again = roster_sync(context, force=True)
    assert again.added == 0 and Participant.objects.count() == 5
    assert Membership.objects.get(participant=leaver).status == "inactive"


def test_an_lms_that_fails_leaves_the_dashboard_working(dev_browser):
    lt = lt_of(dev_browser.launch("priya", "cs-spring:"))
    LtiContext.objects.filter(context_id="cs-spring").update(
        memberships_url=dev_browser.base + "/dev/platform/nrps/no-such-course/memberships/"
    )
    page = dev_browser.get(f"/app/trainer/?lt={lt}&refresh=1")
    assert page.status_code == 200
    assert 'data-testid="roster-error"' in page.content.decode()
    assert Membership.objects.count() == 1  # only the trainer who launched


def test_a_stale_roster_is_refreshed_by_the_worker_not_the_page(dev_browser, monkeypatch):
    from django.core.cache import cache
    from django_tasks_db.models import DBTaskResult

    lt = lt_of(dev_browser.launch("priya", "cs-spring:"))
    first = dev_browser.get(f"/app/trainer/?lt={lt}").content.decode()
    assert 'data-testid="roster-synced"' in first  # the first view syncs in the request
    context = LtiContext.objects.get(context_id="cs-spring")
    assert context.roster_synced_at is not None
    long_ago = context.roster_synced_at - timedelta(hours=1)
    LtiContext.objects.filter(pk=context.pk).update(roster_synced_at=long_ago)
    leaver = Participant.objects.create(name="Former Teacher")
    Membership.objects.create(participant=leaver, cohort=context.cohort, role="teacher")

    real_fetch = roster.roster_fetch

    def no_lms_calls_from_the_page(*args, **kwargs):
        raise AssertionError("the dashboard called the LMS in the request")

    monkeypatch.setattr(roster, "roster_fetch", no_lms_calls_from_the_page)
    cache.delete(f"lti:roster:queued:{context.pk}")
    queued = DBTaskResult.objects.filter(task_path="lti_tool.tasks.sync_roster")
    before = queued.count()  # the trainer's launch queued one already (see the next test)
    page = dev_browser.get(f"/app/trainer/?lt={lt}").content.decode()
    assert 'data-testid="roster-age"' in page and 'data-testid="roster-refreshing"' in page
    assert queued.count() == before + 1
    again = dev_browser.get(f"/app/trainer/?lt={lt}").content.decode()
    assert 'data-testid="roster-refreshing"' not in again  # once a minute
    assert queued.count() == before + 1

    monkeypatch.setattr(roster, "roster_fetch", real_fetch)
    latest = queued.order_by("-enqueued_at").first()
    result = sync_roster.call(*latest.args_kwargs["args"])  # what the worker runs
    assert result["members"] == 4 and result["error"] == ""
    context.refresh_from_db()
    assert context.roster_synced_at > long_ago
    assert Membership.objects.get(participant=leaver).status == "inactive"


def test_a_failing_lms_is_retried_in_the_background_and_reported(dev_browser):

    lt = lt_of(dev_browser.launch("priya", "cs-spring:"))
    context = LtiContext.objects.get(context_id="cs-spring")
    LtiContext.objects.filter(pk=context.pk).update(
        memberships_url=dev_browser.base + "/dev/platform/nrps/no-such-course/memberships/"
    )
    result = sync_roster.call(context.pk)
    assert result["error"]
    context.refresh_from_db()
    assert context.roster_error and context.roster_synced_at is None
    page = dev_browser.get(f"/app/trainer/?lt={lt}").content.decode()
    assert 'data-testid="roster-age"' in page and "The last try failed" in page


def test_a_trainer_launch_has_the_worker_refresh_a_stale_roster(dev_browser):
    from django.core.cache import cache
    from django_tasks_db.models import DBTaskResult

    queued = DBTaskResult.objects.filter(task_path="lti_tool.tasks.sync_roster")
    dev_browser.launch("maya", "cs-spring:cs-ct")  # a teacher's launch queues nothing
    assert queued.count() == 0
    dev_browser.launch("priya", "cs-spring:")
    assert queued.count() == 1  # never synced: the worker reads it before the dashboard opens
    context = LtiContext.objects.get(context_id="cs-spring")
    assert queued.get().args_kwargs["args"] == [context.pk]
    roster_sync(context)  # now fresh: another trainer launch queues nothing more
    cache.clear()  # as if a minute had passed (the once-a-minute guard and the launch memo)
    dev_browser.launch("priya", "cs-spring:")
    assert queued.count() == 1
