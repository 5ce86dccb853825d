"""The demo pack (tests/courses/packs.py) with a facilitator guide, a calibration set and a
classroom template, on a rubric of two criteria with three levels each."""

from __future__ import annotations

from pathlib import Path

from tests.courses.packs import module_dir, write_pack

RUBRIC = """\
  rubric:
    - criterion: Plan fits the goal
      levels:
        - {label: Beginning, description: Not yet aligned}
        - {label: Developing, description: Partly aligned}
        - {label: Proficient, description: Aligned}
    - criterion: Reflection uses evidence
      levels:
        - {label: Beginning, description: Describes only}
        - {label: Developing, description: Names causes}
        - {label: Proficient, description: Uses student work}
"""

GUIDE = """\
---
title: Leading the demo session
minutes: 75
summary: A session for tests.
---
## Agenda

| Time | What |
|---|---|
| 0-10 | Opening <script>alert(1)</script> |

## Discussion protocol

1. Score silently. <a href="javascript:alert(1)" onclick="x()">bad link</a>

## Common misconceptions

- Busywork is a station.

## What to look for in the evidence

Groups from data.
"""


def example(eid: str, title: str, plan: str, reflection: str) -> str:
    return f"""\
  - id: {eid}
    title: {title}
    submission: |
      A plan and a reflection for {eid}.
    levels:
      - criterion: Plan fits the goal
        level: {plan}
        rationale: The plan for {eid} is {plan}.
      - criterion: Reflection uses evidence
        level: {reflection}
        rationale: The reflection for {eid} is {reflection}.
"""


CALIBRATION = (
    "examples:\n"
    + example("low", "A first try", "Beginning", "Developing")
    + example("middle", "Getting there", "Developing", "Developing")
    + example("high", "Strong work", "Proficient", "Proficient")
)

TEMPLATE = """\
---
title: Demo planning chart
description: Plan your stations on one page.
---
## Stations

| Station | Job | Task |
|---|---|---|
| Teacher-led | | |
"""


def write_facilitation_pack(root: Path) -> Path:
    program = write_pack(root)
    module = module_dir(program)
    text = (module / "module.yaml").read_text()
    start, end = text.index("  rubric:"), text.index("mastery:")
    (module / "module.yaml").write_text(text[:start] + RUBRIC + text[end:])
    (module / "facilitator.md").write_text(GUIDE)
    (module / "calibration.yaml").write_text(CALIBRATION)
    (module / "templates").mkdir()
    (module / "templates" / "planning-chart.md").write_text(TEMPLATE)
    return program


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """The 1-based line of the n-th line containing `needle`."""
    hits = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    return hits[occurrence - 1]
