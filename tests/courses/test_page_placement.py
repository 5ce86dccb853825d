"""The module page's placement query: compiled once per connection (prepared/), and again when
the page flags change; rows read as the ORM would."""

from __future__ import annotations

from django.db import connection, connections
from django.db.models import Exists
from django.test.utils import CaptureQueriesContext

import prepared
from courses import page_queries, pages
from courses.models import LessonProgress, Participant


def _counting_builds(monkeypatch) -> list:
    built = []
    query = page_queries._PLACEMENT
    real = query.build
    monkeypatch.setattr(query, "build", lambda **ids: built.append(ids) or real(**ids))
    return built


def test_placement_query_compiled_once_per_connection(launch_as, placement_of, monkeypatch):
    teacher = launch_as()
    pid = placement_of().pk
    assert teacher.get(f"/app/p/{pid}/").status_code == 200
    built = _counting_builds(monkeypatch)
    assert teacher.get(f"/app/p/{pid}/").status_code == 200
    assert built == []  # the connection's compiled query was used
    connections["default"].__dict__.pop(prepared._ATTRIBUTE)
    assert teacher.get(f"/app/p/{pid}/").status_code == 200
    assert len(built) == 1


def _launch_of(placement):
    class Launch:  # what placed_for_launch reads of a launch
        claims = type(
            "Claims",
            (),
            {"cohort_id": placement.cohort_id, "participant_id": teacher_participant_id()},
        )()

    return Launch()


def test_a_flag_registered_later_is_read_with_the_placement(launch_as, placement_of, monkeypatch):
    teacher = launch_as()
    placement = placement_of()
    assert teacher.get(f"/app/p/{placement.pk}/").status_code == 200
    built = _counting_builds(monkeypatch)

    def lessons_here(mine):  # an app's flag, as an AppConfig.ready() registers it
        return Exists(LessonProgress.objects.filter(**mine))

    monkeypatch.setitem(pages._flag_builders, "test_lessons", lessons_here)
    read, _module = page_queries.placed_for_launch(_launch_of(placement), placement.pk)
    assert len(built) == 1 and read.page_test_lessons is False
    read, _module = page_queries.placed_for_launch(_launch_of(placement), placement.pk)
    assert len(built) == 1  # compiled once for this set of flags
    monkeypatch.delitem(pages._flag_builders, "test_lessons")
    read, _module = page_queries.placed_for_launch(_launch_of(placement), placement.pk)
    assert len(built) == 2 and not hasattr(read, "page_test_lessons")


def test_placement_row_is_the_orms(launch_as, placement_of):
    teacher = launch_as()
    placement = placement_of()
    page = teacher.get(f"/app/p/{placement.pk}/").content.decode()
    slug = page.split('data-slug="')[1].split('"')[0]
    teacher.get(f"/app/p/{placement.pk}/lessons/{slug}/")  # some progress: a flag to find
    launch = _launch_of(placement)

    with CaptureQueriesContext(connection) as queries:
        read, module = page_queries.placed_for_launch(launch, placement.pk)
    assert len(queries) == 1  # the content version is cached by the page above
    assert read == placement and not read._state.adding and read._state.db == "default"
    for field in placement._meta.concrete_fields:
        assert getattr(read, field.attname) == getattr(placement, field.attname), field.name
    assert placement.mastery_policy is not None
    assert read.mastery_policy == placement.mastery_policy  # JSON converted
    assert read.page_progress is True  # converted as the ORM converts, on SQLite too
    assert read.page_participant_found is True
    assert read.page_participant_id == teacher_participant_id()
    assert launch.participant.name == "Maya Alvarez"  # read with the placement
    assert module is not None and module.current.pk == read.page_version_id
    # Another cohort's placement is not found, whatever its id.
    launch.claims.cohort_id = placement.cohort_id + 1000
    assert page_queries.placed_for_launch(launch, placement.pk) == (None, None)


def test_an_id_out_of_the_columns_range_finds_nothing_without_a_query(launch_as, placement_of):
    teacher = launch_as()
    placement = placement_of()
    assert teacher.get("/app/p/99999999999999999999999999/").status_code == 404
    launch = _launch_of(placement)
    with CaptureQueriesContext(connection) as queries:
        found = page_queries.placed_for_launch(launch, 2**63)
    assert found == (None, None) and len(queries) == 0


def teacher_participant_id() -> int:
    return Participant.objects.get(name="Maya Alvarez").pk
