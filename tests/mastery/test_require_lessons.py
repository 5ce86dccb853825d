"""`require_lessons`: the mastery check opens once the module's lessons are complete, and the
module page and the check's URL say which lessons are left."""

from __future__ import annotations

import pytest

from mastery.models import Attempt


@pytest.fixture
def gated(launch_as, placement_of):
    teacher = launch_as()
    placement = placement_of()
    placement.mastery_policy = {"require_lessons": True}
    placement.save()
    return teacher, placement.pk


def test_the_check_stays_closed_and_names_the_lessons_left(gated):
    teacher, pid = gated
    module = teacher.get(f"/app/p/{pid}/").content.decode()
    assert 'data-testid="mastery-start"' not in module
    assert 'data-testid="lessons-left"' in module
    assert "First lesson" in module and "Still to complete (2)" in module
    refused = teacher.post(f"/app/p/{pid}/mastery/")
    assert refused.status_code == 409
    html = refused.content.decode()
    assert "Still to complete (2): First lesson; Second lesson." in html
    assert f"/app/p/{pid}/lessons/first/" in html
    # The check's URL opened directly (a bookmark, a link) explains too, and starts nothing.
    page = teacher.get(f"/app/p/{pid}/mastery/")
    assert page.status_code == 409 and "Second lesson" in page.content.decode()
    assert not Attempt.objects.exists()


def test_completing_the_lessons_opens_the_check(gated):
    teacher, pid = gated
    teacher.post(f"/app/p/{pid}/lessons/first/complete/")
    refused = teacher.post(f"/app/p/{pid}/mastery/")
    assert refused.status_code == 409 and "Still to complete (1): Second lesson." in (
        refused.content.decode()
    )
    teacher.post(f"/app/p/{pid}/lessons/second/complete/")
    assert 'data-testid="mastery-start"' in teacher.get(f"/app/p/{pid}/").content.decode()
    started = teacher.post(f"/app/p/{pid}/mastery/")
    assert started.status_code == 303 and Attempt.objects.count() == 1
    # Now the check's URL leads to the open attempt.
    again = teacher.get(f"/app/p/{pid}/mastery/")
    assert again.status_code == 303 and "/mastery/1/" in again["Location"]


def test_without_the_field_the_check_is_open_from_the_start(launch_as, placement_of):
    teacher = launch_as()
    pid = placement_of().pk
    assert teacher.post(f"/app/p/{pid}/mastery/").status_code == 303
    # GET on the check's URL of a module with nothing open goes to the module's check section.
    Attempt.objects.all().delete()
    page = teacher.get(f"/app/p/{pid}/mastery/")
    assert page.status_code == 303 and page["Location"].split("?")[0] == f"/app/p/{pid}/"
