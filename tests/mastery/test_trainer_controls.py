"""A trainer's controls over one teacher's mastery check: the attempts page with every
response, one extra attempt, a score override with a reason; who and when are recorded, the
LMS follows through the grade outbox; role, cohort and platform isolation on every URL."""

from __future__ import annotations

from decimal import Decimal

import pytest

from courses.models import Module, Participant
from mastery.models import Attempt, AttemptGrant, GradeRecord, ScoreOverride
from tests.courses.conftest import trainer_on_another_platform
from tests.mastery.test_attempts import right_answers, start

INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


def take(teacher, pid, *, wrong_all: bool) -> Attempt:
    attempt = start(teacher, pid)
    wrong = set(attempt.question_ids) if wrong_all else set()
    response = teacher.post(
        f"/app/p/{pid}/mastery/{attempt.number}/", right_answers(attempt, wrong)
    )
    assert response.status_code == 303
    attempt.refresh_from_db()
    assert attempt.status == "submitted"
    return attempt


@pytest.fixture
def world(launch_as, placement_of, lti, platform_private_key, jwks_server, client):
    maya = launch_as(sub="maya", name="Maya Alvarez")
    maya.name = "Maya Alvarez"
    trainer = launch_as(sub="priya", name="Priya Raman", roles=[INSTRUCTOR])
    placement = placement_of()
    maya_p = Participant.objects.get(lti_user__sub="maya")
    # The same LMS course id on another platform is another tenant's cohort.
    other_platform_trainer = trainer_on_another_platform(client, jwks_server, platform_private_key)
    return {
        "maya": maya,
        "maya_id": maya_p.pk,
        "trainer": trainer,
        "pid": placement.pk,
        "placement": placement,
        "classmate": launch_as(sub="jordan", name="Jordan"),
        "other_cohort_trainer": launch_as(
            sub="bea", name="Bea", roles=[INSTRUCTOR], link="b-link", context="b-course"
        ),
        "other_platform_trainer": other_platform_trainer,
    }


def urls(w):
    base = f"/app/trainer/p/{w['pid']}/teachers/{w['maya_id']}/"
    return base, base + "extra-attempt/", base + "override/"


def test_the_attempts_page_shows_each_response(world):
    maya, trainer, pid = world["maya"], world["trainer"], world["pid"]
    first = take(maya, pid, wrong_all=True)
    take(maya, pid, wrong_all=False)
    dashboard = trainer.get("/app/trainer/").content.decode()
    page_url = urls(world)[0]
    assert f'href="{page_url}?lt=' in dashboard  # the cell opens the teacher's attempts
    html = trainer.get(page_url).content.decode()
    assert html.count('data-testid="trainer-attempt"') == 2
    bank = {q["id"]: q for q in first.module_version.questions}
    for qid in first.question_ids:
        assert bank[qid]["prompt"] in html
    rows = html.split('data-testid="trainer-response"')[1:]
    results = [row.split('data-result="')[1].split('"')[0] for row in rows]
    assert results == ["wrong"] * len(first.question_ids) + ["right"] * len(first.question_ids)


def test_extra_attempt_lets_a_teacher_with_attempts_used_up_start_one_more(world):
    maya, trainer, pid = world["maya"], world["trainer"], world["pid"]
    page, extra, _ = urls(world)
    assert trainer.post(extra).status_code == 409  # attempts left: nothing to grant yet
    for _ in range(3):
        take(maya, pid, wrong_all=True)
    assert maya.post(f"/app/p/{pid}/mastery/").status_code == 409
    cell = trainer.get("/app/trainer/").content.decode()
    assert 'data-state="needs_review"' in cell

    response = trainer.post(extra, {"reason": "Talked it through on Monday"})
    assert response.status_code == 303 and "done=extra" in response["Location"]
    grant = AttemptGrant.objects.get()
    assert grant.granted_by.lti_user.sub == "priya" and grant.granted_at is not None
    assert trainer.post(extra).status_code == 409  # a double click grants no second one
    assert AttemptGrant.objects.count() == 1
    html = trainer.get(page).content.decode()
    assert 'data-testid="grant"' in html and "Priya Raman" in html and "Monday" in html
    assert 'data-testid="attempts-allowed">4<' in html
    assert 'data-state="in_progress"' in trainer.get("/app/trainer/").content.decode()

    fourth = start(maya, pid)
    assert fourth.number == 4
    maya.post(f"/app/p/{pid}/mastery/4/", right_answers(fourth, set(fourth.question_ids)))
    assert maya.post(f"/app/p/{pid}/mastery/").status_code == 409  # exactly one more


