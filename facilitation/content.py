"""Read a module's trainer layer and classroom templates from its folder (docs/content-packs.md,
"Facilitator guides, calibration sets and classroom templates").

- `facilitator.md`: a guide for a 60-90 minute cohort session (front matter, four sections);
- `calibration.yaml`: exactly three example evidence submissions with reference levels on the
  module's evidence rubric and the reasons for them;
- `templates/<slug>.md`: classroom templates teachers print or download and fill in.

All three are optional. Problems are reported as `file:line: message` through the pack reader
(courses/content_extensions.py), so `import_content --check` shows them with the module's own.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt

from courses.content import SLUG, Fields, Node, Seq, front_matter_read, lesson_html, yaml_read

GUIDE_SECTIONS = (
    "Agenda",
    "Discussion protocol",
    "Common misconceptions",
    "What to look for in the evidence",
)
GUIDE_OPTIONAL_SECTIONS = ("Before the session", "Sources")
GUIDE_MINUTES = (60, 90)
CALIBRATION_EXAMPLES = 3
MAX_TEMPLATES = 12
MAX_FILE_BYTES = 256 * 1024

_markdown = MarkdownIt("commonmark").enable("table")


def _front_and_body(path: Path, problems, allowed: tuple[str, ...]):
    """(fields, body, line of the closing ---) for a Markdown file with front matter."""
    return front_matter_read(path, problems, allowed, max_bytes=MAX_FILE_BYTES)


def _headings(body: str, body_line: int, path: Path, problems, page: str) -> list[tuple[str, int]]:
    """The level-2 headings with their lines; a level-1 heading is a problem (the page title
    comes from the front matter)."""
    found = []
    lines = body.splitlines()
    for token in _markdown.parse(body):
        if token.type != "heading_open" or not token.map:
            continue
        line = body_line + token.map[0] + 1
        if token.tag == "h1":
            problems.add(path, line, f"use ## and ### headings: the page title is the {page} title")
        elif token.tag == "h2":
            found.append((lines[token.map[0]].lstrip("#").strip(), line))
    return found


def template_html(markdown_text: str) -> str:
    """Sanitized like a lesson (courses.content.lesson_html); a table's header cells are marked
    as column headers so a screen reader names the column of each cell a teacher fills in."""
    return lesson_html(markdown_text).replace("<th>", '<th scope="col">')


# --- facilitator.md -------------------------------------------------------------------------


def guide_read(path: Path, problems) -> dict | None:
    read = _front_and_body(path, problems, ("title", "minutes", "summary"))
    if read is None:
        return None
    fields, body, body_line = read
    title = fields.text("title")
    low, high = GUIDE_MINUTES
    minutes = fields.integer("minutes", low=low, high=high)
    summary = fields.text("summary", required=False, limit=1000)
    found = _headings(body, body_line, path, problems, "guide")
    names = [name for name, _ in found]
    allowed = GUIDE_SECTIONS + GUIDE_OPTIONAL_SECTIONS
    for name, line in found:
        if name not in allowed:
            problems.add(
                path, line, f"unexpected section '## {name}' (sections: {', '.join(allowed)})"
            )
    for name in GUIDE_SECTIONS:
        if name not in names:
            problems.add(path, body_line, f"missing section '## {name}'")
    for name in {n for n in names if names.count(n) > 1}:
        line = [ln for n, ln in found if n == name][1]
        problems.add(path, line, f"section '## {name}' appears twice")
    return {"title": title, "minutes": minutes, "summary": summary, "html": template_html(body)}


# --- calibration.yaml -----------------------------------------------------------------------


def calibration_read(path: Path, problems, rubric: list[dict] | None) -> list[dict] | None:
    data = yaml_read(path, problems)
    if data is None:
        return None
    if not isinstance(data, Node):
        problems.add(path, 1, "calibration.yaml must be a mapping with examples:")
        return None
    top = Fields(data, path, problems)
    top.unknown({"examples"})
    if rubric is None:
        problems.add(
            path, 1, "calibration needs the module's evidence_task with a rubric in module.yaml"
        )
        return None
    raw = data.get("examples")
    if not isinstance(raw, Seq) or len(raw) != CALIBRATION_EXAMPLES:
        top.problem(
            "examples",
            f"examples must list exactly {CALIBRATION_EXAMPLES} example submissions "
            f"(has {len(raw) if isinstance(raw, list) else 0})",
        )
        if not isinstance(raw, Seq):
            return None
    examples, ids = [], set()
    for index, item in enumerate(raw):
        line = raw.item_lines[index]
        if not isinstance(item, Node):
            problems.add(path, line, "an example is a mapping (id, title, submission, levels)")
            continue
        example = _example_read(item, path, problems, rubric)
        if example["id"] in ids:
            problems.add(path, item.line_of("id"), f"duplicate example id {example['id']!r}")
        ids.add(example["id"])
        examples.append(example)
    _spread_check(examples, raw, path, problems, rubric)
    return examples


def _example_read(item: Node, path: Path, problems, rubric: list[dict]) -> dict:
    fields = Fields(item, path, problems)
    fields.unknown({"id", "title", "submission", "levels"})
    example = {
        "id": fields.slug("id"),
        "title": fields.text("title"),
        "submission": fields.text("submission", limit=8000),
        "levels": [],
    }
    example["submission_html"] = lesson_html(example["submission"])
    criteria = {c["criterion"]: c for c in rubric}
    raw = item.get("levels")
    if not isinstance(raw, Seq):
        fields.problem("levels", "levels must list each rubric criterion with level and rationale")
        return example
    given: dict[str, dict] = {}
    for index, entry in enumerate(raw):
        line = raw.item_lines[index]
        if not isinstance(entry, Node):
            problems.add(path, line, "a level is a mapping (criterion, level, rationale)")
            continue
        level_fields = Fields(entry, path, problems)
        level_fields.unknown({"criterion", "level", "rationale"})
        name = level_fields.text("criterion")
        label = level_fields.text("level", limit=100)
        rationale = level_fields.text("rationale", limit=2000)
        if name and name not in criteria:
            level_fields.problem(
                "criterion",
                f"criterion {name!r} is not in the evidence rubric "
                f"(criteria: {'; '.join(criteria)})",
            )
            continue
        if name in given:
            level_fields.problem("criterion", f"criterion {name!r} is given twice")
            continue
        labels = [lv["label"] for lv in criteria.get(name, {}).get("levels", [])]
        if label and label not in labels:
            level_fields.problem(
                "level", f"level {label!r} is not a level of {name!r} (levels: {', '.join(labels)})"
            )
            continue
        if name and label:
            given[name] = {"criterion": name, "level": label, "rationale": rationale}
    for name in criteria:
        if name not in given:
            fields.problem("levels", f"no reference level for the criterion {name!r}")
    # Rubric order, so the result page lines up with the scoring form.
    example["levels"] = [given[name] for name in criteria if name in given]
    return example


def _spread_check(examples: list[dict], raw: Seq, path: Path, problems, rubric) -> None:
    """Three examples at the same level calibrate nothing: each must sit at a different place
    on the rubric (the mean position of its levels)."""
    rank = {c["criterion"]: [lv["label"] for lv in c["levels"]] for c in rubric}
    seen: dict[float, str] = {}
    for index, example in enumerate(examples):
        if len(example["levels"]) != len(rubric) or not rubric:
            continue
        mean = sum(rank[e["criterion"]].index(e["level"]) for e in example["levels"]) / len(rubric)
        mean = round(mean, 6)
        if mean in seen:
            problems.add(
                path,
                raw.item_lines[index],
                f"example {example['id']!r} sits at the same overall level as {seen[mean]!r}: "
                "the three examples must sit at different rubric levels",
            )
        seen.setdefault(mean, example["id"])


# --- templates/*.md -------------------------------------------------------------------------


def templates_read(folder: Path, problems) -> list[dict]:
    files = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    result = []
    for path in files:
        slug = path.name.removesuffix(".md")
        if path.suffix != ".md" or not path.is_file() or not SLUG.match(slug):
            problems.add(
                path, 1, "a template is a Markdown file named with a slug (lowercase-words.md)"
            )
            continue
        read = _front_and_body(path, problems, ("title", "description"))
        if read is None:
            continue
        fields, body, body_line = read
        _headings(body, body_line, path, problems, "template")
        if not body.strip():
            problems.add(path, body_line, "the template has no content after its front matter")
        result.append(
            {
                "slug": slug,
                "title": fields.text("title"),
                "description": fields.text("description", limit=500),
                "markdown": body.strip() + "\n",
                "html": template_html(body),
            }
        )
    if len(result) > MAX_TEMPLATES:
        problems.add(folder, 1, f"a module has at most {MAX_TEMPLATES} templates")
    return result


# --- the extension (registered in apps.py) --------------------------------------------------


def materials_read(*, folder: Path, module: Any, problems) -> dict | None:
    """Everything this app keeps in a module folder, or None when the folder has none of it."""
    guide_path = folder / "facilitator.md"
    calibration_path = folder / "calibration.yaml"
    templates_folder = folder / "templates"
    rubric = (module.evidence_task or {}).get("rubric") or None
    data = {
        "guide": guide_read(guide_path, problems) if guide_path.is_file() else None,
        "calibration": calibration_read(calibration_path, problems, rubric)
        if calibration_path.is_file()
        else None,
        "templates": templates_read(templates_folder, problems)
        if templates_folder.is_dir()
        else [],
    }
    if data["guide"] is None and data["calibration"] is None and not data["templates"]:
        return None
    data["hash"] = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
    return data
