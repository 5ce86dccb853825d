"""Reading a content pack from its folders: programs, modules and lessons, each problem with
its `file:line`. `pack_read(path)` touches no database; the fields' checks are in
validating.py."""

from __future__ import annotations

import re
from pathlib import Path

from ..content_extensions import extensions_read, program_keys
from .pack import (
    LESSON_SECTIONS,
    MAX_FILE_BYTES,
    OPTIONAL_SECTIONS,
    SLUG,
    VIDEO_PREFIXES,
    LessonData,
    ModuleData,
    Node,
    Problems,
    ProgramData,
    Read,
    Seq,
)
from .source import lesson_html, markdown, yaml_load
from .validating import Fields, credentials_read, evidence_read, mastery_read, questions_read


def _split_front_matter(text: str) -> tuple[str, str, int] | None:
    """(front matter, body, line number of the closing ---), or None without front matter."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return None
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return "".join(lines[1:index]), "".join(lines[index + 1 :]), index + 1
    return None


def front_matter_read(
    path: Path,
    problems: Problems,
    allowed: tuple[str, ...],
    *,
    noun: str = "file",
    max_bytes: int = MAX_FILE_BYTES,
    missing_ok: bool = False,
) -> tuple[Fields, str, int] | None:
    """(fields of the front matter, body, line of the closing ---) of a Markdown file that
    starts with YAML front matter, or None after recording why (`file:line: message`). Keys
    outside `allowed` are problems. Public for content extensions (facilitator guides, ...)."""
    try:
        if path.stat().st_size > max_bytes:
            problems.add(path, 1, f"file is larger than {max_bytes // 1024} KB")
            return None
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        if not missing_ok:
            problems.add(path, 1, f"cannot read the {noun} ({exc})")
        return None
    except (UnicodeDecodeError, OSError) as exc:
        problems.add(path, 1, f"cannot read the {noun} ({exc})")
        return None
    split = _split_front_matter(text)
    if split is None:
        problems.add(path, 1, f"a {noun} starts with front matter between two '---' lines")
        return None
    front_text, body, body_first_line = split
    front = yaml_load(path, problems, front_text, first_line=2)
    if front is None:
        return None
    if not isinstance(front, Node):
        problems.add(path, 2, f"front matter must be a mapping ({', '.join(allowed)})")
        return None
    fields = Fields(front, path, problems)
    fields.unknown(set(allowed))
    return fields, body, body_first_line


def _read_lesson(path: Path, problems: Problems) -> LessonData | None:
    # A missing lesson file is reported by the module that lists it.
    read = front_matter_read(
        path, problems, ("slug", "title", "minutes", "objectives"), noun="lesson", missing_ok=True
    )
    if read is None:
        return None
    fields, body, body_first_line = read
    slug = fields.slug()
    title = fields.text("title")
    minutes = fields.integer("minutes", low=1, high=240)
    objectives = fields.texts("objectives", low=1, high=5)

    found: list[tuple[str, int]] = []
    for token in markdown.parse(body):
        if token.type != "heading_open":
            continue
        line = body_first_line + (token.map[0] if token.map else 0) + 1
        if token.tag == "h1":
            problems.add(path, line, "use ## and ### headings: the page title is the lesson title")
        elif token.tag == "h2":
            found.append((_heading_text(body, token), line))
    names = [name for name, _ in found]
    for name, line in found:
        if name not in LESSON_SECTIONS + OPTIONAL_SECTIONS:
            allowed = ", ".join(LESSON_SECTIONS + OPTIONAL_SECTIONS)
            problems.add(path, line, f"unexpected section '## {name}' (sections: {allowed})")
    required_found = [n for n in names if n in LESSON_SECTIONS]
    missing = [n for n in LESSON_SECTIONS if n not in names]
    for name in missing:
        problems.add(path, body_first_line, f"missing section '## {name}'")
    if not missing and required_found != list(LESSON_SECTIONS):
        problems.add(
            path,
            body_first_line,
            "sections must be in this order: " + ", ".join(LESSON_SECTIONS),
        )
    if len(set(names)) != len(names):
        problems.add(path, body_first_line, "a section appears twice")
    for match in re.finditer(r"<iframe[^>]*\ssrc=[\"']([^\"']*)", body, re.IGNORECASE):
        if not match.group(1).startswith(VIDEO_PREFIXES):
            line = body_first_line + body[: match.start()].count("\n")
            problems.add(
                path, line, "video must come from youtube-nocookie.com/embed or player.vimeo.com"
            )
    return LessonData(
        slug=slug,
        title=title,
        minutes=minutes,
        objectives=objectives,
        html=lesson_html(body),
        source_path=path.name,
    )


def _heading_text(body: str, token) -> str:
    start = token.map[0] if token.map else 0
    line = body.splitlines()[start] if body.splitlines() else ""
    return line.lstrip("#").strip()


# --- questions ------------------------------------------------------------------------------


def _read_module(folder: Path, problems: Problems) -> ModuleData | None:
    path = folder / "module.yaml"
    data = yaml_load(path, problems)
    if data is None:
        return None
    if not isinstance(data, Node):
        problems.add(path, 1, "module.yaml must be a mapping")
        return None
    fields = Fields(data, path, problems)
    fields.unknown(
        {
            "slug", "title", "version", "summary", "estimated_minutes", "objectives",
            "lessons", "evidence_task", "mastery", "sources",
        }
    )  # fmt: skip
    slug = fields.slug()
    if slug and slug != folder.name:
        fields.problem("slug", f"slug {slug!r} must match its folder name {folder.name!r}")
    lesson_files = data.get("lessons")
    lessons: list[LessonData] = []
    if not isinstance(lesson_files, list) or not 1 <= len(lesson_files) <= 12:
        fields.problem("lessons", "lessons must list 1 to 12 lesson files, in order")
        lesson_files = []
    for index, name in enumerate(lesson_files):
        line = lesson_files.item_lines[index] if isinstance(lesson_files, Seq) else data.line
        if not isinstance(name, str) or "/" in name or "\\" in name or not name.endswith(".md"):
            problems.add(path, line, f"{name!r} is not a lesson file name (NN-slug.md)")
            continue
        lesson_path = folder / "lessons" / name
        if not lesson_path.is_file():
            problems.add(path, line, f"lesson file lessons/{name} is missing")
            continue
        lesson = _read_lesson(lesson_path, problems)
        if lesson is not None:
            lessons.append(lesson)
    slugs = [lesson.slug for lesson in lessons if lesson.slug]
    for dup in {s for s in slugs if slugs.count(s) > 1}:
        fields.problem("lessons", f"duplicate lesson slug {dup!r}")
    questions, bank_size = questions_read(folder / "questions.yaml", problems, set(slugs))
    module = ModuleData(
        slug=slug,
        title=fields.text("title"),
        version=fields.integer("version", low=1, high=10_000),
        summary=fields.text("summary", limit=1000),
        estimated_minutes=fields.integer("estimated_minutes", low=5, high=6000),
        objectives=fields.texts("objectives", low=1, high=8),
        evidence_task=evidence_read(data.get("evidence_task"), fields),
        mastery=mastery_read(data.get("mastery"), fields, bank_size),
        sources=fields.texts("sources", low=0, high=30, required=False),
        lessons=lessons,
        questions=questions,
    )
    return module


def _read_program(folder: Path, problems: Problems) -> ProgramData | None:
    path = folder / "program.yaml"
    data = yaml_load(path, problems)
    if data is None:
        return None
    if not isinstance(data, Node):
        problems.add(path, 1, "program.yaml must be a mapping")
        return None
    fields = Fields(data, path, problems)
    extra_keys = program_keys()
    fields.unknown({"slug", "title", "version", "summary", "modules", "credentials", *extra_keys})
    slug = fields.slug()
    module_names = data.get("modules")
    modules = []
    if not isinstance(module_names, list) or not module_names:
        fields.problem("modules", "modules must list the program's module folders, in order")
        module_names = []
    seen = set()
    for index, name in enumerate(module_names):
        line = module_names.item_lines[index] if isinstance(module_names, Seq) else data.line
        if not isinstance(name, str) or not SLUG.match(name):
            problems.add(path, line, f"{name!r} is not a module slug")
            continue
        if name in seen:
            problems.add(path, line, f"duplicate module slug {name!r}")
            continue
        seen.add(name)
        if not (folder / "modules" / name).is_dir():
            problems.add(path, line, f"module folder modules/{name}/ is missing")
            continue
        module = _read_module(folder / "modules" / name, problems)
        if module is not None:
            modules.append(module)
    return ProgramData(
        slug=slug,
        title=fields.text("title"),
        version=fields.integer("version", low=1, high=10_000),
        summary=fields.text("summary", limit=1000),
        modules=modules,
        credentials=credentials_read(
            data, path, problems, seen, {m.slug: m.evidence_task is not None for m in modules}
        ),
        extras={
            name: key.read(data.get(name), fields)
            for name, key in sorted(extra_keys.items())
            if data.get(name) is not None
        },
    )


def pack_read(path: Path) -> Read:
    """Read the program at `path`, or every program folder under it."""
    path = Path(path)
    problems = Problems(root=path if path.is_dir() else path.parent)
    if not path.exists():
        return Read([], [f"{path}:1: no such file or folder"])
    if (path / "program.yaml").is_file():
        folders = [path]
        problems.root = path.parent
    else:
        folders = sorted(p for p in path.iterdir() if (p / "program.yaml").is_file())
        if not folders:
            return Read([], [f"{path}:1: no program.yaml here or in its folders"])
    pairs = [(f, _read_program(f, problems)) for f in folders]
    programs = [p for _, p in pairs if p is not None]
    extensions = {  # the module files other apps own (courses/content_extensions.py)
        m.slug: extensions_read(folder=f / "modules" / m.slug, module=m, problems=problems)
        for f, p in pairs if p is not None
        for m in p.modules if m.slug and (f / "modules" / m.slug).is_dir()
    }  # fmt: skip
    seen: dict[str, str] = {}
    for program in programs:
        for module in program.modules:
            if module.slug in seen and seen[module.slug] != program.slug:
                problems.add(
                    Path(program.slug) / "program.yaml",
                    1,
                    f"duplicate module slug {module.slug!r} (also in {seen[module.slug]})",
                )
            seen.setdefault(module.slug, program.slug)
    program_slugs = [p.slug for p in programs]
    for dup in {s for s in program_slugs if program_slugs.count(s) > 1}:
        problems.add(path, 1, f"duplicate program slug {dup!r}")
    return Read(programs, problems.items, problems.notes, extensions)


# --- import ---------------------------------------------------------------------------------


front_matter_split = _split_front_matter  # public for content extensions
