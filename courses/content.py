"""Content packs: read, validate and import the catalog from files (docs/content-packs.md).

`pack_read(path)` reads every program under `path` and returns what it found with every
problem as `file:line: message`; nothing touches the database. `catalog_import(packs)` writes
a clean read in one transaction: a module whose content is unchanged is left alone (importing
twice changes nothing), a changed module gets a new version beside the old ones, which stay
readable by the attempts and progress that point at them.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nh3
import yaml
from django.db import transaction
from markdown_it import MarkdownIt

from .content_checks import BANK_FACTOR, bank_cues, option_is_above_cue, option_key
from .content_extensions import extensions_read, extensions_store
from .models import Lesson, Module, ModuleVersion, Program

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
QUESTION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
LESSON_SECTIONS = ("Explanation", "Classroom example", "Try it", "Reflect")
OPTIONAL_SECTIONS = ("Sources",)
QUESTION_TYPES = ("single", "multiple", "true_false", "numeric", "ordering")
SCORE_POLICIES = ("highest", "latest")
# What a teacher's result page may show, and from when (docs/content-packs.md, "review").
REVIEW_ITEMS = ("score", "questions", "explanations", "correct_answers")
REVIEW_WHEN = (
    "after_each_attempt",
    "once_mastered",
    "once_attempts_used",
    "once_mastered_or_attempts_used",
    "never",
)
VIDEO_PREFIXES = ("https://www.youtube-nocookie.com/embed/", "https://player.vimeo.com/video/")
MAX_FILE_BYTES = 512 * 1024


# --- YAML with line numbers ---------------------------------------------------------------


class Node(dict):
    """A YAML mapping that remembers where it and each of its keys were written."""

    line: int = 0
    key_lines: dict
    flow: bool = False  # written as {key: value, ...}, where an unquoted comma ends a value
    plain: frozenset = frozenset()  # keys whose value was written unquoted

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class Seq(list):
    line: int = 0
    item_lines: list


class _Loader(yaml.SafeLoader):
    pass


def _mapping(loader: _Loader, node: yaml.MappingNode) -> Node:
    loader.flatten_mapping(node)
    result = Node()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    result.flow = bool(node.flow_style)
    plain = set()
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int | float | bool) and key is not None:
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be plain text", key_node.start_mark
            )
        if key in result:
            loader.duplicates.append((key, key_node.start_mark.line + 1))
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
        if isinstance(value_node, yaml.ScalarNode) and value_node.style is None:
            plain.add(key)
    result.plain = frozenset(plain)
    return result


def _sequence(loader: _Loader, node: yaml.SequenceNode) -> Seq:
    result = Seq(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


# --- what a read finds ----------------------------------------------------------------------


@dataclass
class Problems:
    root: Path
    items: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def _where(self, path: Path, line: int) -> str:
        try:
            shown = path.relative_to(self.root)
        except ValueError:
            shown = path
        return f"{shown}:{max(line, 1)}"

    def add(self, path: Path, line: int, message: str) -> None:
        self.items.append(f"{self._where(path, line)}: {message}")

    def note(self, path: Path, line: int, message: str) -> None:
        """Information for authors that is not a problem (the bank's cue figures)."""
        self.notes.append(f"{self._where(path, line)}: {message}")

    def __bool__(self) -> bool:
        return bool(self.items)


@dataclass
class LessonData:
    slug: str
    title: str
    minutes: int
    objectives: list[str]
    html: str
    source_path: str


@dataclass
class ModuleData:
    slug: str
    title: str
    version: int
    summary: str
    estimated_minutes: int
    objectives: list[str]
    evidence_task: dict | None
    mastery: dict
    sources: list[str]
    lessons: list[LessonData]
    questions: list[dict]

    def content_hash(self) -> str:
        data = {k: v for k, v in self.__dict__.items() if k != "lessons"}
        data["lessons"] = [lesson.__dict__ for lesson in self.lessons]
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


@dataclass
class ProgramData:
    slug: str
    title: str
    version: int
    summary: str
    modules: list[ModuleData]
    credentials: list[dict] = field(default_factory=list)


@dataclass
class Read:
    programs: list[ProgramData]
    problems: list[str]
    notes: list[str] = field(default_factory=list)  # per-module cue figures, for --check
    # What content extensions read, by module slug then extension name (content_extensions.py).
    extensions: dict[str, dict] = field(default_factory=dict)


def _load_yaml(path: Path, problems: Problems, text: str | None = None, first_line: int = 1):
    if text is None:
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                problems.add(path, 1, f"file is larger than {MAX_FILE_BYTES // 1024} KB")
                return None
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            problems.add(path, 1, "file is missing")
            return None
        except UnicodeDecodeError as exc:
            problems.add(path, 1, f"not UTF-8 text ({exc.reason})")
            return None
        except OSError as exc:
            problems.add(path, 1, f"cannot read the file ({exc.strerror})")
            return None
    loader = None
    try:
        loader = _Loader(text)
        loader.duplicates = []
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + first_line) if mark else first_line
        problems.add(path, line, f"invalid YAML: {exc.problem or exc.context}")
        return None
    except yaml.reader.ReaderError as exc:
        line = first_line + text[: max(exc.position, 0)].count("\n")
        problems.add(path, line, f"invalid YAML: character {exc.character!r} is not allowed")
        return None
    except (yaml.YAMLError, RecursionError) as exc:
        problems.add(path, first_line, f"invalid YAML: {exc.__class__.__name__}")
        return None
    finally:
        if loader is not None:
            loader.dispose()
    for key, line in loader.duplicates:
        problems.add(path, line + first_line - 1, f"duplicate key {key!r}")
    if first_line != 1:
        _shift_lines(data, first_line - 1)
    return data


