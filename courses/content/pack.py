"""What a content pack holds once read: names and limits of the format, the YAML nodes that
remember their line, the problems found, and the programs, modules and lessons."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

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
    # Values of the keys other apps own (courses.content_extensions.program_key_register).
    extras: dict = field(default_factory=dict)


@dataclass
class Read:
    programs: list[ProgramData]
    problems: list[str]
    notes: list[str] = field(default_factory=list)  # per-module cue figures, for --check
    # What content extensions read, by module slug then extension name (content_extensions.py).
    extensions: dict[str, dict] = field(default_factory=dict)
