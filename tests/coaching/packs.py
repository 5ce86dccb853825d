"""The demo pack (tests/courses/packs.py) with a look-for tool of three look-fors on a four-level
scale, and a second credential that requires an observation."""

from __future__ import annotations

from pathlib import Path

from tests.courses.packs import module_dir, write_pack

TOOL = """\
title: Demo look-fors
purpose: Helps a coach see the demo idea in class.
scale:
  - level: 1
    label: Not yet
    description: Not seen.
  - level: 2
    label: Emerging
    description: Seen once.
  - level: 3
    label: Developing
    description: Seen for most of the visit.
  - level: 4
    label: Consistent
    description: Seen throughout.
look_fors:
  - slug: clear-goal
    who: teacher
    text: The lesson goal is posted and named.
    evidence: A goal on the board.
    lesson: first
  - slug: students-explain
    who: students
    text: Students explain their thinking to a partner.
    evidence: You hear "How do you know?"
    lesson: second
  - slug: quick-check
    who: teacher
    text: The teacher checks each student's thinking.
    evidence: Whiteboards up.
    lesson: second
notes_prompt: Write low-inference notes with times.
sources:
  - "Author, A. (2020). A Real Book. Publisher."
"""

OBSERVED_CREDENTIAL = """\
  - slug: observed-credential
    name: Observed Practitioner
    description: Uses the demo idea in class, as a coach saw.
    criteria: Mastery of the demo module and an observation at level 3 or above.
    required_modules: [demo-module]
    observation_required: {look_fors: [clear-goal, students-explain], min_level: 3}
"""


def write_coaching_pack(root: Path, *, credential: bool = True) -> Path:
    program = write_pack(root)
    (module_dir(program) / "observation.yaml").write_text(TOOL)
    if credential:
        path = program / "program.yaml"
        path.write_text(path.read_text() + OBSERVED_CREDENTIAL)
    return program


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    hits = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    return hits[occurrence - 1]