def _shift_lines(data, by: int) -> None:
    if isinstance(data, Node):
        data.line += by
        data.key_lines = {k: v + by for k, v in data.key_lines.items()}
        for value in data.values():
            _shift_lines(value, by)
    elif isinstance(data, Seq):
        data.line += by
        data.item_lines = [v + by for v in data.item_lines]
        for value in data:
            _shift_lines(value, by)


# --- field checks ---------------------------------------------------------------------------


class _Fields:
    """Typed reads of a mapping's keys that record a problem instead of raising."""

    def __init__(self, data: Node, path: Path, problems: Problems):
        self.data, self.path, self.problems = data, path, problems

    def line(self, key: str) -> int:
        return self.data.line_of(key)

    def problem(self, key: str, message: str) -> None:
        self.problems.add(self.path, self.line(key), message)

    def text(self, key: str, *, required: bool = True, limit: int = 255) -> str:
        value = self.data.get(key)
        if value is None or value == "":
            if required:
                self.problem(key, f"{key} is required")
            return ""
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            self.problem(key, f"{key} must be text")
            return ""
        if len(value) > limit:
            self.problem(key, f"{key} is longer than {limit} characters")
        return value.strip()

    def slug(self, key: str = "slug") -> str:
        value = self.text(key, limit=100)
        if value and not SLUG.match(value):
            self.problem(key, f"{key} {value!r} must be lowercase letters, digits and hyphens")
            return ""
        return value

    def integer(self, key: str, *, low: int, high: int, default: int | None = None) -> int:
        value = self.data.get(key, default)
        if value is None:
            self.problem(key, f"{key} is required")
            return low
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.problem(key, f"{key} must be a whole number from {low} to {high}")
            return low
        return value

    def texts(self, key: str, *, low: int, high: int, required: bool = True) -> list[str]:
        value = self.data.get(key)
        if value is None:
            if required:
                self.problem(key, f"{key} is required (a list)")
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.problem(key, f"{key} must be a list of non-empty text items")
            return []
        if not low <= len(value) <= high:
            self.problem(key, f"{key} must have {low} to {high} items (has {len(value)})")
        return [v.strip() for v in value]

    def unknown(self, allowed: set[str]) -> None:
        cut: set[str] = set()
        previous = None
        for key in self.data:
            if key in allowed:
                previous = key
                continue
            if (
                self.data.flow
                and self.data[key] is None
                and previous is not None
                and previous in self.data.plain
            ):
                # `{label: A, description: one, two}` reads as description "one" and a key
                # "two" with no value: name the value that was cut, once.
                if previous not in cut:
                    cut.add(previous)
                    kept = self.data.get(previous)
                    self.problem(
                        key,
                        f"{previous} cut at a comma: quote it (YAML kept only {str(kept)!r} and "
                        "read the rest as extra keys)",
                    )
                continue
            self.problem(key, f"unknown key {key!r} (allowed: {', '.join(sorted(allowed))})")


# --- Markdown -------------------------------------------------------------------------------

