"""What a launch costs in SQL, and the per-worker registry: fast, and never stale after a change.

The counts are exact on purpose: a launch that starts doing one more query shows here, in CI,
rather than in a benchmark nobody runs. The shared cache is a local-memory one in these tests,
so the counts are the database's own statements on SQLite and PostgreSQL alike (with the
database cache, each cache read or write would be SQL too).
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core.cache import cache, caches
from django.utils import timezone

from courses.models import Cohort, Membership, Placement
from lti_tool import registry
from lti_tool.models import Deployment, Platform
from tests.conftest import LTI

pytestmark = pytest.mark.django_db

INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


@pytest.fixture(autouse=True)
def _local_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    registry.registry_forget()
    yield
    cache.clear()
    registry.registry_forget()


def _launch(lti, django_assert_num_queries, queries: int, **claims):
    state, nonce = lti.login()
    token = lti.sign(lti.claims(nonce, **claims))
    with django_assert_num_queries(queries):
        response = lti.post_launch(token, state)
    assert response.status_code == 303, response.content[:300]
    return response


def _another_day():
    Membership.objects.update(last_launch_at=timezone.now() - timedelta(days=1))


def _postgresql() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def test_returning_on_another_day_is_one_read_and_one_update(lti, django_assert_num_queries):
    lti.launch()  # the first launch, which also warms this worker's registry
    _another_day()
    # The person (with the participant) and the link (with context, cohort and placement) in
    # one statement, and the membership's "last opened": nothing else is read or rewritten.
    # On PostgreSQL the update is part of the read's statement (one round trip).
    _launch(lti, django_assert_num_queries, 1 if _postgresql() else 2)
    membership = Membership.objects.get()
    assert timezone.now() - membership.last_launch_at < timedelta(seconds=30)


def test_returning_with_another_role_updates_the_membership(lti, django_assert_num_queries):
    lti.launch()
    Membership.objects.update(status=Membership.Status.INACTIVE)  # e.g. a roster sync
    _launch(
        lti, django_assert_num_queries, 1 if _postgresql() else 2, **{LTI + "roles": [INSTRUCTOR]}
    )
    membership = Membership.objects.get()
    assert (membership.role, membership.status) == ("trainer", Membership.Status.ACTIVE)


def test_the_update_touches_only_the_launching_persons_membership(lti):
    lti.launch(sub="colleague")
    lti.launch()
    _another_day()
    before = Membership.objects.get(participant__lti_user__sub="colleague").last_launch_at
    lti.launch()
    assert Membership.objects.get(participant__lti_user__sub="colleague").last_launch_at == before
    mine = Membership.objects.get(participant__lti_user__sub="user-123").last_launch_at
    assert timezone.now() - mine < timedelta(seconds=30)


def test_relaunch_within_the_minute_writes_nothing(lti, django_assert_num_queries):
    lti.launch()
    first = Membership.objects.get().last_launch_at
    # The update finds nothing stale, and one read confirms the membership exists.
    _launch(lti, django_assert_num_queries, 2 if _postgresql() else 3)
    assert Membership.objects.get().last_launch_at == first


def test_first_launch_of_a_person_in_a_known_course(lti, django_assert_num_queries):
    lti.launch(sub="colleague")  # the course and link exist: a colleague launched before
    # One read (no such person; the link), then person, LMS identity and membership written
    # in one transaction (its savepoint's two statements inside the test's transaction): on
    # PostgreSQL one statement of three inserts.
    _launch(lti, django_assert_num_queries, 1 + (1 if _postgresql() else 3) + 2, sub="newcomer")
    assert Membership.objects.count() == 2


def test_login_reads_nothing_once_the_registry_is_warm(lti, django_assert_num_queries):
    lti.launch()
    with django_assert_num_queries(0):
        lti.login()


def test_a_launched_page_does_not_look_up_its_platform_again(lti, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = lti.launch(**{LTI + "custom": {"module": "none"}})
    with CaptureQueriesContext(connection) as queries:
        page = client.get(response["Location"])
    assert page.status_code == 200
    assert "https://canvas.test.example" in page["Content-Security-Policy"]
    assert not [q for q in queries.captured_queries if "lti_tool_platform" in q["sql"]]


# --- invalidation ----------------------------------------------------------------------------


def _other_worker_changed_a_registration():
    """What lti_tool.registry.registry_changed does in another process: only the shared
    generation moves; this process's copies stay in memory until it notices."""
    cache.set(registry.GENERATION_KEY, "changed-elsewhere", None)


