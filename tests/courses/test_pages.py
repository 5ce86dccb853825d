"""The teacher's pages: landing on a placed module, lessons, progress, resume, cohort, catalog."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from courses.models import Cohort, Lesson, LessonProgress, ModuleVersion, Participant, Placement
from courses.progress import lesson_complete

from .packs import lesson, module_dir

LTI = "https://purl.imsglobal.org/spec/lti/claim/"


def test_launch_lands_on_the_placed_module(launch_as, placement_of):
    teacher = launch_as(name="Maya <b>Alvarez</b>")
    placement = placement_of()
    # The launch redirects straight to the placed module (issue 22: no hop through /app/).
    assert teacher.landing.startswith(f"/app/p/{placement.pk}/?lt=")
    # /app/ still leads there (course navigation, a bookmarked landing).
    home = teacher.client.get("/app/", {"lt": teacher.lt})
    assert home.status_code == 302
    assert home["Location"].startswith(f"/app/p/{placement.pk}/?lt=")
    page = teacher.get(f"/app/p/{placement.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="module-title">A demo module<' in html
    assert "Explain the demo idea" in html  # objectives
    assert html.count('data-testid="lesson-item"') == 2
    assert 'value="0"' in html and "0 of 2 lessons complete" in html
    assert 'data-testid="mastery-start"' in html
    # The name arrived with markup: shown as plain text (lti_tool/person_names.py).
    assert 'data-testid="participant-name">Maya Alvarez<' in html and "<b>Alvarez" not in html
    assert "Start with: First lesson" in html


def test_reading_completing_and_resuming(launch_as, placement_of):
    teacher = launch_as()
    pid = placement_of().pk
    page = teacher.get(f"/app/p/{pid}/lessons/first/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<h2>Explanation</h2>" in html and 'data-testid="mark-complete"' in html
    assert 'data-testid="lesson-next"' in html and "/lessons/second/" in html

    done = teacher.post(f"/app/p/{pid}/lessons/first/complete/")
    assert done.status_code == 303 and f"/app/p/{pid}/lessons/second/" in done["Location"]
    first_done = LessonProgress.objects.get(lesson_slug="first").completed_at
    again = teacher.post(f"/app/p/{pid}/lessons/first/complete/")  # double click
    assert again.status_code == 303
    assert LessonProgress.objects.filter(lesson_slug="first").count() == 1
    assert LessonProgress.objects.get(lesson_slug="first").completed_at == first_done

    teacher.get(f"/app/p/{pid}/lessons/second/")
    module = teacher.get(f"/app/p/{pid}/").content.decode()
    assert "1 of 2 lessons complete" in module
    assert "Continue where you left off: Second lesson" in module
    assert 'data-slug="first" data-complete="true"' in module

    last = teacher.post(f"/app/p/{pid}/lessons/second/complete/")
    assert last["Location"].endswith("#mastery")
    module = teacher.get(f"/app/p/{pid}/").content.decode()
    assert "2 of 2 lessons complete" in module and 'data-testid="lessons-done"' in module


def test_resume_goes_back_to_an_unfinished_lesson_viewed_last(launch_as, placement_of):
    teacher = launch_as()
    pid = placement_of().pk
    teacher.get(f"/app/p/{pid}/lessons/second/")
    teacher.get(f"/app/p/{pid}/lessons/first/")
    teacher.post(f"/app/p/{pid}/lessons/first/complete/")
    module = teacher.get(f"/app/p/{pid}/").content.decode()
    assert "Continue where you left off: Second lesson" in module


def test_progress_is_per_participant(launch_as, placement_of):
    maya = launch_as(sub="maya")
    pid = placement_of().pk
    maya.post(f"/app/p/{pid}/lessons/first/complete/")
    jordan = launch_as(sub="jordan", name="Jordan")
    assert "0 of 2 lessons complete" in jordan.get(f"/app/p/{pid}/").content.decode()


def test_pages_need_a_launch_and_the_right_cohort(launch_as, placement_of, client):
    teacher = launch_as()
    pid = placement_of().pk
    assert client.get(f"/app/p/{pid}/").status_code == 401
    other = launch_as(sub="someone", link="link-9", context="course-2")
    assert other.get(f"/app/p/{pid}/").status_code == 404
    assert other.get(f"/app/p/{pid}/lessons/first/").status_code == 404
    assert other.post(f"/app/p/{pid}/lessons/first/complete/").status_code == 404
    assert teacher.get(f"/app/p/{pid}/lessons/no-such-lesson/").status_code == 404
    assert LessonProgress.objects.count() == 0


def test_complete_refuses_a_cross_site_post(launch_as, placement_of):
    teacher = launch_as()
    pid = placement_of().pk
    response = teacher.post(
        f"/app/p/{pid}/lessons/first/complete/", HTTP_ORIGIN="https://evil.example"
    )
    assert response.status_code == 403
    assert LessonProgress.objects.count() == 0


def test_course_navigation_shows_the_cohorts_modules(launch_as, placement_of):
    teacher = launch_as()
    pid = placement_of().pk
    teacher.post(f"/app/p/{pid}/lessons/first/complete/")
    nav = launch_as(link="course-nav", module="")
    page = nav.client.get(nav.landing)
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('data-testid="cohort-module"') == 1
    assert f"/app/p/{pid}/?lt=" in html and "1 of 2 lessons complete" in html


def test_course_navigation_without_modules_explains(launch_as):
    nav = launch_as(link="course-nav", module="", context="empty-course")
    html = nav.client.get(nav.landing).content.decode()
    assert 'data-testid="no-modules"' in html


def test_catalog_lists_programs_and_links_placed_modules(launch_as, placement_of):
    teacher = launch_as()
    html = teacher.get("/app/catalog/").content.decode()
    assert 'data-testid="catalog-program"' in html and "Demo program" in html
    assert f"/app/p/{placement_of().pk}/?lt=" in html
    stranger = launch_as(sub="x", link="l2", module="", context="other")
    html = stranger.get("/app/catalog/").content.decode()
    assert "A demo module" in html and "/app/p/" not in html


def test_progress_survives_a_new_module_version(launch_as, placement_of, demo_pack):
    teacher = launch_as()
    pid = placement_of().pk
    teacher.post(f"/app/p/{pid}/lessons/first/complete/")
    module_yaml = module_dir(demo_pack) / "module.yaml"
    module_yaml.write_text(module_yaml.read_text().replace("version: 1", "version: 2"))
    (module_dir(demo_pack) / "lessons" / "02-second.md").write_text(
        lesson("second", "Second lesson, revised")
    )
    call_command("import_content", str(demo_pack), stdout=StringIO())
    assert ModuleVersion.objects.count() == 2
    html = teacher.get(f"/app/p/{pid}/").content.decode()
    assert "Second lesson, revised" in html and "1 of 2 lessons complete" in html
    row = LessonProgress.objects.get()
    assert row.module_version.version == 1  # the record of what was done stays as it was
    assert teacher.get(f"/app/p/{pid}/lessons/second/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_concurrent_completions_make_one_row(tmp_path, platform_private_key, jwks_server):
    """Two tabs clicking 'mark complete' at once: one row, one completion time."""

    from .packs import write_pack

    program = write_pack(tmp_path / "packs")
    call_command("import_content", str(program), stdout=StringIO())
    participant = Participant.objects.create(name="P")
    placement = Placement.objects.create(cohort=Cohort.objects.create(), module_slug="demo-module")
    target = Lesson.objects.get(slug="first")
    from tests.concurrency import at_once

    results = at_once(
        lambda: lesson_complete(participant=participant, placement=placement, lesson=target)
    )
    assert sorted(results) == [False, False, False, True]
    assert LessonProgress.objects.filter(participant=participant).count() == 1


def test_a_form_post_with_the_token_in_its_action_url_too_is_accepted(launch_as, placement_of):
    """Browsers post forms to their action URL: a token left in the query string must not
    hide the form field's token from the cookie-free CSRF check."""
    teacher = launch_as()
    pid = placement_of().pk
    response = teacher.client.post(
        f"/app/p/{pid}/lessons/first/complete/?lt={teacher.lt}",
        {"lt": teacher.lt},
        HTTP_ORIGIN="http://testserver",
    )
    assert response.status_code == 303
    assert LessonProgress.objects.get().completed_at is not None