_markdown = MarkdownIt("commonmark", {"html": True, "linkify": False}).enable("table")
_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "code", "pre",
    "blockquote", "a", "table", "thead", "tbody", "tr", "th", "td", "iframe", "figure",
    "figcaption",
}  # fmt: skip
_ATTRIBUTES = {
    "a": {"href", "title"},
    "th": {"scope"},
    "iframe": {"src", "title", "width", "height", "allow", "allowfullscreen"},
    "ol": {"start"},
}


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if tag == "iframe" and attribute == "src":
        return value if value.startswith(VIDEO_PREFIXES) else None
    return value


def lesson_html(markdown_text: str) -> str:
    """Markdown to HTML, sanitized: no scripts, styles or handlers, video only from the
    allow-listed hosts, links opened safely."""
    html = _markdown.render(markdown_text)
    clean = nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        attribute_filter=_attribute_filter,
        url_schemes={"https", "http", "mailto"},
        link_rel="noopener noreferrer",
    )
    # An iframe whose source was refused is an empty frame: drop it.
    return re.sub(r"<iframe(?![^>]*\ssrc=)[^>]*>\s*</iframe>", "", clean)


def _split_front_matter(text: str) -> tuple[str, str, int] | None:
    """(front matter, body, line number of the closing ---), or None without front matter."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return None
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return "".join(lines[1:index]), "".join(lines[index + 1 :]), index + 1
    return None


def _read_lesson(path: Path, problems: Problems) -> LessonData | None:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            problems.add(path, 1, f"file is larger than {MAX_FILE_BYTES // 1024} KB")
            return None
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None  # reported by the module that lists it
    except (UnicodeDecodeError, OSError) as exc:
        problems.add(path, 1, f"cannot read the lesson ({exc})")
        return None
    split = _split_front_matter(text)
    if split is None:
        problems.add(path, 1, "a lesson starts with front matter between two '---' lines")
        return None
    front_text, body, body_first_line = split
    front = _load_yaml(path, problems, front_text, first_line=2)
    if front is None:
        return None
    if not isinstance(front, Node):
        problems.add(path, 2, "front matter must be a mapping (slug, title, minutes, objectives)")
        return None
    fields = _Fields(front, path, problems)
    fields.unknown({"slug", "title", "minutes", "objectives"})
    slug = fields.slug()
    title = fields.text("title")
    minutes = fields.integer("minutes", low=1, high=240)
    objectives = fields.texts("objectives", low=1, high=5)

    found: list[tuple[str, int]] = []
    for token in _markdown.parse(body):
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

_QUESTION_KEYS = {
    "single": {"options"},
    "multiple": {"options"},
    "true_false": {"answer"},
    "numeric": {"answer", "tolerance"},
    "ordering": {"items"},
}


def _read_questions(
    path: Path, problems: Problems, lesson_slugs: set[str]
) -> tuple[list[dict], int | None]:
    """The module's valid questions, and how many the bank lists, valid or not (None when the
    file itself cannot be read, which is reported already)."""
    data = _load_yaml(path, problems)
    if data is None:
        return [], None
    if not isinstance(data, Node) or not isinstance(data.get("questions"), list):
        problems.add(path, getattr(data, "line", 1), "questions.yaml needs a 'questions:' list")
        return [], None
    _Fields(data, path, problems).unknown({"questions"})
    questions, seen_ids = [], set()
    measured = []  # every question whose shape can be measured, clean or not
    items = data["questions"]
    for index, raw in enumerate(items):
        line = items.item_lines[index] if isinstance(items, Seq) else data.line
        if not isinstance(raw, Node):
            problems.add(path, line, "each question is a mapping (id, type, lesson, prompt, ...)")
            continue
        question, clean = _read_question(raw, path, problems, lesson_slugs)
        if question is None:
            continue
        measured.append(question)
        if not clean:
            continue
        if question["id"] in seen_ids:
            problems.add(path, raw.line_of("id"), f"duplicate question id {question['id']!r}")
            continue
        seen_ids.add(question["id"])
        questions.append(question)
    line = data.line_of("questions")
    if measured and len(measured) == len(items):
        cues = bank_cues(measured)
        problems.note(path, line, cues.summary())
        for message in cues.problems():
            problems.add(path, line, message)
    elif items:
        # Shares over part of the bank would blame the wrong thing; the questions that cannot
        # be read are reported on their own lines.
        problems.note(path, line, "cue figures follow once every question can be read")
    return questions, len(items)


def _read_question(
    raw: Node, path: Path, problems: Problems, lesson_slugs: set[str]
) -> tuple[dict | None, bool]:
    """The question as read (None when its shape cannot be read at all), and whether it is
    free of problems (only clean questions are imported; the others still count in the bank's
    cue figures)."""
    fields = _Fields(raw, path, problems)
    before = len(problems.items)
    kind = raw.get("type")
    if kind not in QUESTION_TYPES:
        fields.problem("type", f"type must be one of {', '.join(QUESTION_TYPES)}")
        return None, False
    fields.unknown({"id", "type", "lesson", "prompt", "explanation"} | _QUESTION_KEYS[kind])
    qid = fields.text("id", limit=64)
    if qid and not QUESTION_ID.match(qid):
        fields.problem("id", f"id {qid!r} may use letters, digits, '-' and '_' only")
    lesson = fields.text("lesson", limit=100)
    if lesson and lesson not in lesson_slugs:
        fields.problem("lesson", f"lesson {lesson!r} is not a lesson of this module")
    prompt = fields.text("prompt", limit=4000)
    explanation = fields.text("explanation", limit=4000)
    question: dict[str, Any] = {
        "id": qid,
        "type": kind,
        "lesson": lesson,
        "prompt": prompt,
        "explanation": explanation,
    }
    if kind in ("single", "multiple"):
        options = raw.get("options")
        if not isinstance(options, list) or not 2 <= len(options) <= 8:
            fields.problem("options", "options must be a list of 2 to 8 choices")
            return None, False
        parsed, seen = [], {}
        for index, option in enumerate(options):
            line = options.item_lines[index] if isinstance(options, Seq) else raw.line
            if not isinstance(option, Node) or not isinstance(option.get("text"), str | int):
                problems.add(path, line, "each option needs text (and correct: true if right)")
                continue
            _Fields(option, path, problems).unknown({"text", "correct"})
            correct = option.get("correct", False)
            if not isinstance(correct, bool):
                problems.add(path, line, "correct must be true or false")
            text = str(option["text"]).strip()
            same = seen.setdefault(option_key(text), index + 1)
            if same != index + 1:
                problems.add(path, line, f"option {index + 1} repeats option {same} ({text!r})")
            if option_is_above_cue(text):
                problems.add(
                    path,
                    line,
                    f"{text!r}: avoid all/none of the above (it cues the answer and cannot be "
                    "shuffled); write a plausible option instead",
                )
            parsed.append({"text": text, "correct": correct is True})
        right = sum(o["correct"] for o in parsed)
        if kind == "single" and right != 1:
            fields.problem(
                "options",
                "a single-choice question needs exactly one correct option"
                if right
                else "question has no correct answer",
            )
        if kind == "multiple" and right == 0:
            fields.problem("options", "question has no correct answer")
        question["options"] = parsed
    elif kind == "true_false":
        answer = raw.get("answer")
        if not isinstance(answer, bool):
            fields.problem("answer", "question has no correct answer (answer: true or false)")
        question["answer"] = answer
    elif kind == "numeric":
        answer, tolerance = raw.get("answer"), raw.get("tolerance", 0)
        if isinstance(answer, bool) or not isinstance(answer, int | float):
            fields.problem("answer", "question has no correct answer (answer: a number)")
        if isinstance(tolerance, bool) or not isinstance(tolerance, int | float) or tolerance < 0:
            fields.problem("tolerance", "tolerance must be a number >= 0")
        question["answer"], question["tolerance"] = answer, tolerance
    elif kind == "ordering":
        items = raw.get("items")
        if (
            not isinstance(items, list)
            or not 2 <= len(items) <= 8
            or not all(isinstance(i, str) and i.strip() for i in items)
        ):
            fields.problem("items", "items must list 2 to 8 steps, in the correct order")
            return None, False
        if len(set(items)) != len(items):
            fields.problem("items", "two items have the same text")
        question["items"] = [i.strip() for i in items]
    return question, len(problems.items) == before


# --- modules and programs -------------------------------------------------------------------


def _read_evidence(raw, fields: _Fields) -> dict | None:
    if raw is None:
        return None
    if not isinstance(raw, Node):
        fields.problem("evidence_task", "evidence_task must be a mapping (title, instructions)")
        return None
    task = _Fields(raw, fields.path, fields.problems)
    task.unknown({"title", "instructions", "rubric"})
    rubric = []
    criteria = raw.get("rubric", [])
    if not isinstance(criteria, list):
        task.problem("rubric", "rubric must be a list of criteria")
        criteria = []
    for index, criterion in enumerate(criteria):
        line = criteria.item_lines[index] if isinstance(criteria, Seq) else raw.line
        levels = criterion.get("levels") if isinstance(criterion, dict) else None
        name = criterion.get("criterion") if isinstance(criterion, dict) else None
        if isinstance(criterion, Node):
            _Fields(criterion, fields.path, fields.problems).unknown({"criterion", "levels"})
        if not isinstance(name, str) or not isinstance(levels, list) or not 2 <= len(levels) <= 6:
            fields.problems.add(fields.path, line, "a criterion needs a name and 2 to 6 levels")
            continue
        for level in levels:
            if isinstance(level, Node):
                _Fields(level, fields.path, fields.problems).unknown({"label", "description"})
        if not all(
            isinstance(level, dict)
            and isinstance(level.get("label"), str)
            and isinstance(level.get("description"), str)
            for level in levels
        ):
            fields.problems.add(fields.path, line, "each level needs a label and a description")
            continue
        rubric.append(
            {
                "criterion": name.strip(),
                "levels": [
                    {"label": lv["label"].strip(), "description": lv["description"].strip()}
                    for lv in levels
                ],
            }
        )
    instructions = task.text("instructions", limit=8000)
    return {
        "title": task.text("title"),
        "instructions": instructions,
        "instructions_html": lesson_html(instructions),
        "rubric": rubric,
    }


def _read_mastery(raw, fields: _Fields, bank_size: int | None) -> dict:
    if not isinstance(raw, Node):
        fields.problem("mastery", "mastery is required (questions_per_attempt, threshold, ...)")
        return {}
    policy = _Fields(raw, fields.path, fields.problems)
    policy.unknown(
        {"questions_per_attempt", "threshold", "max_attempts", "wait_minutes", "score_policy"}
        | {"review", "require_lessons"}
    )
    result = {
        "questions_per_attempt": policy.integer("questions_per_attempt", low=1, high=50),
        "threshold": policy.integer("threshold", low=1, high=100, default=80),
        "max_attempts": policy.integer("max_attempts", low=0, high=100, default=0),
        "wait_minutes": policy.integer("wait_minutes", low=0, high=60 * 24 * 30, default=0),
        "score_policy": raw.get("score_policy", "highest"),
        **_read_review_policy(raw, policy),
    }
    if result["score_policy"] not in SCORE_POLICIES:
        policy.problem("score_policy", "score_policy must be highest or latest")
    needed = BANK_FACTOR * result["questions_per_attempt"]
    if bank_size is not None and bank_size < needed:
        # A retake must be able to draw questions the teacher has not seen.
        policy.problem(
            "questions_per_attempt",
            f"questions.yaml has {bank_size} questions; the bank needs at least {needed} "
            f"({BANK_FACTOR} times questions_per_attempt, {result['questions_per_attempt']}) "
            "so that a retake draws questions not seen before",
        )
    return result


def _read_review_policy(raw: Node, policy: _Fields) -> dict:
    """`review:` (what a result page shows, and when) and `require_lessons`, only when the
    pack sets them: a module without them keeps Ignite's defaults (mastery/review.py)."""
    result: dict = {}
    if "require_lessons" in raw:
        if not isinstance(raw["require_lessons"], bool):
            policy.problem("require_lessons", "require_lessons must be true or false")
        else:
            result["require_lessons"] = raw["require_lessons"]
    if "review" not in raw:
        return result
    review = raw["review"]
    if not isinstance(review, Node):
        policy.problem("review", f"review must be a mapping of {', '.join(REVIEW_ITEMS)}")
        return result
    fields = _Fields(review, policy.path, policy.problems)
    fields.unknown(set(REVIEW_ITEMS))
    result["review"] = {}
    for item in REVIEW_ITEMS:
        if item not in review:
            continue
        if review[item] not in REVIEW_WHEN:
            fields.problem(item, f"review.{item} must be one of {', '.join(REVIEW_WHEN)}")
            continue
        result["review"][item] = review[item]
    return result


