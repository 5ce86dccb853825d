"""Read a module's look-for tool, `observation.yaml`, from its folder (docs/content-packs.md,
"Observation look-for tools", and docs/coaching.md).

A tool is a short list of look-fors (observable teacher and student behaviours), each rated on
the tool's scale of levels 1..N with a label and a description, plus a prompt for free notes.
Each look-for names the lesson of the module a coach can point a teacher to. Problems are
reported as `file:line: message` through the pack reader (courses/content_extensions.py), so
`import_content --check` shows them with the module's own.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from courses.content import Fields, Node, Seq, yaml_read

TOOL_KEYS = {"title", "purpose", "scale", "look_fors", "notes_prompt", "sources"}
LEVEL_KEYS = {"level", "label", "description"}
LOOK_FOR_KEYS = {"slug", "who", "text", "evidence", "lesson"}
WHO = ("teacher", "students")
SCALE_SIZE = (2, 6)
LOOK_FORS = (1, 12)


def _scale_read(data: Node, top: Fields, path: Path, problems) -> list[dict]:
    raw = data.get("scale")
    low, high = SCALE_SIZE
    if not isinstance(raw, Seq) or not low <= len(raw) <= high:
        top.problem("scale", f"scale must list {low} to {high} levels (level, label, description)")
        if not isinstance(raw, Seq):
            return []
    levels: list[dict] = []
    for index, item in enumerate(raw):
        line = raw.item_lines[index]
        if not isinstance(item, Node):
            problems.add(path, line, "a level is a mapping (level, label, description)")
            continue
        fields = Fields(item, path, problems)
        fields.unknown(LEVEL_KEYS)
        number = item.get("level")
        if number != index + 1 or isinstance(number, bool):
            problems.add(
                path,
                item.line_of("level"),
                f"levels must be numbered 1 to {len(raw)} in order: expected level {index + 1}, "
                f"found {number!r}",
            )
        levels.append(
            {
                "level": index + 1,
                "label": fields.text("label", limit=60),
                "description": fields.text("description", limit=1000),
            }
        )
    labels = [lv["label"] for lv in levels if lv["label"]]
    for dup in {lb for lb in labels if labels.count(lb) > 1}:
        top.problem("scale", f"duplicate level label {dup!r}")
    return levels


def _look_fors_read(data: Node, top: Fields, path: Path, problems, lessons: set[str]) -> list:
    raw = data.get("look_fors")
    low, high = LOOK_FORS
    if not isinstance(raw, Seq) or not low <= len(raw) <= high:
        top.problem("look_fors", f"look_fors must list {low} to {high} look-fors")
        if not isinstance(raw, Seq):
            return []
    result, seen = [], set()
    for index, item in enumerate(raw):
        line = raw.item_lines[index]
        if not isinstance(item, Node):
            problems.add(path, line, "a look-for is a mapping (slug, who, text, evidence, lesson)")
            continue
        fields = Fields(item, path, problems)
        fields.unknown(LOOK_FOR_KEYS)
        slug = fields.slug()
        if slug and slug in seen:
            fields.problem("slug", f"duplicate look-for slug {slug!r}")
        seen.add(slug)
        who = fields.text("who", limit=20)
        if who and who not in WHO:
            fields.problem("who", f"who must be one of: {', '.join(WHO)} (found {who!r})")
        lesson = fields.slug("lesson")
        if lesson and lesson not in lessons:
            fields.problem(
                "lesson",
                f"lesson {lesson!r} is not a lesson of this module "
                f"(lessons: {', '.join(sorted(lessons)) or 'none'})",
            )
        result.append(
            {
                "slug": slug,
                "who": who,
                "text": fields.text("text", limit=500),
                "evidence": fields.text("evidence", limit=2000),
                "lesson": lesson,
            }
        )
    return result


def tool_read(path: Path, problems, lessons: set[str]) -> dict | None:
    """The tool as validated, or None when the file could not be read as a mapping."""
    data = yaml_read(path, problems)
    if data is None:
        return None
    if not isinstance(data, Node):
        problems.add(path, 1, "observation.yaml must be a mapping (title, purpose, scale, ...)")
        return None
    top = Fields(data, path, problems)
    top.unknown(TOOL_KEYS)
    tool = {
        "title": top.text("title"),
        "purpose": top.text("purpose", limit=2000),
        "scale": _scale_read(data, top, path, problems),
        "look_fors": _look_fors_read(data, top, path, problems, lessons),
        "notes_prompt": top.text("notes_prompt", required=False, limit=2000),
        "sources": top.texts("sources", low=0, high=30, required=False),
    }
    return tool


def tool_extension_read(*, folder: Path, module: Any, problems) -> dict | None:
    """The content extension's read (registered in apps.py): None when the module has no
    tool."""
    path = folder / "observation.yaml"
    if not path.is_file():
        return None
    lessons = {lesson.slug for lesson in module.lessons if lesson.slug}
    tool = tool_read(path, problems, lessons)
    if tool is None:
        return None
    tool["hash"] = hashlib.sha256(json.dumps(tool, sort_keys=True).encode()).hexdigest()
    return tool
