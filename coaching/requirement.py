"""`observation_required` in program.yaml: a credential that asks for an observation of practice
at or above a level on named look-fors (docs/content-packs.md, "Observation required").

    observation_required:
      module: station-rotation          # optional when one module's tool has every look-for
      look_fors: [transitions-run-themselves, group-from-recent-data]
      min_level: 3

Met by one shared observation of the teacher, in a cycle of the cohort on that module, that
rates every named look-for at `min_level` or above, once the teacher has reflected on it. The
consent question is on the reflection form, so no credential goes out before the teacher has
said whether it may describe the observation. The credential's evidence names the observation
(date, look-fors and levels, the coach's role; never the notes) only when the teacher consented;
without consent the requirement still counts.
"""

from __future__ import annotations

from pathlib import Path

from courses.content import Node
from credentials.requirements import RequirementStatus

from .content import tool_read
from .models import Observation

KEY = "observation_required"


class _Quiet:
    """A problem sink that drops what it hears: the tool's own problems are reported when the
    module folder is read; here the tool is read only to know its look-fors."""

    def add(self, path: Path, line: int, message: str) -> None:
        return None


def _tool_slugs(program_folder: Path, module: str) -> set[str] | None:
    folder = program_folder / "modules" / module
    path = folder / "observation.yaml"
    if not path.is_file():
        return None
    tool = tool_read(path, _Quiet(), set())
    return {lf["slug"] for lf in (tool or {}).get("look_fors", []) if lf["slug"]}


def observation_required_read(value, fields, *, modules) -> dict | None:
    """The CredentialKey's read: problems through `fields.problem` at the key's line."""
    where = "observation_required"
    if not isinstance(value, Node):
        fields.problem(where, f"{where} must be a mapping: {{look_fors: [...], min_level: 3}}")
        return None
    unknown = set(value) - {"module", "look_fors", "min_level"}
    if unknown:
        fields.problem(
            where,
            f"{where}: unknown key {sorted(unknown)[0]!r} (allowed: look_fors, min_level, module)",
        )
        return None
    look_fors = value.get("look_fors")
    if (
        not isinstance(look_fors, list)
        or not look_fors
        or not all(isinstance(s, str) and s.strip() for s in look_fors)
    ):
        fields.problem(where, f"{where}: look_fors must list one or more look-for slugs")
        return None
    look_fors = [s.strip() for s in look_fors]
    if len(set(look_fors)) != len(look_fors):
        fields.problem(where, f"{where}: a look-for is named twice")
        return None
    min_level = value.get("min_level")
    if isinstance(min_level, bool) or not isinstance(min_level, int) or not 1 <= min_level <= 6:
        fields.problem(where, f"{where}: min_level must be a whole number from 1 to 6")
        return None
    program_folder = Path(fields.path).parent
    module = value.get("module")
    if module is not None:
        if not isinstance(module, str) or module not in modules:
            fields.problem(where, f"{where}: module {module!r} is not a module of this program")
            return None
        candidates = [module]
    else:
        candidates = sorted(modules)
    found = None
    for name in candidates:
        slugs = _tool_slugs(program_folder, name)
        if slugs is not None and set(look_fors) <= slugs:
            found = name
            break
    if found is None:
        where_text = f"the look-for tool of {module!r}" if module else "one module's look-for tool"
        fields.problem(
            where,
            f"{where}: {', '.join(look_fors)} must all be look-fors of {where_text} "
            "(modules/<module>/observation.yaml)",
        )
        return None
    return {"module": found, "look_fors": look_fors, "min_level": min_level}


def _meets(observation: Observation, value: dict) -> bool:
    return all(
        (observation.ratings.get(slug) or 0) >= value["min_level"] for slug in value["look_fors"]
    )


def evidence_entry(observation: Observation, value: dict) -> dict:
    """An Open Badges 3.0 Evidence entry naming the observation: date, look-fors and levels,
    the coach's role. Never the notes, the strength or the next step."""
    tool = observation.tool
    labels = {lv["level"]: lv["label"] for lv in tool["scale"]}
    texts = {lf["slug"]: lf["text"] for lf in tool["look_fors"]}
    top = len(tool["scale"])
    rated = "; ".join(
        f"{texts.get(slug, slug)} - level {observation.ratings[slug]} of {top} "
        f"({labels.get(observation.ratings[slug], '')})"
        for slug in value["look_fors"]
    )
    return {
        "type": ["Evidence"],
        "name": f"Observation of practice: {tool['title']}",
        "description": (
            f"Classroom observation on {observation.observed_on.isoformat()} by a coach "
            "(a trainer of the teacher's cohort), with the module's look-for tool."
        ),
        "narrative": f"Observed on {observation.observed_on.isoformat()} by a coach (a trainer "
        f"of the cohort). Look-fors and levels: {rated}.",
        "genre": "Observation",
    }


def observation_required_check(*, value, participant, cohort_id, achievement) -> RequirementStatus:
    look_fors = value["look_fors"]
    label = (
        f"An observation of practice at level {value['min_level']} or above on "
        f"{len(look_fors)} look-for{'s' if len(look_fors) != 1 else ''} of {value['module']}"
    )
    observations = list(
        Observation.objects.filter(
            cycle__teacher=participant,
            cycle__cohort_id=cohort_id,
            cycle__placement__module_slug=value["module"],
            shared_at__isnull=False,
        ).order_by("-evidence_consent", "observed_on", "pk")
    )
    meeting = [o for o in observations if _meets(o, value) and o.reflected_at is not None]
    if meeting:
        chosen = meeting[0]
        return RequirementStatus(
            met=True,
            label=label,
            detail=f"observed on {chosen.observed_on.isoformat()}",
            evidence=[evidence_entry(chosen, value)] if chosen.evidence_consent else [],
        )
    if not observations:
        detail = "no observation shared yet"
    elif any(_meets(o, value) for o in observations):
        detail = "observed at that level: counts once you reflect on the feedback"
    else:
        best = max(
            sum(1 for s in look_fors if (o.ratings.get(s) or 0) >= value["min_level"])
            for o in observations
        )
        detail = f"best so far: {best} of {len(look_fors)} at that level"
    return RequirementStatus(met=False, label=label, detail=detail)
