"""A small valid content pack written into a temporary folder, to break in tests."""

from __future__ import annotations

from pathlib import Path

from courses.content import pack_read

PROGRAM = """\
slug: demo-program
title: Demo program
version: 1
summary: A program for tests.
modules:
  - demo-module
credentials:
  - slug: demo-credential
    name: Demo Practitioner
    description: Uses the demo idea in class.
    criteria: Mastery of the demo module and accepted evidence of practice.
    required_modules: [demo-module]
    evidence_required: true
"""

MODULE = """\
slug: demo-module
title: A demo module
version: 1
summary: Two lessons and a small bank.
estimated_minutes: 30
objectives:
  - Explain the demo idea
lessons:
  - 01-first.md
  - 02-second.md
evidence_task:
  title: Try it in class
  instructions: |
    Teach the idea and upload your plan.
  rubric:
    - criterion: Plan fits the goal
      levels:
        - {label: Beginning, description: Not yet aligned}
        - {label: Proficient, description: Aligned}
mastery:
  questions_per_attempt: 2
  threshold: 80
  max_attempts: 3
  wait_minutes: 0
  score_policy: highest
sources:
  - "Author, A. (2020). A Real Book. Publisher."
"""


def lesson(slug: str, title: str, extra: str = "") -> str:
    return f"""\
---
slug: {slug}
title: {title}
minutes: 10
objectives:
  - Do the {slug} thing
---
## Explanation
Plain words about {slug}.
{extra}
## Classroom example
A 4th-grade math class.

## Try it
1. Do this.

## Reflect
What changed?
"""


# Four questions: the importer asks for twice questions_per_attempt, at most 25% true/false
# and no more than 40% of single-choice keys being the longest option (here none is).
QUESTIONS = """\
questions:
  - id: d-01
    type: single
    lesson: first
    prompt: Which one?
    options:
      - {text: "Right", correct: true}
      - {text: "Wrong"}
    explanation: Because.
  - id: d-02
    type: true_false
    lesson: second
    prompt: True?
    answer: true
    explanation: Yes.
  - id: d-03
    type: ordering
    lesson: second
    prompt: Order these.
    items: [one, two, three]
    explanation: In order.
  - id: d-04
    type: single
    lesson: second
    prompt: Which fits a small group?
    options:
      - {text: "Five", correct: true}
      - {text: "Thirty"}
      - {text: "Everyone"}
    explanation: Small is few.
"""


def write_pack(root: Path) -> Path:
    program = root / "demo-program"
    module = program / "modules" / "demo-module"
    (module / "lessons").mkdir(parents=True)
    (program / "program.yaml").write_text(PROGRAM)
    (module / "module.yaml").write_text(MODULE)
    (module / "lessons" / "01-first.md").write_text(lesson("first", "First lesson"))
    (module / "lessons" / "02-second.md").write_text(lesson("second", "Second lesson"))
    (module / "questions.yaml").write_text(QUESTIONS)
    return program


def module_dir(program: Path) -> Path:
    return program / "modules" / "demo-module"


def write_pack_with(root: Path, program_tail: str) -> Path:
    """The demo pack with `program_tail` added at the end of program.yaml (the credential's
    keys, when indented under it)."""
    program = write_pack(root)
    path = program / "program.yaml"
    path.write_text(path.read_text() + program_tail)
    return program


def assert_problem_at_last_line(program: Path, message: str) -> None:
    """Reading the pack reports `message` at program.yaml's last line."""
    problems = pack_read(program).problems
    line = len((program / "program.yaml").read_text().splitlines())
    assert any(
        p.startswith(f"demo-program/program.yaml:{line}: ") and message in p for p in problems
    ), problems
