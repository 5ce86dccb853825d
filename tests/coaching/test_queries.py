"""The dashboard column and the panels read a constant number of queries, whatever the
cohort's size (courses/pages.py asks it of every provider)."""

from __future__ import annotations

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from coaching.models import CoachingCycle
from coaching.panels import coaching_column
from coaching.services import coach_rows
from courses.models import Participant, Placement

from .conftest import FULL, open_cycle

FULL_DATE = datetime.date(2026, 11, 21)


def queries(fn) -> int:
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured)


def test_the_column_and_the_coach_list_do_not_grow_with_the_cohort(people, launch_as):
    cohort_id = Placement.objects.get(pk=people["pid"]).cohort_id
    cid = open_cycle(people)
    people["coach"].get(f"/app/trainer/coaching/{cid}/observe/")
    people["coach"].post(f"/app/trainer/coaching/{cid}/observe/", {**FULL, "action": "save"})

    def measure():
        ids = list(Participant.objects.values_list("pk", flat=True))
        column = queries(lambda: coaching_column(cohort_id=cohort_id, participant_ids=ids))
        rows = queries(lambda: coach_rows(cohort_id=cohort_id, today=FULL_DATE))
        return column, rows

    small = measure()
    for n in range(4):
        launch_as(sub=f"t{n}", name=f"Teacher {n}")
        teacher = Participant.objects.get(lti_user__sub=f"t{n}")
        CoachingCycle.objects.create(
            cohort_id=cohort_id,
            placement_id=people["pid"],
            coach=Participant.objects.get(lti_user__sub="priya"),
            teacher=teacher,
        )
    assert measure() == small
    column = coaching_column(cohort_id=cohort_id, participant_ids=[people["teacher_id"]])
    assert column.key == "coaching-step" and column.cells[people["teacher_id"]] == "Observed"