def _read_module(folder: Path, problems: Problems) -> ModuleData | None:
    path = folder / "module.yaml"
    data = _load_yaml(path, problems)
    if data is None:
        return None
    if not isinstance(data, Node):
        problems.add(path, 1, "module.yaml must be a mapping")
        return None
    fields = _Fields(data, path, problems)
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
    questions, bank_size = _read_questions(folder / "questions.yaml", problems, set(slugs))
    module = ModuleData(
        slug=slug,
        title=fields.text("title"),
        version=fields.integer("version", low=1, high=10_000),
        summary=fields.text("summary", limit=1000),
        estimated_minutes=fields.integer("estimated_minutes", low=5, high=6000),
        objectives=fields.texts("objectives", low=1, high=8),
        evidence_task=_read_evidence(data.get("evidence_task"), fields),
        mastery=_read_mastery(data.get("mastery"), fields, bank_size),
        sources=fields.texts("sources", low=0, high=30, required=False),
        lessons=lessons,
        questions=questions,
    )
    return module


def _read_program(folder: Path, problems: Problems) -> ProgramData | None:
    path = folder / "program.yaml"
    data = _load_yaml(path, problems)
    if data is None:
        return None
    if not isinstance(data, Node):
        problems.add(path, 1, "program.yaml must be a mapping")
        return None
    fields = _Fields(data, path, problems)
    fields.unknown({"slug", "title", "version", "summary", "modules", "credentials"})
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
        credentials=_read_credentials(
            data, path, problems, seen, {m.slug: m.evidence_task is not None for m in modules}
        ),
    )


