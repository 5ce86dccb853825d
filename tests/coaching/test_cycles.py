"""A coaching cycle end to end through the pages: a coach opens it, observes (draft saved as
JSON, then shared), the teacher reflects; who may see and do what; every step logged."""

from __future__ import annotations

import csv
import io

import pytest

from coaching.models import CoachingCycle, CycleEvent, Observation, Step

from .conftest import FULL, open_cycle


def test_a_cycle_runs_from_goal_to_reflection_with_every_step_logged(people):
    coach, teacher = people["coach"], people["teacher"]
    cid = open_cycle(people)
    cycle = CoachingCycle.objects.get(pk=cid)
    assert cycle.step == Step.GOAL_SET and cycle.teacher_id == people["teacher_id"]
    page = coach.get(f"/app/trainer/coaching/{cid}/").content.decode()
    assert "Students explain their thinking" in page

    # The teacher sees the cycle on "My modules", but no observation until it is shared.
    modules = teacher.get("/app/modules/").content.decode()
    assert 'data-testid="coaching-panel"' in modules and f"/app/coaching/{cid}/" in modules

    form = coach.get(f"/app/trainer/coaching/{cid}/observe/")
    assert form.status_code == 200 and 'data-testid="look-for"' in form.content.decode()
    draft = coach.post(
        f"/app/trainer/coaching/{cid}/observe/draft/",
        {"r-clear-goal": "3", "notes": "started"},
        HTTP_ACCEPT="application/json",
    )
    assert draft.status_code == 200 and draft.json()["saved"]
    observation = Observation.objects.get(cycle_id=cid)
    assert observation.ratings == {"clear-goal": 3} and observation.notes == "started"
    assert CoachingCycle.objects.get(pk=cid).step == Step.OBSERVED
    mine = teacher.get(f"/app/coaching/{cid}/").content.decode()
    assert 'data-testid="coaching-ratings"' not in mine and "started" not in mine

    shared = coach.post(f"/app/trainer/coaching/{cid}/observe/", {**FULL, "action": "share"})
    assert shared.status_code == 303
    assert CoachingCycle.objects.get(pk=cid).step == Step.FEEDBACK_SHARED
    mine = teacher.get(f"/app/coaching/{cid}/").content.decode()
    assert 'data-testid="coaching-ratings"' in mine
    assert "Every student could name the goal." in mine and "Second lesson" in mine

    reflected = teacher.post(
        f"/app/coaching/{cid}/reflect/", {"reflection": "I will pause for partner talk."}
    )
    assert reflected.status_code == 303
    assert CoachingCycle.objects.get(pk=cid).step == Step.REFLECTED
    log = list(CycleEvent.objects.filter(cycle_id=cid).values_list("step", "by__name"))
    assert log == [
        ("goal_set", "Priya Raman"),
        ("observed", "Priya Raman"),
        ("feedback_shared", "Priya Raman"),
        ("reflected", "Maya Alvarez"),
    ]
    closed = coach.post(
        f"/app/trainer/coaching/{cid}/close/",
        {"goal_met": "yes", "next": "1", "goal": "Quick checks", "planned_on": "2026-12-10"},
    )
    assert closed.status_code == 303
    cycle = CoachingCycle.objects.get(pk=cid)
    assert cycle.step == Step.CLOSED and cycle.goal_met is True
    following = CoachingCycle.objects.get(previous=cycle)
    assert following.goal == "Quick checks" and following.step == Step.GOAL_SET
    assert f"/app/trainer/coaching/{following.pk}/" in closed["Location"]