def test_an_edit_made_by_another_worker_is_seen_after_the_check(lti, platform, settings):
    settings.IGNITE_REGISTRY_CHECK_SECONDS = 0
    lti.launch()
    # The edit bypasses this process's signal handlers, as one made in another worker does.
    Platform.objects.filter(pk=platform.pk).update(auth_login_url="https://moved.example/auth")
    assert registry.platform_get(platform.pk).auth_login_url != "https://moved.example/auth"
    _other_worker_changed_a_registration()
    assert registry.platform_get(platform.pk).auth_login_url == "https://moved.example/auth"
    assert registry.platform_find(platform.issuer, [platform.client_id]).auth_login_url == (
        "https://moved.example/auth"
    )


def _login_status(client, platform) -> int:
    params = {
        "iss": platform.issuer,
        "login_hint": "user-hint",
        "target_link_uri": "http://testserver/app/",
        "client_id": platform.client_id,
    }
    return client.post("/lti/login/", params).status_code


def test_a_platform_removed_in_another_worker_stops_launching(lti, client, platform, settings):
    settings.IGNITE_REGISTRY_CHECK_SECONDS = 0
    assert lti.launch().status_code == 303
    Platform.objects.filter(pk=platform.pk).update(is_active=False)  # no signal here
    assert _login_status(client, platform) == 302  # this worker has not noticed yet...
    _other_worker_changed_a_registration()
    assert _login_status(client, platform) == 403  # ...and does at its next check


def test_another_workers_change_is_noticed_within_the_check_interval(platform, settings):
    settings.IGNITE_REGISTRY_CHECK_SECONDS = 60
    assert registry.platform_get(platform.pk) is not None
    Platform.objects.filter(pk=platform.pk).delete()  # the signal bumps the generation...
    registry._entries[("platform-pk", platform.pk)] = (float("inf"), platform)  # ...elsewhere
    registry._seen.update(generation="before", checked=time.monotonic())
    assert registry.platform_get(platform.pk) is platform  # checked less than 60 s ago
    registry._seen["checked"] -= 61
    assert registry.platform_get(platform.pk) is None


def test_a_deactivated_platform_stops_launching_at_once(lti, client, platform):
    lti.launch()
    platform.is_active = False
    platform.save()  # the process that made the change drops its copy at once
    assert _login_status(client, platform) == 403


def test_a_removed_deployment_is_refused_at_once(lti, platform):
    assert lti.launch().status_code == 303
    Deployment.objects.filter(platform=platform).delete()
    assert lti.launch().status_code == 403


def test_a_removed_platform_no_longer_frames_the_pages_it_launched(lti, client, platform):
    response = lti.launch(**{LTI + "custom": {"module": "none"}})
    page_url = response["Location"]
    assert "https://canvas.test.example" in client.get(page_url)["Content-Security-Policy"]
    platform.frame_origins = "https://district.instructure.com"
    platform.save()
    assert "https://district.instructure.com" in client.get(page_url)["Content-Security-Policy"]
    Platform.objects.get(pk=platform.pk).delete()
    csp = client.get(page_url)["Content-Security-Policy"]
    assert "canvas.test.example" not in csp and "district.instructure.com" not in csp


def test_a_membership_made_inactive_is_active_again_on_the_next_launch(lti):
    """No launch result is remembered: what a roster sync changed is seen by the next launch,
    even within the minute."""
    lti.launch()
    Membership.objects.update(status=Membership.Status.INACTIVE)
    lti.launch()
    assert Membership.objects.get().status == Membership.Status.ACTIVE


def test_a_role_change_applies_within_the_minute(lti):
    lti.launch()
    lti.launch(**{LTI + "roles": [INSTRUCTOR]})
    assert Membership.objects.get().role == "trainer"