def _read_credentials(
    data: Node, path: Path, problems: Problems, modules: set[str], has_task: dict[str, bool]
) -> list:
    """Micro-credentials a program awards (name, description, criteria, required modules,
    whether accepted evidence of practice is required)."""
    raw = data.get("credentials", [])
    if not isinstance(raw, list):
        problems.add(path, data.line_of("credentials"), "credentials must be a list")
        return []
    result, seen = [], set()
    for index, item in enumerate(raw):
        line = raw.item_lines[index] if isinstance(raw, Seq) else data.line
        if not isinstance(item, Node):
            problems.add(path, line, "a credential is a mapping (slug, name, description, ...)")
            continue
        fields = _Fields(item, path, problems)
        fields.unknown(
            {
                "slug", "name", "description", "criteria", "required_modules",
                "evidence_required", "competencies",
            }
        )  # fmt: skip
        slug = fields.slug()
        if slug in seen:
            fields.problem("slug", f"duplicate credential slug {slug!r}")
        seen.add(slug)
        required = fields.texts("required_modules", low=1, high=20)
        for name in required:
            if name not in modules:
                fields.problem("required_modules", f"{name!r} is not a module of this program")
        evidence = item.get("evidence_required", False)
        if not isinstance(evidence, bool):
            fields.problem("evidence_required", "evidence_required must be true or false")
        elif evidence:
            for name in required:
                if has_task.get(name) is False:
                    fields.problem(
                        "evidence_required",
                        f"{name!r} has no evidence_task, so nobody could earn this credential "
                        "(evidence_required asks for accepted evidence in every required module)",
                    )
        result.append(
            {
                "slug": slug,
                "name": fields.text("name"),
                "description": fields.text("description", limit=2000),
                "criteria": fields.text("criteria", limit=4000),
                "required_modules": required,
                "evidence_required": evidence is True,
                "competencies": _read_competencies(item, path, problems),
            }
        )
    return result


