"""Trainer pages (facilitator guide, calibration round) and classroom templates: who sees
what, cohort and platform isolation, CSRF on the calibration POST, and what a round stores."""

from __future__ import annotations

import re

import pytest

from facilitation.models import CalibrationAttempt
from tests.courses.conftest import trainer_on_another_platform

INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
# The reference levels of the demo calibration set (tests/facilitation/packs.py), in form order.
REFERENCE = ["Beginning", "Developing", "Developing", "Developing", "Proficient", "Proficient"]


def scores(levels: list[str]) -> dict:
    return {f"e{i // 2}-c{i % 2}": level for i, level in enumerate(levels)}


@pytest.fixture
def world(launch_as, placement_of, lti, platform_private_key, jwks_server, client):
    teacher = launch_as(sub="maya", name="Maya Alvarez")
    trainer = launch_as(sub="priya", name="Priya Raman", roles=[INSTRUCTOR])
    pid = placement_of().pk
    other_platform_trainer = trainer_on_another_platform(client, jwks_server, platform_private_key)
    return {
        "teacher": teacher,
        "trainer": trainer,
        "pid": pid,
        "other_cohort_trainer": launch_as(
            sub="bea", name="Bea", roles=[INSTRUCTOR], link="b-link", context="b-course"
        ),
        "other_platform_trainer": other_platform_trainer,
    }


