"""Look-for tools (`observation.yaml`) in a content pack: every kind of problem is reported as
file:line by `import_content --check`, nothing imports with a problem, the tool is stored per
module version, importing twice changes nothing, and the shipped packs pass."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from coaching.models import ObservationTool
from courses.content import pack_read
from courses.models import ModuleVersion
from tests.courses.packs import module_dir

from .packs import TOOL, line_of, write_coaching_pack

WHERE = "demo-program/modules/demo-module/observation.yaml"
CONTENT = Path(__file__).resolve().parents[2] / "content"


def problems_after(tmp_path, text: str) -> list[str]:
    program = write_coaching_pack(tmp_path, credential=False)
    (module_dir(program) / "observation.yaml").write_text(text)
    return pack_read(program).problems


def test_the_tool_reads_without_problems(tmp_path):
    read = pack_read(write_coaching_pack(tmp_path))
    assert read.problems == []
    tool = read.extensions["demo-module"]["coaching"]
    assert [lf["slug"] for lf in tool["look_fors"]] == [
        "clear-goal",
        "students-explain",
        "quick-check",
    ]
    assert [lv["level"] for lv in tool["scale"]] == [1, 2, 3, 4]
    assert tool["notes_prompt"].startswith("Write low-inference")


@pytest.mark.parametrize(
    ("change", "needle", "message"),
    [
        (("purpose:", "audience: all\npurpose:"), "audience", "unknown key 'audience'"),
        (
            ("    who: students\n", "    who: students\n    weight: 2\n"),
            "weight",
            "unknown key 'weight'",
        ),
        (("title: Demo look-fors\n", ""), "purpose:", "title is required"),
        (
            ("    text: Students explain their thinking to a partner.\n", ""),
            "slug: students-explain",
            "text is required",
        ),
        (
            ("slug: quick-check", "slug: clear-goal"),
            "slug: clear-goal",
            "duplicate look-for slug 'clear-goal'",
        ),
        (("level: 3", "level: 5"), "level: 5", "expected level 3, found 5"),
        (("level: 1", "level: 0"), "level: 0", "expected level 1, found 0"),
        (
            ("lesson: first", "lesson: third"),
            "lesson: third",
            "lesson 'third' is not a lesson of this module",
        ),
        (("who: teacher", "who: parents"), "who: parents", "who must be one of: teacher, students"),
        (("label: Emerging", "label: Not yet"), "scale:", "duplicate level label 'Not yet'"),
    ],
)
def test_each_problem_is_reported_at_its_line(tmp_path, change, needle, message):
    text = TOOL.replace(*change, 1)
    assert text != TOOL
    problems = problems_after(tmp_path, text)
    expected = f"{WHERE}:{line_of(text, needle, text.count(needle))}: "
    assert any(p.startswith(expected) and message in p for p in problems), problems


def test_a_file_that_is_not_a_mapping_or_yaml_is_a_problem(tmp_path):
    assert any(
        p.startswith(f"{WHERE}:1: ") and "must be a mapping" in p
        for p in problems_after(tmp_path / "a", "- just a list\n")
    )
    assert any("invalid YAML" in p for p in problems_after(tmp_path / "b", "title: [unclosed\n"))


def test_a_broken_tool_stops_the_import(tmp_path, db):
    program = write_coaching_pack(tmp_path, credential=False)
    (module_dir(program) / "observation.yaml").write_text(
        TOOL.replace("lesson: first", "lesson: x")
    )
    with pytest.raises(CommandError):
        call_command("import_content", str(program), stdout=StringIO(), stderr=StringIO())
    assert not ModuleVersion.objects.exists() and not ObservationTool.objects.exists()


def test_the_tool_is_stored_per_module_version_and_updated_in_place(tmp_path, db):
    program = write_coaching_pack(tmp_path, credential=False)
    call_command("import_content", str(program), stdout=StringIO())
    row = ObservationTool.objects.get()
    assert row.module_version == ModuleVersion.objects.get()
    assert row.tool["title"] == "Demo look-fors"
    saved = row.updated_at
    call_command("import_content", str(program), stdout=StringIO())
    assert ObservationTool.objects.get().updated_at == saved  # unchanged: left alone
    path = module_dir(program) / "observation.yaml"
    path.write_text(TOOL.replace("Demo look-fors", "Demo look-fors, revised"))
    call_command("import_content", str(program), stdout=StringIO())
    assert ModuleVersion.objects.count() == 1  # a tool fix needs no new module version
    assert ObservationTool.objects.get().tool["title"] == "Demo look-fors, revised"
    path.unlink()
    call_command("import_content", str(program), stdout=StringIO())
    assert not ObservationTool.objects.exists()


def test_the_shipped_packs_pass_and_every_tool_names_its_modules_lessons():
    read = pack_read(CONTENT)
    assert read.problems == []
    tools = {
        slug: data["coaching"] for slug, data in read.extensions.items() if data.get("coaching")
    }
    assert len(tools) == 9
    assert {"station-rotation", "pair-programming-debugging", "look-fors-blended-cs"} <= set(tools)