@pytest.mark.parametrize(
    "token",
    [
        "not-a-jwt",
        "a.b",
        "!!!.@@@.###",
        "eyJhbGciOiJSUzI1NiJ9.W10.sig",  # a body that is a JSON array
        "W10.eyJpc3MiOiJ4In0.sig",  # a header that is a JSON array
        "eyJhbGciOiJSUzI1NiJ9." + "W" * 3 + "." + "s",  # not base64 of JSON
        "eyJhbGciOiJSUzI1NiJ9." + "W1tb" * 20000 + ".sig",  # [[[[... deeply nested
    ],
)
def test_a_malformed_id_token_is_a_clear_401(lti, token):
    state, _ = lti.login()
    response = lti.post_launch(token, state)
    assert response.status_code == 401
    assert b"Traceback" not in response.content


def test_pages_keep_working_when_the_shared_cache_is_down(lti, client, platform, monkeypatch):
    response = lti.launch(**{LTI + "custom": {"module": "none"}})

    def down(*args, **kwargs):
        raise ConnectionError("cache unavailable")

    registry.registry_forget()
    shared = caches["default"]  # this test's cache object (the proxy changes with settings)
    monkeypatch.setattr(shared, "get", down)
    monkeypatch.setattr(shared, "add", down)
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "https://canvas.test.example" in page["Content-Security-Policy"]


def test_an_admin_save_succeeds_when_the_shared_cache_is_down(platform, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("cache unavailable")

    monkeypatch.setattr(caches["default"], "set", down)
    platform.name = "Renamed"
    platform.save()  # the change is in the database; other workers see it within the TTL
    assert Platform.objects.get(pk=platform.pk).name == "Renamed"


def test_first_launch_in_a_new_course_writes_each_row_once(lti, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    lti.launch(sub="someone", **{LTI + "context": {"id": "other", "title": "Other"}})  # warm
    state, nonce = lti.login()
    claims = lti.claims(nonce, sub="newcomer")
    claims[LTI + "custom"] = {"module": "station-rotation", "mastery_max_attempts": "2"}
    with CaptureQueriesContext(connection) as queries:
        assert lti.post_launch(lti.sign(claims), state).status_code == 303
    statements = [q["sql"].split()[0] for q in queries.captured_queries]
    # Created with what the launch says: no UPDATE follows any INSERT.
    assert "UPDATE" not in statements, statements
    # Cohort, context, placement, link, and the person's three rows (on PostgreSQL one
    # statement: three inserts in a WITH).
    inserts = sum(q["sql"].count("INSERT INTO") for q in queries.captured_queries)
    assert inserts == 7
    assert statements.count("INSERT") == (4 if _postgresql() else 7)
    cohort = Cohort.objects.get(lti_context__context_id="course-1")
    assert (cohort.title, cohort.label) == ("BL Cohort", "BL")
    placement = Placement.objects.get(cohort=cohort)
    assert placement.title == "Blended models" and placement.module_slug == "station-rotation"
    assert placement.mastery_policy == {"max_attempts": 2}


def test_a_first_launch_that_loses_the_race_to_another_tab_writes_nothing_twice(lti, monkeypatch):
    """The person's other tab created them between this launch's read and its insert: the
    insert is refused as a whole (no participant left without an identity), and the launch
    goes on as the person's returning launch."""
    from courses.models import Participant
    from lti_tool import services
    from lti_tool.models import LtiUser

    lti.launch()  # the other tab
    _another_day()
    real = services.run_together_after

    def read_before_the_other_tab(*args, **kwargs):
        updated, (user, link) = real(*args, **kwargs)
        # As read a moment before the other tab's insert: no person, no membership updated.
        Membership.objects.update(role="learner")
        return (None if updated is None else 0), (None, link)

    monkeypatch.setattr(services, "run_together_after", read_before_the_other_tab)
    response = lti.launch(**{LTI + "roles": [INSTRUCTOR]})
    assert response.status_code == 303
    assert Participant.objects.count() == 1 and LtiUser.objects.count() == 1
    membership = Membership.objects.get()
    assert membership.role == "trainer"
    assert timezone.now() - membership.last_launch_at < timedelta(seconds=30)
