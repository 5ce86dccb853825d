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