def test_override_needs_a_reason_and_a_valid_score(world):
    _, override = urls(world)[0], urls(world)[2]
    trainer = world["trainer"]
    for data in (
        {"score": "90"},
        {"score": "90", "reason": "   "},
        {"score": "101", "reason": "r"},
        {"score": "-1", "reason": "r"},
        {"score": "NaN", "reason": "r"},
        {"score": "１００", "reason": "r"},
        {"score": "", "reason": "r"},
    ):
        response = trainer.post(override, data)
        assert response.status_code == 400, data
        assert 'data-testid="trainer-error"' in response.content.decode()
    assert ScoreOverride.objects.count() == 0 and GradeRecord.objects.count() == 0


def test_override_is_recorded_and_sent_as_a_new_grade(world):
    maya, trainer, pid = world["maya"], world["trainer"], world["pid"]
    take(maya, pid, wrong_all=True)
    before = GradeRecord.objects.get()
    assert before.score_given == Decimal("0")
    page, _, override = urls(world)
    reason = "Question d-02 was ambiguous; <b>she explained it</b> in our session."
    response = trainer.post(override, {"score": "85.5", "reason": reason})
    assert response.status_code == 303 and "done=override" in response["Location"]
    row = ScoreOverride.objects.get()
    assert (row.score, row.previous_score) == (Decimal("85.50"), Decimal("0.00"))
    assert row.overridden_by.lti_user.sub == "priya" and row.created_at is not None
    record = GradeRecord.objects.order_by("-timestamp").first()
    assert record.pk != before.pk and row.grade_record_id == record.pk
    assert (record.score_given, record.grading_progress, record.activity_progress) == (
        Decimal("85.5"),
        "FullyGraded",
        "Completed",
    )
    assert "Priya Raman" in record.comment and "ambiguous" in record.comment
    assert record.timestamp > before.timestamp  # newer: the LMS keeps it over the attempt's
    before.refresh_from_db()
    assert before.status == GradeRecord.Status.SUPERSEDED  # the unsent older score is dropped
    html = trainer.get(page).content.decode()
    assert 'data-testid="override"' in html and "85.5%" in html
    assert "&lt;b&gt;she explained it&lt;/b&gt;" in html and "<b>she" not in html
    dashboard = trainer.get("/app/trainer/").content.decode()
    assert "85.5%" in dashboard and 'data-testid="cell-overridden"' in dashboard
    # An override is a gradebook score, not mastery: no credential, no mastered state.
    assert 'data-state="mastered"' not in dashboard
    module = maya.get(f"/app/p/{pid}/").content.decode()
    note = module.split('data-testid="mastery-override"')[1].split("</p>")[0]
    assert "Priya Raman" in note and "85.5%" in note and "&lt;b&gt;she explained" in note
    assert 'data-testid="mastery-override"' not in trainer.get(f"/app/p/{pid}/").content.decode()


def test_an_attempt_after_an_override_counts_with_it(world):
    maya, trainer, pid = world["maya"], world["trainer"], world["pid"]
    take(maya, pid, wrong_all=True)
    trainer.post(urls(world)[2], {"score": "70", "reason": "Credit for the session work"})
    take(maya, pid, wrong_all=True)  # 0%: under "highest" the override's 70 still counts
    latest = GradeRecord.objects.order_by("-timestamp").first()
    assert latest.score_given == Decimal("70")
    assert "Priya Raman's override of 70%" in latest.comment
    # The dashboard's cell shows the score the gradebook holds, by the same rule.
    cell = _maya_cell(trainer.get("/app/trainer/").content.decode())
    assert " · 70%" in cell and 'data-testid="cell-overridden"' in cell
    take(maya, pid, wrong_all=False)  # 100%
    latest = GradeRecord.objects.order_by("-timestamp").first()
    assert latest.score_given == Decimal("100")
    cell = _maya_cell(trainer.get("/app/trainer/").content.decode())
    assert " · 100%" in cell and 'data-testid="cell-overridden"' in cell


