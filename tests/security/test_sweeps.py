"""Sweeps over every tool URL: security headers on every page, every object URL requested as
the wrong participant, cohort and platform, CSRF on every form, escaped output, and random
launch parameters that must never produce a 500."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cohortsessions.models import Attendance, CohortSession
from exchange.models import Post, Report, Response
from mastery.models import Attempt, AttemptGrant, EvidenceSubmission, GradeRecord, ScoreOverride

from .conftest import ACCOUNT_ROLE_CLASSMATES, XSS


def teacher_urls(w):
    pid = w["pid"]
    return [
        f"/app/p/{pid}/",
        f"/app/p/{pid}/lessons/first/",
        f"/app/p/{pid}/mastery/{w['attempt']}/",
        f"/app/evidence/{w['evidence']}/file/",
    ]


def exchange_url(w, action: str = "") -> str:
    return f"/app/p/{w['pid']}/exchange/{w['post']}/{action}"


def session_urls(w) -> dict[str, str]:
    """The cohort sessions' URLs (cohortsessions/urls.py) for world's session."""
    sid = w["session"]
    return {
        "list": "/app/trainer/sessions/",
        "new": "/app/trainer/sessions/new/",
        "edit": f"/app/trainer/sessions/{sid}/edit/",
        "cancel": f"/app/trainer/sessions/{sid}/cancel/",
        "attendance": f"/app/trainer/sessions/{sid}/attendance/",
        "page": "/app/sessions/",
        "ics": f"/app/sessions/{sid}.ics",
        "feed": "/app/sessions/cohort.ics",
    }


def trainer_teacher_url(w, action: str = "") -> str:
    return f"/app/trainer/p/{w['pid']}/teachers/{w['teacher_id']}/{action}"


def test_security_headers_on_every_page(world):
    pages = [
        (world["teacher"], "/app/"),
        (world["teacher"], "/app/modules/"),
        (world["teacher"], "/app/catalog/"),
        *[(world["teacher"], url) for url in teacher_urls(world)[:3]],
        (world["teacher"], f"/app/p/{world['pid']}/exchange/"),
        (world["teacher"], exchange_url(world)),
        (world["trainer"], exchange_url(world)),
        (world["trainer"], "/app/trainer/"),
        (world["trainer"], f"/app/trainer/evidence/{world['evidence']}/"),
        (world["trainer"], "/app/trainer/export.csv"),
        (world["trainer"], trainer_teacher_url(world)),
        *[(world["teacher"], session_urls(world)[k]) for k in ("page", "ics", "feed")],
        *[
            (world["trainer"], session_urls(world)[k])
            for k in ("list", "new", "edit", "attendance")
        ],
    ]
    for who, url in pages:
        response = who.get(url)
        assert response.status_code in (200, 302), url
        csp = response["Content-Security-Policy"]
        assert "frame-ancestors 'self' https://canvas.test.example" in csp, url
        assert "script-src 'self'" in csp and "object-src 'none'" in csp, url
        assert response["X-Content-Type-Options"] == "nosniff", url
        assert response["Referrer-Policy"] == "same-origin", url
        assert "X-Frame-Options" not in response, url
    admin = world["teacher"].client.get("/admin/login/")
    assert (
        admin["X-Frame-Options"] == "DENY"
        and "frame-ancestors 'none'" in admin["Content-Security-Policy"]
    )


@pytest.mark.parametrize(
    "intruder", ["classmate", *ACCOUNT_ROLE_CLASSMATES, "other_teacher", "other_trainer"]
)
def test_every_object_url_refuses_the_wrong_person_cohort_and_platform(world, intruder):
    who = world[intruder]
    # Module and lesson pages are shared by the cohort; the attempt and the evidence are not.
    classmate = intruder == "classmate" or intruder in ACCOUNT_ROLE_CLASSMATES
    urls = teacher_urls(world)[2:] if classmate else teacher_urls(world)
    sessions = session_urls(world)
    urls = [*urls, trainer_teacher_url(world), sessions["edit"], sessions["attendance"]]
    if not classmate:  # the cohort's sessions and their calendar file are the cohort's
        urls.append(sessions["ics"])
    else:  # trainer pages: the cohort's teachers get a 403
        urls += [sessions["list"], sessions["new"]]
    if not classmate:  # the cohort's shared practice is the cohort's, not another's
        urls += [
            f"/app/p/{world['pid']}/exchange/",
            exchange_url(world),
            exchange_url(world, "file/"),
        ]
    for url in urls:
        assert who.get(url).status_code in (403, 404), (intruder, url)
    pid = world["pid"]
    posts = [
        f"/app/p/{pid}/mastery/{world['attempt']}/",
        f"/app/trainer/evidence/{world['evidence']}/",
        "/app/trainer/due/",
        trainer_teacher_url(world, "extra-attempt/"),
        trainer_teacher_url(world, "override/"),
        exchange_url(world, "exemplar/"),
        exchange_url(world, "hide/"),
        exchange_url(world, "withdraw/"),
        exchange_url(world, "consent/"),
        exchange_url(world, "evidence/"),
        exchange_url(world, f"responses/{world['response']}/reply/"),
        sessions["edit"],
        sessions["cancel"],
        sessions["attendance"],
    ]
    if classmate:
        posts.append(sessions["new"])
    if not classmate:  # a classmate may of course work in the shared placement
        posts += [
            f"/app/p/{pid}/lessons/first/complete/",
            f"/app/p/{pid}/mastery/",
            f"/app/p/{pid}/evidence/",
            f"/app/p/{pid}/exchange/",
            exchange_url(world, "respond/"),
            exchange_url(world, "report/"),
        ]
    attempts = Attempt.objects.count()
    for url in posts:
        response = who.post(
            url,
            {
                "placement": pid,
                "due": "2030-01-01",
                "feedback": "x",
                "score": "99",
                "reason": "x",
                "exemplar": "yes",
                "consent": "named",
                "reply": "x",
                "reflection": "x",
                **share_fields(),
            },
        )
        assert response.status_code in (403, 404), (intruder, url)
    assert Attempt.objects.count() == attempts
    assert not AttemptGrant.objects.exists() and not ScoreOverride.objects.exists()
    assert EvidenceSubmission.objects.get().status == "submitted"
    session = CohortSession.objects.get(pk=world["session"])
    assert session.status == "scheduled" and session.sequence == 0
    assert not Attendance.objects.exists() and CohortSession.objects.count() == 1
    # Another cohort's calendar feed holds none of A's sessions.
    if not classmate:
        assert b"Clinic" not in who.get(sessions["feed"]).content
    post = Post.objects.get()
    assert post.status == "shared" and not post.exemplar and post.consent == "no"
    assert Post.objects.count() == 1 and Response.objects.get().reply == ""
    assert Response.objects.count() == 1 and Report.objects.count() == 1


def share_fields() -> dict:
    return {
        "kind": "artifact",
        "title": "t",
        "tried": "t",
        "happened": "h",
        "change": "c",
        "privacy_confirmed": "yes",
        "glow": "g",
        "grow": "g",
        "question": "q",
    }


def test_csrf_every_form_refuses_another_origin(world):
    pid = world["pid"]
    forms = [
        (world["teacher"], f"/app/p/{pid}/lessons/second/complete/"),
        (world["teacher"], f"/app/p/{pid}/mastery/"),
        (world["teacher"], f"/app/p/{pid}/evidence/"),
        (world["trainer"], f"/app/trainer/evidence/{world['evidence']}/"),
        (world["trainer"], "/app/trainer/due/"),
        (world["trainer"], "/app/trainer/grades/retry/"),
        (world["trainer"], trainer_teacher_url(world, "extra-attempt/")),
        (world["trainer"], trainer_teacher_url(world, "override/")),
        (world["classmate"], f"/app/p/{pid}/exchange/"),
        (world["classmate"], exchange_url(world, "respond/")),
        (world["classmate"], exchange_url(world, "report/")),
        (world["teacher"], exchange_url(world, f"responses/{world['response']}/reply/")),
        (world["teacher"], exchange_url(world, "consent/")),
        (world["teacher"], exchange_url(world, "evidence/")),
        (world["teacher"], exchange_url(world, "withdraw/")),
        (world["trainer"], exchange_url(world, "exemplar/")),
        (world["trainer"], exchange_url(world, "hide/")),
        *[(world["trainer"], session_urls(world)[k]) for k in ("new", "edit", "attendance")],
        (world["trainer"], session_urls(world)["cancel"]),
    ]
    grades = GradeRecord.objects.count()
    for who, url in forms:
        response = who.post(url, {"all": "1", "placement": pid}, HTTP_ORIGIN="https://evil.example")
        assert response.status_code == 403, url
        no_token = who.client.post(url, {"all": "1"}, HTTP_ORIGIN="http://testserver")
        assert no_token.status_code in (401, 403), url
    assert GradeRecord.objects.count() == grades
    post = Post.objects.get()
    assert post.status == "shared" and not post.exemplar and Post.objects.count() == 1
    assert Response.objects.get().reply == ""
    assert CohortSession.objects.get().status == "scheduled" and not Attendance.objects.exists()


def test_names_and_texts_are_escaped_everywhere(world):
    pages = [
        world["teacher"].get(f"/app/p/{world['pid']}/"),
        world["trainer"].get("/app/trainer/"),
        world["trainer"].get(f"/app/trainer/evidence/{world['evidence']}/"),
        world["trainer"].get(trainer_teacher_url(world)),
        world["teacher"].get(f"/app/p/{world['pid']}/exchange/"),
        world["teacher"].get(exchange_url(world)),
        world["trainer"].get(exchange_url(world)),
        world["classmate"].get(exchange_url(world)),
        *[world["teacher"].get(session_urls(world)[k]) for k in ("page",)],
        *[world["trainer"].get(session_urls(world)[k]) for k in ("list", "edit", "attendance")],
        world["teacher"].get("/app/modules/"),
    ]
    for page in pages:
        html = page.content.decode()
        assert XSS not in html
    assert "&lt;script&gt;" in pages[2].content.decode()  # the reflection, escaped
    # The name's markup is removed when it arrives (lti_tool/person_names.py).
    dashboard = pages[1].content.decode()
    assert "Ann" in dashboard and "alert(" not in dashboard


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    fields=st.dictionaries(
        st.sampled_from(["id_token", "state", "lti_storage_target", "ignite_platform_state", "x"]),
        st.one_of(st.text(max_size=200), st.just("a.b.c"), st.just("e30.e30.e30")),
        max_size=5,
    ),
    login=st.dictionaries(
        st.sampled_from(
            [
                "iss",
                "login_hint",
                "target_link_uri",
                "client_id",
                "lti_storage_target",
                "lti_message_hint",
            ]
        ),
        st.text(max_size=120),
        max_size=6,
    ),
)
def test_random_login_and_launch_parameters_never_500(client, platform, fields, login):
    response = client.post("/lti/launch/", fields)
    assert response.status_code < 500
    response = client.post("/lti/login/", login)
    assert response.status_code < 500
    response = client.get("/lti/login/", login)
    assert response.status_code < 500


# --- coaching (issue 16): every coaching URL, as the wrong person, cohort and platform ------


@pytest.fixture
def coaching_world(world):
    """A cycle in cohort A between its trainer (the coach) and its teacher, with a shared
    observation: the demo module gets a look-for tool first."""
    from coaching.models import CoachingCycle, Observation, ObservationTool
    from courses.models import Participant, Placement
    from courses.progress import placement_module

    module = placement_module(Placement.objects.get(pk=world["pid"]))
    tool = {
        "title": "Demo look-fors",
        "purpose": "Tests.",
        "scale": [{"level": n, "label": f"L{n}", "description": "d"} for n in (1, 2, 3)],
        "look_fors": [
            {"slug": "goal", "who": "teacher", "text": "Goal", "evidence": "e", "lesson": "first"}
        ],
        "notes_prompt": "",
        "sources": [],
    }
    ObservationTool.objects.create(module_version=module.current, content_hash="x", tool=tool)
    coach = Participant.objects.get(lti_user__sub="a-trainer")
    cycle = CoachingCycle.objects.create(
        cohort_id=Placement.objects.get(pk=world["pid"]).cohort_id,
        placement_id=world["pid"],
        coach=coach,
        teacher_id=world["teacher_id"],
        goal=XSS,
    )
    Observation.objects.create(
        cycle=cycle, tool=tool, ratings={"goal": 2}, strength=XSS, shared_at=cycle.created_at
    )
    return {**world, "cycle": cycle.pk}


def coaching_trainer_urls(w) -> list[str]:
    c = w["cycle"]
    return [
        "/app/trainer/coaching/",
        "/app/trainer/coaching/export.csv",
        f"/app/trainer/coaching/{c}/",
        f"/app/trainer/coaching/{c}/observe/",
    ]


def coaching_posts(w) -> list[str]:
    c = w["cycle"]
    return [
        "/app/trainer/coaching/new/",
        "/app/trainer/coaching/gradebook/",
        f"/app/trainer/coaching/{c}/",
        f"/app/trainer/coaching/{c}/close/",
        f"/app/trainer/coaching/{c}/observe/",
        f"/app/trainer/coaching/{c}/observe/draft/",
        f"/app/coaching/{c}/",
        f"/app/coaching/{c}/reflect/",
    ]


def test_coaching_pages_carry_the_security_headers(coaching_world):
    w = coaching_world
    pages = [(w["trainer"], url) for url in coaching_trainer_urls(w)]
    pages.append((w["teacher"], f"/app/coaching/{w['cycle']}/"))
    for who, url in pages:
        response = who.get(url)
        assert response.status_code in (200, 302, 303), url
        assert (
            "frame-ancestors 'self' https://canvas.test.example"
            in response["Content-Security-Policy"]
        )
        assert response["X-Content-Type-Options"] == "nosniff", url


@pytest.mark.parametrize(
    "intruder", ["classmate", *ACCOUNT_ROLE_CLASSMATES, "other_teacher", "other_trainer"]
)
def test_every_coaching_url_refuses_the_wrong_person_cohort_and_platform(coaching_world, intruder):
    from coaching.models import CoachingCycle, CycleEvent, Observation, PlacementCoaching

    w, who = coaching_world, coaching_world[intruder]
    urls = [*coaching_trainer_urls(w), f"/app/coaching/{w['cycle']}/"]
    own_cohort_pages = ("/app/trainer/coaching/", "/app/trainer/coaching/export.csv")
    for url in urls:
        response = who.get(url)
        if intruder == "other_trainer" and url in own_cohort_pages:
            # Their own cohort's list and export: nothing of cohort A in them.
            assert response.status_code == 200 and "Ann" not in response.content.decode()
            continue
        assert response.status_code in (403, 404), (intruder, url)
        assert "alert(" not in response.content.decode()
    events = CycleEvent.objects.count()
    for url in coaching_posts(w):
        response = who.post(
            url,
            {
                "teacher": str(w["teacher_id"]),
                "placement": str(w["pid"]),
                "goal": "hijack",
                "goal_proposal": "hijack",
                "goal_met": "yes",
                "r-goal": "3",
                "reflection": "hijack",
                "action": "save",
                "on": "1",
            },
        )
        # Another cohort's trainer opening a cycle with A's teacher: refused as no teacher of
        # their cohort (400); everything else: 403 or 404.
        refused = (400, 403, 404) if url.endswith(("/new/", "/gradebook/")) else (403, 404)
        assert response.status_code in refused, (intruder, url)
    assert CoachingCycle.objects.count() == 1 and CycleEvent.objects.count() == events
    cycle = CoachingCycle.objects.get()
    assert cycle.goal == XSS and cycle.goal_proposal == "" and cycle.step == "goal_set"
    assert Observation.objects.get().reflection == ""
    assert not PlacementCoaching.objects.exists()


def test_the_other_platforms_trainer_sees_no_coaching(
    coaching_world, client, jwks_server, platform_private_key
):
    from tests.courses.conftest import trainer_on_another_platform

    other = trainer_on_another_platform(client, jwks_server, platform_private_key)
    for url in coaching_trainer_urls(coaching_world)[2:]:
        assert other.get(url).status_code == 404, url
    listing = other.get("/app/trainer/coaching/").content.decode()
    assert "Ann" not in listing


def test_csrf_every_coaching_form_refuses_another_origin(coaching_world):
    from coaching.models import CycleEvent

    w = coaching_world
    events = CycleEvent.objects.count()
    for url in coaching_posts(w):
        who = w["teacher"] if url.startswith("/app/coaching/") else w["trainer"]
        data = {
            "goal_met": "yes",
            "reflection": "x",
            "goal_proposal": "x",
            "placement": str(w["pid"]),
            "on": "1",
        }
        response = who.post(url, data, HTTP_ORIGIN="https://evil.example")
        assert response.status_code == 403, url
        no_token = who.client.post(url, data, HTTP_ORIGIN="http://testserver")
        assert no_token.status_code in (401, 403), url
    assert CycleEvent.objects.count() == events
    from coaching.models import PlacementCoaching

    assert not PlacementCoaching.objects.exists()


def test_coaching_names_and_texts_are_escaped(coaching_world):
    w = coaching_world
    pages = [
        w["trainer"].get("/app/trainer/coaching/"),
        w["trainer"].get(f"/app/trainer/coaching/{w['cycle']}/"),
        w["teacher"].get(f"/app/coaching/{w['cycle']}/"),
        w["teacher"].get("/app/modules/"),
    ]
    for page in pages:
        assert XSS not in page.content.decode()
    assert "&lt;script&gt;" in pages[1].content.decode()
