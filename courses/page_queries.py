"""What a teacher's page needs from the database, read in as few queries as the data allows.

`placed_for_launch` reads the placement a URL names (scoped to the launch's cohort) in one
query that also carries:
- the id of its module's current version (read fresh on every request, so a new import shows
  on the next page);
- the launch's participant (its display fields), so `request.launch.participant` costs no
  query of its own;
- flags saying whether this participant has any lesson progress, attempts, grade records, a
  score override or evidence here, and how many extra attempts a trainer granted, so a page
  skips the queries that would find nothing. The flags are stamped with the participant they
  describe (`page_participant_id`): a trainer's view of another teacher never uses them.

The module version itself comes from a per-worker cache (`content_version`). A ModuleVersion and
its lessons never change after import (courses/models.py), so each worker keeps those it read,
by id. Its module and program rows can change on a later import (titles, position, retired),
so an entry is kept at most CONTENT_TTL seconds, and saving or deleting a Program, Module,
ModuleVersion or Lesson drops every entry of the process that saved it. Nothing a trainer can
change (placements, policies, due dates, memberships, grants, overrides, reviews) is cached.
"""

from __future__ import annotations

import copy
import threading
import time

from django.db import connection
from django.db.models import Exists, OuterRef, Subquery
from django.db.models.signals import post_delete, post_save

from prepared import Prepared

from .models import Lesson, LessonProgress, Module, ModuleVersion, Participant, Placement, Program
from .pages import page_flag_builders, page_flags_version

CONTENT_TTL = 60.0  # seconds a cached module and program row may lag behind an import
CONTENT_MAX = 64  # versions kept per worker (lessons included); the oldest go first

_lock = threading.Lock()
_versions: dict[int, tuple[float, ModuleVersion]] = {}
_PARTICIPANT_FIELDS = ("name", "given_name", "family_name", "email")


def content_forget(**_kwargs) -> None:
    """Drop every cached version of this process (connected to content model signals)."""
    with _lock:
        _versions.clear()


for _model in (Program, Module, ModuleVersion, Lesson):
    post_save.connect(content_forget, sender=_model, dispatch_uid=f"pages-forget-{_model.__name__}")
    post_delete.connect(
        content_forget, sender=_model, dispatch_uid=f"pages-forget-del-{_model.__name__}"
    )


def content_version(version_id: int | None) -> ModuleVersion | None:
    """The module version with its module, program and lessons (`version.lessons.all()` reads
    no database), shared by the requests of this worker: treat it as read-only."""
    if version_id is None:
        return None
    now = time.monotonic()
    hit = _versions.get(version_id)
    if hit is not None and hit[0] > now:
        return hit[1]
    version = (
        ModuleVersion.objects.select_related("module__program")
        .prefetch_related("lessons")
        .filter(pk=version_id)
        .first()
    )
    if version is None:
        return None
    with _lock:
        if len(_versions) >= CONTENT_MAX:
            _versions.pop(min(_versions, key=lambda k: _versions[k][0]), None)
        _versions[version_id] = (now + CONTENT_TTL, version)
    return version


def version_lesson(version: ModuleVersion, slug: str) -> Lesson | None:
    return next((lesson for lesson in version.lessons.all() if lesson.slug == slug), None)


def module_with_current(version: ModuleVersion) -> Module:
    """The version's module, as a copy whose `current` is this version (the cached module row
    is shared and must not be changed)."""
    module = copy.copy(version.module)
    module.current = version
    return module


def _flags(participant_id: int) -> dict:
    mine = {"participant_id": participant_id, "placement_id": OuterRef("pk")}
    flags = {
        "page_progress": Exists(LessonProgress.objects.filter(**mine)),
        **{f"page_{name}": build(mine) for name, build in page_flag_builders()},
        "page_participant_found": Exists(Participant.objects.filter(pk=participant_id)),
    }
    for name in _PARTICIPANT_FIELDS:
        flags[f"page_participant_{name}"] = Subquery(
            Participant.objects.filter(pk=participant_id).values(name)[:1]
        )
    return flags


def _placement_query(*, placement_id: int, cohort_id: int, participant_id: int):
    current = (
        Module.objects.filter(slug=OuterRef("module_slug"), current__isnull=False)
        .order_by()  # no join for Module's default ordering: slugs are unique
        .values("current_id")[:1]
    )
    return (
        Placement.objects.filter(pk=placement_id, cohort_id=cohort_id)
        .annotate(page_version_id=Subquery(current), **_flags(participant_id))
        .order_by()[:1]
    )


# Building the page's placement query (a dozen subqueries) cost more CPU than the rest of a
# page's queries, so it is compiled once per connection (prepared/). Its shape depends on the
# page flags the apps above registered (courses/pages.py), hence the version.
_PLACEMENT = Prepared(
    "page-placement",
    _placement_query,
    {
        "placement_id": Placement._meta.pk,
        "cohort_id": Placement._meta.get_field("cohort"),
        "participant_id": Participant._meta.pk,
    },
    version=page_flags_version,
)


def placed_for_launch(launch, placement_id: int) -> tuple[Placement | None, Module | None]:
    """The placement (of the launch's cohort) and its module with the current version, or
    (placement or None, None); one query when the version is cached."""
    claims = launch.claims
    # The ORM answers an id out of the column's range with no row; raw SQL must check it
    # itself (SQLite refuses to bind an integer above 2**63).
    low, high = connection.ops.integer_field_range(Placement._meta.pk.get_internal_type())
    if (low is not None and placement_id < low) or (high is not None and placement_id > high):
        return None, None
    rows = _PLACEMENT.run(
        placement_id=placement_id,
        cohort_id=claims.cohort_id,
        participant_id=claims.participant_id,
    )
    if not rows:
        return None, None
    (placement,) = rows
    placement.page_participant_id = claims.participant_id
    if placement.page_participant_found and "participant" not in launch.__dict__:
        # The launch's own participant row, read with the placement (launch.participant is a
        # cached_property: setting it spares its query).
        values = [getattr(placement, f"page_participant_{n}") for n in _PARTICIPANT_FIELDS]
        launch.participant = Participant.from_db(
            connection.alias, ["id", *_PARTICIPANT_FIELDS], [claims.participant_id, *values]
        )
    if not placement.module_slug:
        return placement, None
    version = content_version(placement.page_version_id)
    if version is None:
        return placement, None
    return placement, module_with_current(version)


def page_flag(placement: Placement, participant, name: str, default=True):
    """A flag read with the placement for this participant, or `default` (look it up) when the
    placement was read otherwise or for someone else."""
    if getattr(placement, "page_participant_id", None) != getattr(participant, "pk", participant):
        return default
    return getattr(placement, f"page_{name}", default)
