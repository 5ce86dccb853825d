"""Import the trainer layer and templates; score a trainer's calibration round."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from html.parser import HTMLParser

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from courses.content_extensions import extension_row_unchanged
from courses.models import ModuleVersion, Participant, Placement

from .models import CalibrationAttempt, ClassroomTemplate, ModuleMaterials


def materials_store(*, version: ModuleVersion, data: dict | None) -> None:
    """Called by the importer for every module it imported (content_extensions.py), inside its
    transaction: unchanged files change nothing; files removed from the pack remove the row."""
    if extension_row_unchanged(ModuleMaterials, version=version, data=data):
        return
    materials, _ = ModuleMaterials.objects.update_or_create(
        module_version=version,
        defaults={
            "content_hash": data["hash"],
            "guide": data["guide"],
            "calibration": data["calibration"],
            "updated_at": timezone.now(),
        },
    )
    materials.templates.all().delete()
    ClassroomTemplate.objects.bulk_create(
        ClassroomTemplate(
            materials=materials,
            slug=t["slug"],
            position=index,
            title=t["title"],
            description=t["description"],
            markdown=t["markdown"],
            html=t["html"],
        )
        for index, t in enumerate(data["templates"])
    )
    _material_links_changed()  # bulk_create sends no signal


def materials_for(*, version: ModuleVersion | None) -> ModuleMaterials | None:
    if version is None:
        return None
    return ModuleMaterials.objects.filter(module_version=version).first()


# --- What the module page and the trainer dashboard link to, kept per worker ---------------
#
# Materials change only when content is imported (materials_store) or an admin edits them,
# never by a trainer's or teacher's action, and every module page shows their links: each
# worker keeps the links of the versions it showed (a few hundred bytes each) for at most
# LINKS_TTL seconds, like the module versions themselves (courses/page_queries.py). An import
# or an edit drops every entry of the process that made it at once (and again when its
# transaction commits); other processes see it within LINKS_TTL.
LINKS_TTL = 60.0
LINKS_MAX = 256

_links_lock = threading.Lock()
_links: dict[int, tuple[float, MaterialLinks]] = {}


@dataclass(frozen=True)
class TemplateLink:
    slug: str
    title: str
    description: str


@dataclass(frozen=True)
class MaterialLinks:
    templates: tuple[TemplateLink, ...]
    guide: bool
    calibration: bool


NO_LINKS = MaterialLinks(templates=(), guide=False, calibration=False)


def material_links_forget(**_kwargs) -> None:
    with _links_lock:
        _links.clear()


def _material_links_changed(**_kwargs) -> None:
    material_links_forget()
    transaction.on_commit(material_links_forget)


# A new version (an import) too: its id may be one a dropped version had (SQLite reuses them).
for _model in (ModuleVersion, ModuleMaterials, ClassroomTemplate):
    post_save.connect(
        _material_links_changed, sender=_model, dispatch_uid=f"links-{_model.__name__}"
    )
    post_delete.connect(
        _material_links_changed, sender=_model, dispatch_uid=f"links-del-{_model.__name__}"
    )


def material_links(*, version: ModuleVersion | None) -> MaterialLinks:
    """The templates, guide and calibration set a module version's pages link to."""
    if version is None:
        return NO_LINKS
    now = time.monotonic()
    hit = _links.get(version.pk)
    if hit is not None and hit[0] > now:
        return hit[1]
    materials = (
        ModuleMaterials.objects.filter(module_version=version)
        .values("pk", "guide", "calibration")
        .first()
    )
    if materials is None:
        links = NO_LINKS
    else:
        links = MaterialLinks(
            templates=tuple(
                TemplateLink(*row)
                for row in ClassroomTemplate.objects.filter(materials_id=materials["pk"])
                .order_by("position")
                .values_list("slug", "title", "description")
            ),
            guide=bool(materials["guide"]),
            calibration=bool(materials["calibration"]),
        )
    with _links_lock:
        if len(_links) >= LINKS_MAX:
            _links.pop(min(_links, key=lambda k: _links[k][0]), None)
        _links[version.pk] = (now + LINKS_TTL, links)
    return links


def field_name(example_index: int, criterion_index: int) -> str:
    """The form field for one example and criterion: positions, not names, so a criterion
    with quotes or spaces makes no odd field name."""
    return f"e{example_index}-c{criterion_index}"


@dataclass
class CalibrationForm:
    """The scoring form, and what was chosen so far when a submission was refused."""

    examples: list[dict]
    rubric: list[dict]
    chosen: dict[str, str]
    missing: list[str]

    def rows(self) -> list[dict]:
        return [
            {
                "index": e_index,
                "example": example,
                "criteria": [
                    {
                        "field": field_name(e_index, c_index),
                        "criterion": criterion,
                        "chosen": self.chosen.get(field_name(e_index, c_index), ""),
                        "missing": field_name(e_index, c_index) in self.missing,
                    }
                    for c_index, criterion in enumerate(self.rubric)
                ],
            }
            for e_index, example in enumerate(self.examples)
        ]