def test_a_trainer_reads_the_guide_linked_from_the_dashboard(world):
    trainer, pid = world["trainer"], world["pid"]
    dashboard = trainer.get("/app/trainer/").content.decode()
    assert f"/app/trainer/p/{pid}/guide/?lt=" in dashboard
    assert 'data-testid="calibration"' in dashboard
    page = trainer.get(f"/app/trainer/p/{pid}/guide/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Leading the demo session" in html and "<h2>Discussion protocol</h2>" in html
    assert "<script>alert" not in html and "onclick" not in html


@pytest.mark.parametrize("path", ["guide/", "calibration/"])
def test_teachers_never_see_guides_or_calibration_sets(world, path):
    teacher, pid = world["teacher"], world["pid"]
    response = teacher.get(f"/app/trainer/p/{pid}/{path}")
    assert response.status_code == 403
    assert "Leading the demo session" not in response.content.decode()
    assert "A first try" not in response.content.decode()
    assert teacher.post(f"/app/trainer/p/{pid}/calibration/", scores(REFERENCE)).status_code == 403
    assert CalibrationAttempt.objects.count() == 0
    module_page = teacher.get(f"/app/p/{pid}/").content.decode()
    assert "/guide/" not in module_page and "calibration" not in module_page


@pytest.mark.parametrize("intruder", ["other_cohort_trainer", "other_platform_trainer"])
def test_another_cohort_or_platform_gets_404(world, intruder):
    who, pid = world[intruder], world["pid"]
    for path in ("guide/", "calibration/"):
        assert who.get(f"/app/trainer/p/{pid}/{path}").status_code == 404
    assert who.post(f"/app/trainer/p/{pid}/calibration/", scores(REFERENCE)).status_code == 404
    assert who.get(f"/app/p/{pid}/templates/planning-chart/").status_code == 404
    assert who.get(f"/app/p/{pid}/templates/planning-chart/download/").status_code == 404
    assert CalibrationAttempt.objects.count() == 0


def test_a_calibration_round_compares_with_the_reference_and_is_kept(world):
    trainer, pid = world["trainer"], world["pid"]
    form = trainer.get(f"/app/trainer/p/{pid}/calibration/").content.decode()
    assert form.count('data-testid="calibration-example"') == 3
    assert "The plan for low is Beginning" not in form  # no reference before scoring
    chosen = list(REFERENCE)
    chosen[0] = "Developing"  # one level above the reference on one criterion
    response = trainer.post(f"/app/trainer/p/{pid}/calibration/", scores(chosen))
    assert response.status_code == 303
    attempt = CalibrationAttempt.objects.get()
    assert (attempt.agreed, attempt.total) == (5, 6)
    assert attempt.participant.display_name == "Priya Raman"
    assert f"/app/trainer/p/{pid}/calibration/{attempt.pk}/" in response["Location"]
    result = trainer.client.get(response["Location"]).content.decode()
    assert 'data-agreed="5" data-total="6"' in result
    assert "The plan for low is Beginning." in result  # the rationale beside the levels
    assert result.count('data-agreed="false"') == 1 and "(higher)" in result

    # Calibrate again: a second attempt, both listed.
    trainer.post(f"/app/trainer/p/{pid}/calibration/", scores(REFERENCE))
    assert list(CalibrationAttempt.objects.values_list("agreed", flat=True).order_by("pk")) == [
        5,
        6,
    ]
    listing = trainer.get(f"/app/trainer/p/{pid}/calibration/").content.decode()
    assert "5 of 6 levels agreed" in listing and "6 of 6 levels agreed" in listing


def test_an_incomplete_or_invented_scoring_is_refused_with_what_is_missing(world):
    trainer, pid = world["trainer"], world["pid"]
    data = scores(REFERENCE)
    del data["e1-c0"]
    data["e2-c1"] = "Outstanding"  # not a level of the rubric
    response = trainer.post(f"/app/trainer/p/{pid}/calibration/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "2 still without a level" in html
    # What was chosen stays chosen.
    assert re.search(r'name="e0-c0" value="Beginning"[^>]*checked', html)
    assert CalibrationAttempt.objects.count() == 0


def test_calibration_post_needs_the_launch_and_same_origin(world):
    trainer, pid = world["trainer"], world["pid"]
    url = f"/app/trainer/p/{pid}/calibration/"
    evil = trainer.post(url, scores(REFERENCE), HTTP_ORIGIN="https://evil.example")
    assert evil.status_code == 403
    no_token = trainer.client.post(url, scores(REFERENCE), HTTP_ORIGIN="http://testserver")
    assert no_token.status_code in (401, 403)
    assert CalibrationAttempt.objects.count() == 0


def test_a_round_is_seen_only_by_the_trainer_who_made_it(world, launch_as):
    trainer, pid = world["trainer"], world["pid"]
    trainer.post(f"/app/trainer/p/{pid}/calibration/", scores(REFERENCE))
    attempt = CalibrationAttempt.objects.get()
    colleague = launch_as(sub="sam", name="Sam", roles=[INSTRUCTOR])
    assert colleague.get(f"/app/trainer/p/{pid}/calibration/{attempt.pk}/").status_code == 404
    assert (
        world["teacher"].get(f"/app/trainer/p/{pid}/calibration/{attempt.pk}/").status_code == 403
    )
    assert trainer.get(f"/app/trainer/p/{pid}/calibration/{attempt.pk}/").status_code == 200


def test_the_module_page_lists_templates_for_teachers_and_trainers(world):
    pid = world["pid"]
    for who in ("teacher", "trainer"):
        page = world[who].get(f"/app/p/{pid}/").content.decode()
        assert 'data-testid="templates"' in page and "Demo planning chart" in page
        assert f"/app/p/{pid}/templates/planning-chart/download/" in page
    trainer_page = world["trainer"].get(f"/app/p/{pid}/").content.decode()
    assert 'data-testid="facilitator-guide-link"' in trainer_page


def test_a_template_page_is_printable_and_accessible(world):
    pid = world["pid"]
    response = world["teacher"].get(f"/app/p/{pid}/templates/planning-chart/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 id="template-title" data-testid="template-title">Demo planning chart</h1>' in html
    assert "<h2>Stations</h2>" in html and '<th scope="col">Station</th>' in html
    assert "facilitation/facilitation.css" in html


def test_a_template_downloads_as_a_file(world):
    pid = world["pid"]
    response = world["teacher"].get(f"/app/p/{pid}/templates/planning-chart/download/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="planning-chart.html"'
    body = response.content.decode()
    assert "<title>Demo planning chart</title>" in body and "@media print" in body
    assert '<th scope="col">Job</th>' in body


@pytest.mark.parametrize(
    "path",
    [
        "/app/p/{pid}/templates/nope/",
        "/app/p/{pid}/templates/nope/download/",
        "/app/p/99999999/templates/planning-chart/",
        "/app/trainer/p/99999999/guide/",
        "/app/trainer/p/{pid}/calibration/99999999/",
    ],
)
def test_unknown_things_are_404(world, path):
    assert world["trainer"].get(path.format(pid=world["pid"])).status_code == 404


def test_a_module_without_materials_shows_no_templates_and_no_guide(world, demo_pack):
    from io import StringIO

    from django.core.management import call_command

    from tests.courses.packs import module_dir

    module = module_dir(demo_pack)
    for name in ("facilitator.md", "calibration.yaml", "templates/planning-chart.md"):
        (module / name).unlink()
    call_command("import_content", str(demo_pack), stdout=StringIO())
    pid, trainer = world["pid"], world["trainer"]
    assert 'data-testid="templates"' not in trainer.get(f"/app/p/{pid}/").content.decode()
    assert 'data-testid="calibration"' not in trainer.get("/app/trainer/").content.decode()
    assert trainer.get(f"/app/trainer/p/{pid}/guide/").status_code == 404
    assert trainer.get(f"/app/trainer/p/{pid}/calibration/").status_code == 404


def test_the_result_counts_the_course_trainers_who_agreed_from_their_latest_rounds(
    world, launch_as
):
    trainer, pid = world["trainer"], world["pid"]
    colleague = launch_as(sub="sam", name="Sam", roles=[INSTRUCTOR])
    off = list(REFERENCE)
    off[0] = "Proficient"
    trainer.post(f"/app/trainer/p/{pid}/calibration/", scores(off))  # superseded below
    trainer.post(f"/app/trainer/p/{pid}/calibration/", scores(REFERENCE))
    colleague.post(f"/app/trainer/p/{pid}/calibration/", scores(off))
    latest = CalibrationAttempt.objects.filter(participant__name="Sam").get()
    html = colleague.get(f"/app/trainer/p/{pid}/calibration/{latest.pk}/").content.decode()
    cells = re.findall(r'data-testid="cohort-agreed">(\d+) of (\d+)<', html)
    # Two trainers, latest rounds only: one agreed on the first criterion, both on the rest.
    assert cells == [("1", "2")] + [("2", "2")] * 5


def test_a_guide_without_a_calibration_set_offers_no_round(world, demo_pack):
    from io import StringIO

    from django.core.management import call_command

    from tests.courses.packs import module_dir

    (module_dir(demo_pack) / "calibration.yaml").unlink()
    call_command("import_content", str(demo_pack), stdout=StringIO())
    pid, trainer = world["pid"], world["trainer"]
    dashboard = trainer.get("/app/trainer/").content.decode()
    assert 'data-testid="facilitator-guide"' in dashboard
    assert 'data-testid="calibration"' not in dashboard
    guide = trainer.get(f"/app/trainer/p/{pid}/guide/").content.decode()
    assert "Leading the demo session" in guide and "/calibration/" not in guide


def test_the_module_pages_links_follow_an_import_at_once(world, demo_pack):
    """The links are kept per worker (facilitation/services.py): an import drops them."""
    from io import StringIO

    from django.core.management import call_command

    from tests.courses.packs import module_dir

    pid, teacher = world["pid"], world["teacher"]
    assert "Demo planning chart" in teacher.get(f"/app/p/{pid}/").content.decode()
    chart = module_dir(demo_pack) / "templates" / "planning-chart.md"
    chart.write_text(chart.read_text().replace("Demo planning chart", "Renamed chart"))
    call_command("import_content", str(demo_pack), stdout=StringIO())
    page = teacher.get(f"/app/p/{pid}/").content.decode()
    assert "Renamed chart" in page and "Demo planning chart" not in page
    chart.unlink()
    call_command("import_content", str(demo_pack), stdout=StringIO())
    assert 'data-testid="templates"' not in teacher.get(f"/app/p/{pid}/").content.decode()
