"""Checks that keep a question bank from being passed without reading (docs/content-packs.md).

A teacher who always picks the longest option, or answers "true" to every true/false item, or
picks "all of the above", should not master a module. These functions measure a module's bank
for such cues; `courses.content` reports what exceeds the limits as `file:line: message`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# A share above these limits is an error (the figures are printed by `import_content --check`).
LONGEST_KEY_LIMIT = 40  # percent of single-choice questions whose key is the longest option
TRUE_FALSE_LIMIT = 25  # percent of the bank that is true/false
BANK_FACTOR = 2  # a bank holds at least this many times questions_per_attempt

_ABOVE = re.compile(
    r"\b(?:all|none|both|neither)\s+of\s+(?:the\s+)?(?:above|previous|preceding|these)\b",
    re.IGNORECASE,
)


def option_is_above_cue(text: str) -> bool:
    """True for "All of the above", "none of these" and kin: such an option is usually the key
    when present, and it cannot be shuffled."""
    return bool(_ABOVE.search(text))


def option_key(text: str) -> str:
    """What makes two options the same to a reader: case, spacing and end punctuation aside."""
    return re.sub(r"\s+", " ", text).strip().rstrip(".!?;:").strip().casefold()


def key_is_longest(options: list[dict]) -> bool:
    """True when the one correct option is longer than every other option (a tie is no cue)."""
    keys = [o for o in options if o["correct"]]
    if len(keys) != 1:
        return False
    key = len(keys[0]["text"])
    return all(key > len(o["text"]) for o in options if not o["correct"])


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


@dataclass
class BankCues:
    """How a module's bank measures against the cue limits."""

    questions: int
    single: int
    longest_key: list[str] = field(default_factory=list)  # ids of single-choice questions
    true_false: int = 0

    @property
    def longest_key_percent(self) -> int:
        return _percent(len(self.longest_key), self.single)

    @property
    def true_false_percent(self) -> int:
        return _percent(self.true_false, self.questions)

    @property
    def longest_key_too_high(self) -> bool:
        # Compared exactly, not on the rounded percent: 2 of 5 (40%) passes, 41 of 100 fails.
        return len(self.longest_key) * 100 > LONGEST_KEY_LIMIT * self.single

    @property
    def true_false_too_high(self) -> bool:
        return self.true_false * 100 > TRUE_FALSE_LIMIT * self.questions

    def summary(self) -> str:
        return (
            f"{self.questions} questions; the key is the longest option in "
            f"{len(self.longest_key)} of {self.single} single-choice "
            f"({self.longest_key_percent}%, limit {LONGEST_KEY_LIMIT}%); true/false "
            f"{self.true_false} of {self.questions} ({self.true_false_percent}%, "
            f"limit {TRUE_FALSE_LIMIT}%)"
        )

    def problems(self) -> list[str]:
        found = []
        if self.longest_key_too_high:
            found.append(
                f"the correct option is the longest in {len(self.longest_key)} of {self.single} "
                f"single-choice questions ({self.longest_key_percent}%; at most "
                f"{LONGEST_KEY_LIMIT}%): {', '.join(self.longest_key)}; make a distractor as "
                "long as the key, or the key shorter"
            )
        if self.true_false_too_high:
            found.append(
                f"{self.true_false} of {self.questions} questions are true/false "
                f"({self.true_false_percent}%; at most {TRUE_FALSE_LIMIT}%): rewrite some as "
                "single-choice with plausible distractors"
            )
        return found


def bank_cues(questions: list[dict]) -> BankCues:
    """Measure a module's parsed questions (as `courses.content` reads them)."""
    single = [q for q in questions if q["type"] == "single"]
    return BankCues(
        questions=len(questions),
        single=len(single),
        longest_key=[q["id"] for q in single if key_is_longest(q["options"])],
        true_false=sum(q["type"] == "true_false" for q in questions),
    )
