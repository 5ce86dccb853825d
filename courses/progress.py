"""Where a participant is in a placed module: lessons viewed and completed, resume point.

Progress rows point at the lesson version the participant saw. A module's progress is read
against its current version by lesson slug, so finishing a lesson survives a new version of
the module that keeps that lesson, and rows for an earlier version stay as they were.
All writes are idempotent: a double click or two tabs leave one row and the first times.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone

from prepared import insert_columns, insert_params

from .models import Lesson, LessonProgress, Module, ModuleVersion, Participant, Placement


def placement_module(placement: Placement | None) -> Module | None:
    """The catalog module placed here, if the placement names one that was imported."""
    if placement is None or not placement.module_slug:
        return None
    return (
        Module.objects.select_related("current", "program")
        .filter(slug=placement.module_slug, current__isnull=False)
        .first()
    )


def _row(participant: Participant, placement: Placement, lesson: Lesson) -> LessonProgress:
    lookup = {"participant": participant, "placement": placement, "lesson": lesson}
    try:
        return LessonProgress.objects.get(**lookup)
    except LessonProgress.DoesNotExist:
        pass
    try:
        with transaction.atomic():
            return LessonProgress.objects.create(
                **lookup, module_version_id=lesson.module_version_id, lesson_slug=lesson.slug
            )
    except IntegrityError:  # the other tab got there first
        return LessonProgress.objects.get(**lookup)


def lesson_view(*, participant: Participant, placement: Placement, lesson: Lesson) -> None:
    """The lesson's row for this participant made on their first view, or its "last viewed"
    moved to now on every later one: one statement either way (it was two on every view, a
    read and an update, and five on the first), as the lesson page is the page teachers open
    most. Its first view's time is kept, as before; two tabs at once leave one row."""
    now = timezone.now()
    row = LessonProgress(
        participant=participant,
        placement=placement,
        lesson=lesson,
        module_version_id=lesson.module_version_id,
        lesson_slug=lesson.slug,
        first_viewed_at=now,
        last_viewed_at=now,
    )
    with connection.cursor() as cursor:
        cursor.execute(_view_sql(connection.alias), insert_params(row))


@lru_cache(maxsize=4)
def _view_sql(using: str) -> str:
    """`lesson_view`'s upsert (INSERT ... ON CONFLICT DO UPDATE: PostgreSQL and SQLite alike),
    built once from the model: its quoted names only; every value is a parameter."""
    quote = connections[using].ops.quote_name
    names, values = insert_columns(LessonProgress, using=using)
    field = LessonProgress._meta.get_field
    unique = ", ".join(quote(field(name).column) for name in ("participant", "placement", "lesson"))
    table, last = quote(LessonProgress._meta.db_table), quote(field("last_viewed_at").column)
    # Never back in time: a tab whose moment was taken first may write last.
    return (
        f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(values)}) "  # noqa: S608
        f"ON CONFLICT ({unique}) DO UPDATE SET {last} = CASE WHEN EXCLUDED.{last} > {table}.{last} "
        f"THEN EXCLUDED.{last} ELSE {table}.{last} END"
    )


def lesson_complete(*, participant: Participant, placement: Placement, lesson: Lesson) -> bool:
    """Mark a lesson done. True if this call completed it, False if it already was."""
    row = _row(participant, placement, lesson)
    now = timezone.now()
    return bool(
        LessonProgress.objects.filter(pk=row.pk, completed_at__isnull=True).update(
            completed_at=now, last_viewed_at=now
        )
    )


@dataclass
class ModuleProgress:
    lessons: list[Lesson]
    completed: set[str]
    last_viewed: str | None

    @property
    def total(self) -> int:
        return len(self.lessons)

    @property
    def done(self) -> int:
        return sum(1 for lesson in self.lessons if lesson.slug in self.completed)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def started(self) -> bool:
        return self.last_viewed is not None

    @property
    def resume(self) -> Lesson | None:
        """Where to pick up: the lesson last open if unfinished, else the next unfinished."""
        if not self.lessons:
            return None
        slugs = [lesson.slug for lesson in self.lessons]
        if self.last_viewed in slugs:
            start = slugs.index(self.last_viewed)
            if self.last_viewed not in self.completed:
                return self.lessons[start]
            order = self.lessons[start + 1 :] + self.lessons[: start + 1]
        else:
            order = self.lessons
        return next((lesson for lesson in order if lesson.slug not in self.completed), None)


def module_progress(
    *, participant: Participant, placement: Placement, version: ModuleVersion
) -> ModuleProgress:
    from .page_queries import page_flag

    lessons = list(version.lessons.all())
    completed: set[str] = set()
    last = None
    if page_flag(placement, participant, "progress"):
        # One query for both: the rows of one person in one placement are a handful.
        rows = LessonProgress.objects.filter(participant=participant, placement=placement)
        newest = None
        for slug, done_at, viewed_at in rows.values_list(
            "lesson_slug", "completed_at", "last_viewed_at"
        ):
            if done_at is not None:
                completed.add(slug)
            if viewed_at is not None and (newest is None or viewed_at > newest):
                newest, last = viewed_at, slug
    return ModuleProgress(lessons=lessons, completed=completed, last_viewed=last)


def cohort_modules(*, participant: Participant, cohort_id: int) -> list[tuple]:
    """(placement, module, progress) for every placement of the cohort with a catalog module."""
    placements = Placement.objects.filter(cohort_id=cohort_id).exclude(module_slug="")
    modules = {
        m.slug: m
        for m in Module.objects.select_related("current", "program").filter(
            slug__in=[p.module_slug for p in placements], current__isnull=False
        )
    }
    result = []
    for placement in placements.order_by("due_at", "pk"):
        module = modules.get(placement.module_slug)
        if module is None:
            continue
        progress = module_progress(
            participant=participant, placement=placement, version=module.current
        )
        result.append((placement, module, progress))
    return result