def _read_competencies(item: Node, path: Path, problems: Problems) -> list[dict]:
    """A credential's optional `competencies:` (issue 14 item 7): what it certifies, each
    aligned to a framework's domain; they become Open Badges `alignment` entries."""
    raw = item.get("competencies")
    if raw is None:
        return []
    if not isinstance(raw, Seq):
        problems.add(path, item.line_of("competencies"), "competencies must be a list")
        return []
    result = []
    for index, entry in enumerate(raw):
        if not isinstance(entry, Node):
            problems.add(
                path, raw.item_lines[index], "a competency is a mapping (name, framework, domain)"
            )
            continue
        fields = _Fields(entry, path, problems)
        fields.unknown({"name", "framework", "domain", "url"})
        competency = {
            "name": fields.text("name"),
            "framework": fields.text("framework"),
            "domain": fields.text("domain"),
        }
        url = fields.text("url", required=False, limit=500)
        if url and not url.startswith("https://"):
            fields.problem("url", "url must be an https:// address")
        elif url:
            competency["url"] = url
        result.append(competency)
    return result


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
    extensions = {  # the module files other apps own (content_extensions.py)
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


class ContentConflict(Exception):
    """The pack changes an already imported version without bumping its number."""


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)  # "slug v2"
    unchanged: list[str] = field(default_factory=list)
    programs: int = 0