def calibration_form(*, materials: ModuleMaterials, data=None) -> CalibrationForm:
    rubric = (materials.module_version.evidence_task or {}).get("rubric", [])
    examples = materials.calibration or []
    chosen, missing = {}, []
    for e_index, _example in enumerate(examples):
        for c_index, criterion in enumerate(rubric):
            name = field_name(e_index, c_index)
            labels = [lv["label"] for lv in criterion["levels"]]
            value = data.get(name, "") if data is not None else ""
            if value in labels:
                chosen[name] = value
            elif data is not None:
                missing.append(name)
    return CalibrationForm(examples=examples, rubric=rubric, chosen=chosen, missing=missing)


@transaction.atomic
def calibration_submit(
    *, participant: Participant, placement: Placement, materials: ModuleMaterials, form
) -> CalibrationAttempt:
    """Store a complete scoring (the caller checked `form.missing` is empty) beside the
    reference levels, criterion by criterion."""
    results, agreed = [], 0
    for row in form.rows():
        reference = {r["criterion"]: r for r in row["example"]["levels"]}
        for cell in row["criteria"]:
            name = cell["criterion"]["criterion"]
            ref = reference.get(name, {})
            same = cell["chosen"] == ref.get("level")
            agreed += same
            results.append(
                {
                    "example": row["example"]["id"],
                    "title": row["example"]["title"],
                    "criterion": name,
                    "chosen": cell["chosen"],
                    "reference": ref.get("level", ""),
                    "rationale": ref.get("rationale", ""),
                    "agreed": same,
                    "distance": _distance(cell["criterion"], cell["chosen"], ref.get("level")),
                }
            )
    return CalibrationAttempt.objects.create(
        participant=participant,
        placement=placement,
        module_version=materials.module_version,
        results=results,
        agreed=agreed,
        total=len(results),
    )


def _distance(criterion: dict, chosen: str, reference: str | None) -> int | None:
    """How many levels apart (positive: scored higher than the reference)."""
    labels = [lv["label"] for lv in criterion["levels"]]
    if chosen not in labels or reference not in labels:
        return None
    return labels.index(chosen) - labels.index(reference)


def calibration_attempts(*, participant: Participant, placement: Placement):
    return CalibrationAttempt.objects.filter(participant=participant, placement=placement).order_by(
        "-created_at", "-pk"
    )


def calibration_agreement(*, placement: Placement, module_version_id: int) -> dict:
    """How many of this course's trainers agreed with each reference level, from each trainer's
    latest round on this version: counts only, never who chose what."""
    latest: dict[int, CalibrationAttempt] = {}
    for attempt in CalibrationAttempt.objects.filter(
        placement=placement, module_version_id=module_version_id
    ).order_by("created_at", "pk"):
        latest[attempt.participant_id] = attempt
    counts: dict[tuple[str, str], list[int]] = {}
    for attempt in latest.values():
        for result in attempt.results:
            entry = counts.setdefault((result["example"], result["criterion"]), [0, 0])
            entry[0] += bool(result["agreed"])
            entry[1] += 1
    return counts


class _AgendaTable(HTMLParser):
    """The rows of the first table after the guide's "Agenda" heading, as lists of cell text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self._heading: list[str] | None = None
        self._in_agenda = False
        self._table_done = False
        self._depth = 0
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "h2":
            self._heading = []
        elif self._in_agenda and not self._table_done:
            if tag == "table":
                self._depth += 1
            elif tag == "tr" and self._depth:
                self.rows.append([])
            elif tag in ("td", "th") and self._depth:
                self._cell = []

    def handle_endtag(self, tag):
        if tag == "h2" and self._heading is not None:
            self._in_agenda = "".join(self._heading).strip() == "Agenda"
            self._heading = None
        elif tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table" and self._depth:
            self._depth -= 1
            self._table_done = not self._depth

    def handle_data(self, data):
        if self._heading is not None:
            self._heading.append(data)
        elif self._cell is not None:
            self._cell.append(data)


def guide_agenda(*, version: ModuleVersion) -> str:
    """The agenda of the version's facilitator guide as plain text, one segment a line
    ("0–10 min: Opening"), under the guide's title and length; "" when there is no guide.
    Registered with courses.agendas, where the cohort sessions app reads it."""
    materials = materials_for(version=version)
    guide = materials.guide if materials is not None else None
    if not guide:
        return ""
    table = _AgendaTable()
    table.feed(guide.get("html", ""))
    lines = [f"{guide.get('title', '')} ({guide.get('minutes', '')} minutes)".strip()]
    for row in table.rows[1:]:  # the first row is the header
        if len(row) >= 2 and (row[0] or row[1]):
            lines.append(f"{row[0]}: {row[1]}")
    return "\n".join(lines)
