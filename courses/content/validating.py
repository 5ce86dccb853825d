"""Validating what a pack says, field by field, as strictly as a settings file: unknown keys
and wrong types are problems with `file:line`, and a question bank is checked for what a
test-wise reader would exploit (courses/content_checks.py).

A little over 400 lines: one check per field of the format, each short, read top to bottom.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..content_checks import BANK_FACTOR, bank_cues, option_is_above_cue, option_key
from ..content_extensions import credential_keys
from .pack import (
    QUESTION_ID,
    QUESTION_TYPES,
    REVIEW_ITEMS,
    REVIEW_WHEN,
    SCORE_POLICIES,
    SLUG,
    Node,
    Problems,
    Seq,
)
from .source import lesson_html, yaml_load


class Fields:
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


_QUESTION_KEYS = {
    "single": {"options"},
    "multiple": {"options"},
    "true_false": {"answer"},
    "numeric": {"answer", "tolerance"},
    "ordering": {"items"},
}


def questions_read(
    path: Path, problems: Problems, lesson_slugs: set[str]
) -> tuple[list[dict], int | None]:
    """The module's valid questions, and how many the bank lists, valid or not (None when the
    file itself cannot be read, which is reported already)."""
    data = yaml_load(path, problems)
    if data is None:
        return [], None
    if not isinstance(data, Node) or not isinstance(data.get("questions"), list):
        problems.add(path, getattr(data, "line", 1), "questions.yaml needs a 'questions:' list")
        return [], None
    Fields(data, path, problems).unknown({"questions"})
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
    fields = Fields(raw, path, problems)
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
            Fields(option, path, problems).unknown({"text", "correct"})
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


def evidence_read(raw, fields: Fields) -> dict | None:
    if raw is None:
        return None
    if not isinstance(raw, Node):
        fields.problem("evidence_task", "evidence_task must be a mapping (title, instructions)")
        return None
    task = Fields(raw, fields.path, fields.problems)
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
            Fields(criterion, fields.path, fields.problems).unknown({"criterion", "levels"})
        if not isinstance(name, str) or not isinstance(levels, list) or not 2 <= len(levels) <= 6:
            fields.problems.add(fields.path, line, "a criterion needs a name and 2 to 6 levels")
            continue
        for level in levels:
            if isinstance(level, Node):
                Fields(level, fields.path, fields.problems).unknown({"label", "description"})
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


def mastery_read(raw, fields: Fields, bank_size: int | None) -> dict:
    if not isinstance(raw, Node):
        fields.problem("mastery", "mastery is required (questions_per_attempt, threshold, ...)")
        return {}
    policy = Fields(raw, fields.path, fields.problems)
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


def _read_review_policy(raw: Node, policy: Fields) -> dict:
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
    fields = Fields(review, policy.path, policy.problems)
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


def credentials_read(
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
        fields = Fields(item, path, problems)
        extra_keys = credential_keys()
        fields.unknown(
            {
                "slug", "name", "description", "criteria", "required_modules",
                "evidence_required", "competencies", *extra_keys,
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
                "requirements": _read_requirements(item, fields, extra_keys, modules),
            }
        )
    return result


def _read_requirements(item: Node, fields: Fields, keys: dict, modules: set[str]) -> dict:
    """The credential's keys that other apps own (courses/content_extensions.py), as they read
    them; a key whose value has a problem is left out (and the pack does not import)."""
    result = {}
    for name, key in sorted(keys.items()):
        if name not in item:
            continue
        value = key.read(item[name], fields, modules=modules)
        if value is not None:
            result[name] = value
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
        fields = Fields(entry, path, problems)
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
