"""The module page's placement query: compiled once per connection, rows read as the ORM would."""

from __future__ import annotations

from django.db import connections

from courses import page_queries
from courses.models import Participant


def test_placement_query_compiled_once_per_connection(launch_as, placement_of, monkeypatch):
    teacher = launch_as()
    pid = placement_of().pk
    assert teacher.get(f"/app/p/{pid}/").status_code == 200
    built = []
    real = page_queries._placement_query
    monkeypatch.setattr(
        page_queries, "_placement_query", lambda **ids: built.append(ids) or real(**ids)
    )
    assert teacher.get(f"/app/p/{pid}/").status_code == 200
    assert built == []  # the connection's compiled query was used
    connections["default"].__dict__.pop(page_queries._COMPILED)
    assert teacher.get(f"/app/p/{pid}/").status_code == 200
    assert len(built) == 1


def test_placement_row_is_the_orms(launch_as, placement_of):
    teacher = launch_as()
    placement = placement_of()
    page = teacher.get(f"/app/p/{placement.pk}/").content.decode()
    slug = page.split('data-slug="')[1].split('"')[0]
    teacher.get(f"/app/p/{placement.pk}/lessons/{slug}/")  # some progress: a flag to find

    class Launch:  # what placed_for_launch reads of a launch
        claims = type(
            "Claims",
            (),
            {"cohort_id": placement.cohort_id, "participant_id": teacher_participant_id()},
        )()

    read, module = page_queries.placed_for_launch(Launch(), placement.pk)
    assert read == placement and not read._state.adding and read._state.db == "default"
    for field in placement._meta.concrete_fields:
        assert getattr(read, field.attname) == getattr(placement, field.attname), field.name
    assert read.page_progress is True  # converted as the ORM converts, on SQLite too
    assert read.page_participant_found is True
    assert module is not None and module.current.pk == read.page_version_id
    # Another cohort's placement is not found, whatever its id.
    Launch.claims.cohort_id = placement.cohort_id + 1000
    assert page_queries.placed_for_launch(Launch(), placement.pk) == (None, None)


def teacher_participant_id() -> int:
    return Participant.objects.get(name="Maya Alvarez").pk