@transaction.atomic
def catalog_import(read: Read) -> ImportReport:
    """Write a clean read. Raises ContentConflict (nothing written) on a changed version."""
    if read.problems:
        raise ValueError("refusing to import a pack with problems")
    report = ImportReport()
    conflicts = []
    for p_index, data in enumerate(read.programs):
        program, _ = Program.objects.update_or_create(
            slug=data.slug,
            defaults={
                "title": data.title,
                "summary": data.summary,
                "version": data.version,
                "position": p_index,
            },
        )
        report.programs += 1
        from .models import Achievement

        for c_data in data.credentials:
            Achievement.objects.update_or_create(
                slug=c_data["slug"],
                defaults={
                    "program": program,
                    "name": c_data["name"],
                    "description": c_data["description"],
                    "criteria": c_data["criteria"],
                    "required_modules": c_data["required_modules"],
                    "evidence_required": c_data["evidence_required"],
                    "competencies": c_data["competencies"],
                },
            )
        for m_index, mdata in enumerate(data.modules):
            module, _ = Module.objects.select_for_update().get_or_create(
                slug=mdata.slug, defaults={"program": program, "position": m_index}
            )
            if (module.program_id, module.position, module.retired) != (program.pk, m_index, False):
                module.program, module.position, module.retired = program, m_index, False
                module.save(update_fields=["program", "position", "retired"])
            digest = mdata.content_hash()
            existing = module.versions.filter(version=mdata.version).first()
            if existing is not None:
                if existing.content_hash != digest:
                    conflicts.append(
                        f"{data.slug}/modules/{mdata.slug}/module.yaml:1: version "
                        f"{mdata.version} of {mdata.slug!r} is already imported with other "
                        f"content; raise version: to {_next_version(module)} to publish the change"
                    )
                    continue
                report.unchanged.append(f"{mdata.slug} v{mdata.version}")
                if module.current_id != existing.pk and _is_newest(module, existing):
                    module.current = existing
                    module.save(update_fields=["current"])
                continue
            newest = module.versions.order_by("-version").first()
            if newest is not None and newest.version > mdata.version:
                conflicts.append(
                    f"{data.slug}/modules/{mdata.slug}/module.yaml:1: version {mdata.version} is "
                    f"older than the imported version {newest.version}"
                )
                continue
            version = ModuleVersion.objects.create(
                module=module,
                version=mdata.version,
                content_hash=digest,
                title=mdata.title,
                summary=mdata.summary,
                estimated_minutes=mdata.estimated_minutes,
                objectives=mdata.objectives,
                evidence_task=mdata.evidence_task,
                mastery=mdata.mastery,
                questions=mdata.questions,
                sources=mdata.sources,
            )
            Lesson.objects.bulk_create(
                Lesson(
                    module_version=version,
                    slug=lesson.slug,
                    position=index,
                    title=lesson.title,
                    minutes=lesson.minutes,
                    objectives=lesson.objectives,
                    html=lesson.html,
                    source_path=lesson.source_path,
                )
                for index, lesson in enumerate(mdata.lessons)
            )
            module.current = version
            module.save(update_fields=["current"])
            report.created.append(f"{mdata.slug} v{mdata.version}")
    if conflicts:
        raise ContentConflict("\n".join(conflicts))
    for data in read.programs:  # the module files other apps own (content_extensions.py)
        for mdata in data.modules:
            version = ModuleVersion.objects.get(module__slug=mdata.slug, version=mdata.version)
            extensions_store(version=version, data=read.extensions.get(mdata.slug, {}))
    return report


def _next_version(module: Module) -> int:
    newest = module.versions.order_by("-version").first()
    return (newest.version if newest else 0) + 1


def _is_newest(module: Module, version: ModuleVersion) -> bool:
    return not module.versions.filter(version__gt=version.version).exists()


# Public for content extensions (content_extensions.py): the same line-aware reads, so their
# files report problems as `file:line` exactly as the module's own files do.
yaml_read = _load_yaml
front_matter_split = _split_front_matter
Fields = _Fields
