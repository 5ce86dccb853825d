"""Question types: how a question is shown, how an answer is read, and how it is scored.

Questions are the validated dicts of a content pack's questions.yaml (docs/content-packs.md).
Scoring happens on the server only; what the browser gets (`present`) never carries the key.

Types and rules:
- single: one option is right; 1 or 0.
- multiple: partial credit = (right options picked - wrong options picked) / right options,
  never below 0; picking everything therefore earns nothing unless everything is right.
- true_false: 1 or 0.
- numeric: right when |answer - given| <= tolerance.
- ordering: all or nothing.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

TYPES = ("single", "multiple", "true_false", "numeric", "ordering")
MAX_ANSWER_LENGTH = 64


def _index(value: str, size: int) -> int | None:
    """A position 0..size-1 from form text; None for anything else ('²' is a digit to
    str.isdigit but not to int, so only ASCII digits count)."""
    if not (value.isascii() and value.isdigit()) or len(value) > 4:
        return None
    number = int(value)
    return number if number < size else None


def display_order(question: Mapping[str, Any], rng: random.Random) -> list[int] | None:
    """The original positions of a question's options (single, multiple) or items (ordering)
    in the order the page shows them; None for other types. Draws from `rng`, so callers walk
    an attempt's questions in order with the attempt's seeded generator."""
    if question["type"] in ("single", "multiple"):
        keys = list(range(len(question["options"])))
        rng.shuffle(keys)
        return keys
    if question["type"] == "ordering":
        keys = list(range(len(question["items"])))
        # A shuffle that happens to be the right order would give the answer away.
        for _ in range(10):
            rng.shuffle(keys)
            if keys != sorted(keys) or len(keys) < 2:
                break
        return keys
    return None


def present(question: Mapping[str, Any], rng: random.Random, *, opaque: bool = True) -> dict:
    """What the page shows: prompt and shuffled choices, keyed by their place on the page.

    The form value of a choice is its position as shown (`opaque`), never its position in the
    content pack: pack order is an author's order (an ordering question's items are written in
    the right order, and authors tend to put keys early), so a value that named it would let a
    teacher read answers from the page source. `read_answer` takes original positions, so
    form data goes through `form_to_original` first. Attempts started before this change
    (opaque=False) keep the pack positions their open pages and saved answers use.
    """
    shown: dict[str, Any] = {
        "id": question["id"],
        "type": question["type"],
        "prompt": question["prompt"],
    }
    order = display_order(question, rng)
    if question["type"] in ("single", "multiple"):
        shown["options"] = [
            {"key": str(shown_at if opaque else k), "text": question["options"][k]["text"]}
            for shown_at, k in enumerate(order)
        ]
    elif question["type"] == "ordering":
        shown["items"] = [
            {"key": str(shown_at if opaque else k), "text": question["items"][k]}
            for shown_at, k in enumerate(order)
        ]
    return shown


def form_to_original(
    question: Mapping[str, Any], data: Mapping[str, list[str]], order: list[int] | None
) -> dict[str, list[str]]:
    """Form data for one question with page positions turned back into pack positions."""
    name = f"q-{question['id']}"
    if order is None:
        return {k: v for k, v in data.items() if k == name or k.startswith(name + "-")}
    if question["type"] in ("single", "multiple"):
        values = []
        for value in data.get(name, []):
            place = _index(value, len(order)) if isinstance(value, str) else None
            if place is not None:
                values.append(str(order[place]))
        return {name: values} if values else {}
    if question["type"] == "ordering":
        return {
            f"{name}-{original}": data[f"{name}-{shown_at}"]
            for shown_at, original in enumerate(order)
            if f"{name}-{shown_at}" in data
        }
    return {name: data[name]} if name in data else {}


def read_answer(question: Mapping[str, Any], data) -> Any:
    """The answer to one question from form data (a QueryDict or dict of lists); None if blank.

    Malformed values are treated as no answer rather than errors: a tampered form can only
    lose its own points.
    """
    name = f"q-{question['id']}"
    kind = question["type"]
    getlist = data.getlist if hasattr(data, "getlist") else lambda k: data.get(k, [])
    if kind == "single":
        values = getlist(name)
        return _index(values[0], len(question["options"])) if values else None
    if kind == "multiple":
        n = len(question["options"])
        picked = sorted({i for i in (_index(v, n) for v in getlist(name)) if i is not None})
        return picked or None
    if kind == "true_false":
        values = getlist(name)
        return {"true": True, "false": False}.get(values[0]) if values else None
    if kind == "numeric":
        values = getlist(name)
        if not values or len(values[0]) > MAX_ANSWER_LENGTH:
            return None
        try:
            number = Decimal(values[0].strip().replace(",", "."))
        except InvalidOperation:
            return None
        return str(number) if number.is_finite() else None
    if kind == "ordering":
        n = len(question["items"])
        positions = {}
        for key in range(n):
            values = getlist(f"{name}-{key}")
            place = _index(values[0], n + 1) if values else None
            if place is None or place < 1:
                return None
            positions[key] = place
        if len(set(positions.values())) != n:
            return None  # two items in the same place: not an order
        return [key for key, _ in sorted(positions.items(), key=lambda kv: kv[1])]
    raise ValueError(f"unknown question type {kind!r}")


def score(question: Mapping[str, Any], answer: Any) -> float:
    """Credit from 0 to 1 for an answer read by read_answer."""
    if answer is None:
        return 0.0
    kind = question["type"]
    if kind == "single":
        return 1.0 if question["options"][answer].get("correct") else 0.0
    if kind == "multiple":
        right = {i for i, o in enumerate(question["options"]) if o.get("correct")}
        picked = set(answer)
        return max(0.0, (len(picked & right) - len(picked - right)) / len(right))
    if kind == "true_false":
        return 1.0 if answer is bool(question["answer"]) else 0.0
    if kind == "numeric":
        given = float(answer)
        if not math.isfinite(given):
            return 0.0
        return (
            1.0
            if abs(given - float(question["answer"])) <= float(question.get("tolerance", 0)) + 1e-9
            else 0.0
        )
    if kind == "ordering":
        return 1.0 if list(answer) == list(range(len(question["items"]))) else 0.0
    raise ValueError(f"unknown question type {kind!r}")


def describe_answer(question: Mapping[str, Any], answer: Any) -> str:
    """An answer in words, for the feedback page."""
    if answer is None:
        return "No answer"
    kind = question["type"]
    if kind == "single":
        return question["options"][answer]["text"]
    if kind == "multiple":
        return "; ".join(question["options"][i]["text"] for i in answer)
    if kind == "true_false":
        return "True" if answer else "False"
    if kind == "numeric":
        return str(answer)
    if kind == "ordering":
        return " → ".join(question["items"][i] for i in answer)
    return str(answer)


def correct_answer(question: Mapping[str, Any]) -> str:
    """The right answer in words (shown only after submission)."""
    kind = question["type"]
    if kind in ("single", "multiple"):
        return "; ".join(o["text"] for o in question["options"] if o.get("correct"))
    if kind == "true_false":
        return "True" if question["answer"] else "False"
    if kind == "numeric":
        tolerance = question.get("tolerance", 0)
        return f"{question['answer']}" + (f" (± {tolerance})" if tolerance else "")
    if kind == "ordering":
        return " → ".join(question["items"])
    return ""
