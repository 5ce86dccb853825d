"""Facilitator guides, calibration sets and classroom templates in a content pack: every kind
of problem is reported as file:line by `import_content --check`, nothing is imported with a
problem, Markdown is sanitized like lessons, and importing twice changes nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from courses.content import pack_read
from courses.models import ModuleVersion
from facilitation.models import ClassroomTemplate, ModuleMaterials
from tests.courses.packs import module_dir

from .packs import CALIBRATION, GUIDE, TEMPLATE, line_of, write_facilitation_pack

WHERE = "demo-program/modules/demo-module/"


def problems_after(tmp_path, file: str, text: str) -> tuple[list[str], str]:
    program = write_facilitation_pack(tmp_path)
    (module_dir(program) / file).write_text(text)
    return pack_read(program).problems, text


def test_the_full_pack_reads_without_problems(tmp_path):
    read = pack_read(write_facilitation_pack(tmp_path))
    assert read.problems == []
    data = read.extensions["demo-module"]["facilitation"]
    assert data["guide"]["minutes"] == 75
    assert [e["id"] for e in data["calibration"]] == ["low", "middle", "high"]
    assert [t["slug"] for t in data["templates"]] == ["planning-chart"]


def test_guide_markdown_is_sanitized_like_a_lesson(tmp_path):
    html = pack_read(write_facilitation_pack(tmp_path)).extensions["demo-module"]["facilitation"][
        "guide"
    ]["html"]
    assert "<script" not in html and "onclick" not in html and "javascript:" not in html
    assert '<th scope="col">Time</th>' in html and "<h2>Agenda</h2>" in html


@pytest.mark.parametrize(
    ("change", "needle", "message"),
    [
        (("minutes: 75", "minutes: 75\naudience: all"), "audience", "unknown key 'audience'"),
        (("minutes: 75", "minutes: 45"), "minutes: 45", "minutes must be a whole number from 60"),
        (("## Agenda", "## Warm-up"), "## Warm-up", "unexpected section '## Warm-up'"),
        (("## Agenda", "# Agenda"), "# Agenda", "use ## and ### headings"),
    ],
)
def test_guide_problems_name_file_and_line(tmp_path, change, needle, message):
    text = GUIDE.replace(*change)
    problems, text = problems_after(tmp_path, "facilitator.md", text)
    assert f"{WHERE}facilitator.md:{line_of(text, needle)}: {message}" in "\n".join(problems)


def test_a_guide_missing_a_section_says_which(tmp_path):
    start = GUIDE.index("## Common misconceptions")
    end = GUIDE.index("## What to look for")
    problems, _ = problems_after(tmp_path, "facilitator.md", GUIDE[:start] + GUIDE[end:])
    assert problems == [f"{WHERE}facilitator.md:5: missing section '## Common misconceptions'"]


@pytest.mark.parametrize(
    ("change", "needle", "occurrence", "message"),
    [
        (
            ("title: A first try", "title: A first try\n    author: me"),
            "author: me",
            1,
            "unknown key 'author'",
        ),
        (
            (
                "level: Developing\n        rationale: The plan for middle",
                "level: Okay\n        rationale: The plan for middle",
            ),
            "level: Okay",
            1,
            "level 'Okay' is not a level of 'Plan fits the goal' (levels: Beginning, Developing, Proficient)",
        ),
        (
            ("criterion: Reflection uses evidence", "criterion: Reflection"),
            "criterion: Reflection",
            1,
            "criterion 'Reflection' is not in the evidence rubric",
        ),
        (
            ("id: high", "id: low"),
            "id: low",
            2,
            "duplicate example id 'low'",
        ),
        (  # 'low' now sits where 'middle' does: reported on the later example's first line
            ("level: Beginning", "level: Developing"),
            "id: middle",
            1,
            "example 'middle' sits at the same overall level as 'low'",
        ),
    ],
)
def test_calibration_problems_name_file_and_line(tmp_path, change, needle, occurrence, message):
    text = CALIBRATION.replace(*change, 1)
    assert text != CALIBRATION
    problems, text = problems_after(tmp_path, "calibration.yaml", text)
    line = line_of(text, needle, occurrence)
    assert any(p.startswith(f"{WHERE}calibration.yaml:{line}: {message}") for p in problems), (
        problems
    )


def test_calibration_needs_exactly_three_examples(tmp_path):
    text = CALIBRATION[: CALIBRATION.index("  - id: high")]
    problems, _ = problems_after(tmp_path, "calibration.yaml", text)
    assert (
        f"{WHERE}calibration.yaml:1: examples must list exactly 3 example submissions (has 2)"
        in (problems)
    )


def test_calibration_names_a_missing_criterion(tmp_path):
    start = CALIBRATION.index("      - criterion: Reflection uses evidence")
    end = CALIBRATION.index("  - id: middle")
    text = CALIBRATION[:start] + CALIBRATION[end:]
    problems, text = problems_after(tmp_path, "calibration.yaml", text)
    line = line_of(text, "levels:")
    assert (
        f"{WHERE}calibration.yaml:{line}: no reference level for the criterion 'Reflection uses evidence'"
        in problems
    )


def test_calibration_without_an_evidence_task_is_a_problem(tmp_path):
    program = write_facilitation_pack(tmp_path)
    module = module_dir(program) / "module.yaml"
    text = module.read_text()
    module.write_text(text[: text.index("evidence_task:")] + text[text.index("mastery:") :])
    problems = pack_read(program).problems
    assert (
        f"{WHERE}calibration.yaml:1: calibration needs the module's evidence_task with a rubric "
        "in module.yaml"
    ) in problems


@pytest.mark.parametrize(
    ("name", "text", "line", "message"),
    [
        ("chart.md", TEMPLATE.replace("title:", "name: x\ntitle:"), 2, "unknown key 'name'"),
        ("chart.md", TEMPLATE.replace("## Stations", "# Stations"), 5, "use ## and ### headings"),
        ("chart.md", TEMPLATE.replace("title: Demo planning chart\n", ""), 2, "title is required"),
        ("Chart_1.md", TEMPLATE, 1, "a template is a Markdown file named with a slug"),
        ("chart.md", "no front matter\n", 1, "a file starts with front matter"),
    ],
)
def test_template_problems_name_file_and_line(tmp_path, name, text, line, message):
    problems, _ = problems_after(tmp_path, f"templates/{name}", text)
    assert any(p.startswith(f"{WHERE}templates/{name}:{line}: {message}") for p in problems), (
        problems
    )


def test_check_prints_the_problems_and_imports_nothing(tmp_path, db):
    program = write_facilitation_pack(tmp_path)
    (module_dir(program) / "facilitator.md").write_text(GUIDE.replace("minutes: 75", "minutes: 5"))
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_content", str(program), "--check", stdout=StringIO(), stderr=err)
    assert (
        f"{WHERE}facilitator.md:3: minutes must be a whole number from 60 to 90" in err.getvalue()
    )
    with pytest.raises(CommandError):
        call_command("import_content", str(program), stdout=StringIO(), stderr=StringIO())
    assert ModuleVersion.objects.count() == 0 and ModuleMaterials.objects.count() == 0


def test_import_is_idempotent_and_updates_in_place(tmp_path, db):
    program = write_facilitation_pack(tmp_path)
    call_command("import_content", str(program), stdout=StringIO())
    materials = ModuleMaterials.objects.get()
    template = ClassroomTemplate.objects.get()
    assert materials.guide["title"] == "Leading the demo session"
    assert [e["id"] for e in materials.calibration] == ["low", "middle", "high"]
    call_command("import_content", str(program), stdout=StringIO())
    again = ModuleMaterials.objects.get()
    assert (again.pk, again.updated_at, again.content_hash) == (
        materials.pk,
        materials.updated_at,
        materials.content_hash,
    )
    assert ClassroomTemplate.objects.get().pk == template.pk  # untouched, not recreated

    # A fixed guide needs no new module version: the same row changes.
    guide = module_dir(program) / "facilitator.md"
    guide.write_text(GUIDE.replace("Groups from data.", "Groups from this week's data."))
    call_command("import_content", str(program), stdout=StringIO())
    assert ModuleVersion.objects.count() == 1
    assert "this week" in ModuleMaterials.objects.get(pk=materials.pk).guide["html"]

    # Files taken out of the pack are taken out of the tool.
    guide.unlink()
    (module_dir(program) / "calibration.yaml").unlink()
    (module_dir(program) / "templates" / "planning-chart.md").unlink()
    call_command("import_content", str(program), stdout=StringIO())
    assert ModuleMaterials.objects.count() == 0 and ClassroomTemplate.objects.count() == 0


def test_the_shipped_station_rotation_materials_are_complete():
    from django.conf import settings

    read = pack_read(settings.IGNITE_CONTENT_DIR)
    assert read.problems == []
    data = read.extensions["station-rotation"]["facilitation"]
    assert 60 <= data["guide"]["minutes"] <= 90
    assert len(data["calibration"]) == 3
    assert "station-rotation-chart" in [t["slug"] for t in data["templates"]]