def _maya_cell(html: str) -> str:
    row = html.split('<th scope="row">Maya Alvarez')[1].split("</tr>")[0]
    return row.split('data-testid="progress-cell"')[1].split("</td>")[0]


@pytest.mark.parametrize(
    "intruder", ["maya", "classmate", "other_cohort_trainer", "other_platform_trainer"]
)
def test_every_trainer_url_refuses_the_wrong_role_cohort_and_platform(world, intruder):
    who = world[intruder]
    take(world["maya"], world["pid"], wrong_all=True)
    for _ in range(2):
        take(world["maya"], world["pid"], wrong_all=True)
    expected = (403,) if intruder in ("maya", "classmate") else (404,)
    page, extra, override = urls(world)
    assert who.get(page).status_code in expected, page
    for url in (extra, override):
        response = who.post(url, {"score": "100", "reason": "because"})
        assert response.status_code in expected, url
    assert AttemptGrant.objects.count() == 0 and ScoreOverride.objects.count() == 0


def test_changes_need_post_and_csrf(world):
    trainer = world["trainer"]
    page, extra, override = urls(world)
    for url in (extra, override):
        assert trainer.get(url).status_code == 405
        evil = trainer.post(url, {"score": "1", "reason": "x"}, HTTP_ORIGIN="https://evil.example")
        assert evil.status_code == 403
    assert trainer.post(page).status_code == 405
    assert ScoreOverride.objects.count() == 0 and AttemptGrant.objects.count() == 0


@pytest.mark.parametrize(
    "path",
    [
        "/app/trainer/p/{pid}/teachers/99999999999999999999999999/",
        "/app/trainer/p/99999999999999999999999999/teachers/{mid}/",
        "/app/trainer/p/{pid}/teachers/%D9%A3/",  # an Arabic-Indic digit
        "/app/trainer/p/{pid}/teachers/-1/",
        "/app/trainer/p/{pid}/teachers/1x/",
        "/app/trainer/p/{pid}/teachers/0/",
    ],
)
def test_malformed_ids_are_404_never_500(world, path):
    url = path.format(pid=world["pid"], mid=world["maya_id"])
    assert world["trainer"].get(url).status_code == 404
    assert world["trainer"].post(url + "override/", {"score": "1", "reason": "x"}).status_code in (
        404,
        405,
    )


def test_question_analysis_counts_choices_and_blanks(world):
    placement = world["placement"]
    version = Module.objects.get(slug="demo-module").current
    # Longer than the 140 characters the analysis used to cut prompts at.
    long_prompt = "Which grouping fits a lesson where " + "students rotate, " * 12 + "and why?"
    version.questions[0]["prompt"] = long_prompt
    version.save(update_fields=["questions"])
    rows = [
        ({"d-01": 0, "d-02": None}, {"d-01": 1, "d-02": 0}),
        ({"d-01": 1, "d-02": True}, {"d-01": 0, "d-02": 1}),
        ({"d-01": None, "d-02": False}, {"d-01": 0, "d-02": 0}),
    ]
    others = [Participant.objects.create(name=f"T{i}") for i in range(3)]
    for who, (answers, credits) in zip(others, rows, strict=True):
        Attempt.objects.create(
            participant=who,
            placement=placement,
            module_version=version,
            number=1,
            status="submitted",
            question_ids=["d-01", "d-02"],
            seed=1,
            policy={"threshold": 80},
            answers=answers,
            credits=credits,
            score=Decimal("50"),
        )
    html = world["trainer"].get("/app/trainer/").content.decode()
    section = html.split('id="items"')[1].split("</section>")[0]
    d01 = section.split('data-question="d-01"')[1].split("</tr>")[0]
    d02 = section.split('data-question="d-02"')[1].split("</tr>")[0]
    assert long_prompt in d01
    assert 'data-testid="item-answered">2<' in d01 and 'data-testid="item-unanswered">1<' in d01
    assert 'data-testid="item-answered">2<' in d02 and 'data-testid="item-unanswered">1<' in d02
    # d-01: option 0 ("Right") chosen once, option 1 ("Wrong") once; blanks count for neither.
    assert 'data-count="1" data-correct="true">Right: <strong>1</strong>' in d01
    assert 'data-count="1">Wrong: <strong>1</strong>' in d01
    assert 'data-count="1" data-correct="true">True: <strong>1</strong>' in d02
    assert 'data-count="1">False: <strong>1</strong>' in d02
