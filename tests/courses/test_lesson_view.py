"""The lesson page, the page teachers open most: what a view records, in how many statements."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from courses.models import Cohort, Lesson, LessonProgress, Participant, Placement
from courses.progress import lesson_view
from tests.concurrency import at_once

from .packs import write_pack


def test_a_lesson_page_is_three_statements_first_view_or_later(
    launch_as, placement_of, django_assert_num_queries
):
    teacher = launch_as()
    pid = placement_of().pk
    teacher.get(f"/app/p/{pid}/")  # the module's version is kept per worker from here on
    # The placement (with the launch's person), the view's one write, the module's progress.
    with django_assert_num_queries(3):
        first = teacher.get(f"/app/p/{pid}/lessons/first/")
    assert first.status_code == 200 and 'data-testid="lesson-title">First lesson<' in (
        first.content.decode()
    )
    row = LessonProgress.objects.get()
    assert row.first_viewed_at == row.last_viewed_at and row.completed_at is None
    assert row.lesson_slug == "first" and row.module_version_id == row.lesson.module_version_id
    with django_assert_num_queries(3):
        assert teacher.get(f"/app/p/{pid}/lessons/first/").status_code == 200
    assert LessonProgress.objects.count() == 1


def test_a_later_view_moves_last_viewed_and_keeps_the_first_view_and_completion(
    launch_as, placement_of
):
    teacher = launch_as()
    pid = placement_of().pk
    teacher.get(f"/app/p/{pid}/lessons/first/")
    teacher.post(f"/app/p/{pid}/lessons/first/complete/")
    an_hour = timedelta(hours=1)
    LessonProgress.objects.update(
        first_viewed_at=F("first_viewed_at") - an_hour,
        last_viewed_at=F("last_viewed_at") - an_hour,
        completed_at=F("completed_at") - an_hour,
    )
    before = LessonProgress.objects.get()
    teacher.get(f"/app/p/{pid}/lessons/first/")
    after = LessonProgress.objects.get()
    assert after.first_viewed_at == before.first_viewed_at
    assert after.completed_at == before.completed_at  # a view never undoes a completion
    assert timezone.now() - after.last_viewed_at < timedelta(minutes=1)
    assert after.last_viewed_at > before.last_viewed_at + timedelta(minutes=59)


@pytest.mark.django_db(transaction=True)
def test_views_of_one_lesson_from_several_tabs_at_once_leave_one_row(tmp_path):
    """Tabs opening the same lesson at the same moment: one row, with one first view."""
    call_command("import_content", str(write_pack(tmp_path / "packs")), stdout=StringIO())
    participant = Participant.objects.create(name="P")
    placement = Placement.objects.create(cohort=Cohort.objects.create(), module_slug="demo-module")
    target = Lesson.objects.get(slug="first")
    at_once(lambda: lesson_view(participant=participant, placement=placement, lesson=target))
    row = LessonProgress.objects.get(participant=participant)
    assert row.lesson_slug == "first" and row.first_viewed_at <= row.last_viewed_at