def test_sharing_needs_a_complete_growth_oriented_feedback(people):
    cid = open_cycle(people)
    coach = people["coach"]
    incomplete = {k: v for k, v in FULL.items() if k not in ("strength", "resource_lesson")}
    response = coach.post(
        f"/app/trainer/coaching/{cid}/observe/", {**incomplete, "action": "share"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "a strength you saw" in html and "a lesson of the module" in html
    assert not Observation.objects.get(cycle_id=cid).shared
    # What was typed stays on the page.
    assert "Ask partners to explain before they write." in html


@pytest.mark.parametrize(
    "field, value",
    [
        ("r-clear-goal", "9"),
        ("resource_lesson", "not-a-lesson"),
        ("strength_look_for", "not-a-look-for"),
        ("observed_on", "20-11-2026"),
    ],
)
def test_bad_values_are_refused_with_400_never_a_500(people, field, value):
    cid = open_cycle(people)
    coach = people["coach"]
    coach.get(f"/app/trainer/coaching/{cid}/observe/")
    response = coach.post(f"/app/trainer/coaching/{cid}/observe/draft/", {**FULL, field: value})
    assert response.status_code == 400 and field in response.json()["errors"]
    assert Observation.objects.get(cycle_id=cid).draft_saved_at is None


def test_a_shared_observation_no_longer_changes(people):
    cid = open_cycle(people)
    coach = people["coach"]
    coach.get(f"/app/trainer/coaching/{cid}/observe/")
    coach.post(f"/app/trainer/coaching/{cid}/observe/", {**FULL, "action": "share"})
    again = coach.post(f"/app/trainer/coaching/{cid}/observe/draft/", {**FULL, "r-clear-goal": "1"})
    assert again.status_code == 409
    assert Observation.objects.get(cycle_id=cid).ratings["clear-goal"] == 3


def test_opening_a_cycle_refuses_people_and_modules_of_other_cohorts(people, placement_of):
    coach = people["coach"]
    people["other_trainer"]  # cohort B exists
    from courses.models import Participant

    bea = Participant.objects.get(lti_user__sub="bea")
    b_placement = placement_of("b-link").pk
    for data in (
        {"teacher": str(bea.pk), "placement": str(people["pid"])},
        {"teacher": str(people["teacher_id"]), "placement": str(b_placement)},
        {
            "teacher": str(Participant.objects.get(lti_user__sub="priya").pk),
            "placement": str(people["pid"]),
        },
        {"teacher": "١٢", "placement": "x"},
    ):
        response = coach.post("/app/trainer/coaching/new/", data)
        assert response.status_code == 400, data
    assert not CoachingCycle.objects.exists()


def test_ratings_stay_with_the_coach_the_teacher_and_the_cohorts_trainers(people):
    cid = open_cycle(people)
    people["coach"].get(f"/app/trainer/coaching/{cid}/observe/")
    people["coach"].post(f"/app/trainer/coaching/{cid}/observe/", {**FULL, "action": "share"})
    # Another trainer of the cohort sees it.
    assert (
        "coaching-ratings"
        in people["co_trainer"].get(f"/app/trainer/coaching/{cid}/").content.decode()
    )
    # A classmate, a trainer of another cohort: nothing.
    for who in ("classmate", "other_trainer"):
        for url in (f"/app/coaching/{cid}/", f"/app/trainer/coaching/{cid}/"):
            response = people[who].get(url)
            assert response.status_code in (403, 404), (who, url)
            assert "Every student could name the goal." not in response.content.decode()
    # The teacher cannot reach the coach's pages.
    assert people["teacher"].get(f"/app/trainer/coaching/{cid}/").status_code == 403


def table(html: str) -> str:
    return html.split('data-testid="coaching-table"')[1].split("</table>")[0]


def test_the_coach_list_filters_and_exports_safely(people, launch_as):
    launch_as(sub="zed", name='=HYPERLINK("http://x")')  # a teacher with no cycle
    cid = open_cycle(people, planned_on="2020-01-01")
    coach = people["coach"]
    overdue = coach.client.get(
        "/app/trainer/coaching/", {"lt": coach.lt, "show": "overdue"}
    ).content.decode()
    overdue = table(overdue)
    assert overdue.count('data-testid="coaching-row"') == 1 and "Maya Alvarez" in overdue
    none_yet = coach.client.get(
        "/app/trainer/coaching/", {"lt": coach.lt, "show": "no-observation"}
    ).content.decode()
    assert none_yet.count('data-testid="coaching-row"') == 3  # Maya, Cal and Zed
    coach.get(f"/app/trainer/coaching/{cid}/observe/")
    coach.post(f"/app/trainer/coaching/{cid}/observe/", {**FULL, "action": "share"})
    none_yet = coach.client.get(
        "/app/trainer/coaching/", {"lt": coach.lt, "show": "no-observation"}
    ).content.decode()
    assert "Maya Alvarez" not in table(none_yet) and "Cal Classmate" in table(none_yet)
    assert (
        coach.client.get("/app/trainer/coaching/", {"lt": coach.lt, "show": "bogus"}).status_code
        == 200
    )
    export = coach.get("/app/trainer/coaching/export.csv")
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[0][0] == "Teacher"
    names = [r[0] for r in rows[1:]]
    assert '\'=HYPERLINK("http://x")' in names and '=HYPERLINK("http://x")' not in names
    maya = next(r for r in rows if r[0] == "Maya Alvarez")
    assert maya[4] == "Feedback shared" and maya[6] == "2026-11-20"
    dashboard = coach.get("/app/trainer/").content.decode()
    assert 'data-testid="coaching-step"' in dashboard and "Feedback shared" in dashboard


def test_the_teacher_proposes_a_goal_and_sees_growth_across_observations(people):
    coach, teacher = people["coach"], people["teacher"]
    cid = open_cycle(people, goal="")
    assert (
        teacher.post(f"/app/coaching/{cid}/", {"goal_proposal": "More partner talk"}).status_code
        == 303
    )
    assert "More partner talk" in coach.get(f"/app/trainer/coaching/{cid}/").content.decode()
    coach.get(f"/app/trainer/coaching/{cid}/observe/")
    coach.post(f"/app/trainer/coaching/{cid}/observe/", {**FULL, "action": "share"})
    coach.post(
        f"/app/trainer/coaching/{cid}/close/",
        {"goal_met": "no", "next": "1", "goal": "Partner talk, again"},
    )
    second = CoachingCycle.objects.get(previous_id=cid)
    coach.get(f"/app/trainer/coaching/{second.pk}/observe/")
    later = {**FULL, "observed_on": "2026-12-04", "r-students-explain": "4"}
    coach.post(f"/app/trainer/coaching/{second.pk}/observe/", {**later, "action": "share"})
    page = teacher.get(f"/app/coaching/{second.pk}/").content.decode()
    assert page.count('data-testid="growth-chart"') == 1
    assert (
        'role="img"' in page and "Students explain their thinking to a partner.: 2, then 4" in page
    )
    cells = page.split('data-testid="growth-table"')[1]
    assert cells.count('data-testid="growth-cell"') == 6  # 3 look-fors x 2 observations
    assert "Goals met: 0 of 1 closed cycle." in page


def test_a_closed_cycle_takes_no_observation(people):
    cid = open_cycle(people)
    coach = people["coach"]
    assert coach.post(f"/app/trainer/coaching/{cid}/close/", {"goal_met": "no"}).status_code == 303
    assert coach.get(f"/app/trainer/coaching/{cid}/observe/").status_code == 303
    response = coach.post(f"/app/trainer/coaching/{cid}/observe/", {**FULL, "action": "save"})
    assert response.status_code == 409
    draft = coach.post(f"/app/trainer/coaching/{cid}/observe/draft/", FULL)
    assert draft.status_code == 409
    assert not Observation.objects.filter(cycle_id=cid).exists()
    again = coach.post(f"/app/trainer/coaching/{cid}/close/", {"goal_met": "yes"})
    assert again.status_code == 409
    assert CoachingCycle.objects.get(pk=cid).goal_met is False


def test_an_observation_keeps_the_tool_it_was_made_with(people, demo_pack):
    from io import StringIO

    from django.core.management import call_command

    from tests.courses.packs import module_dir

    from .packs import TOOL

    cid = open_cycle(people)
    people["coach"].post(f"/app/trainer/coaching/{cid}/observe/", {**FULL, "action": "share"})
    path = module_dir(demo_pack) / "observation.yaml"
    path.write_text(TOOL.replace("The lesson goal is posted and named.", "A goal, rewritten."))
    call_command("import_content", str(demo_pack), stdout=StringIO())
    page = people["teacher"].get(f"/app/coaching/{cid}/").content.decode()
    assert "The lesson goal is posted and named." in page and "A goal, rewritten." not in page
    assert (
        "A goal, rewritten."
        in people["coach"]
        .get(f"/app/trainer/coaching/{open_cycle(people)}/observe/")
        .content.decode()
    )
