"""The coaching pages' posted fields. They only read what is posted (a form here is never
invalid): the services refuse, in the order the pages have always answered in, what the state
of the cycle and the typed values do not allow (a closed cycle says so before a bad date)."""

from __future__ import annotations

from pagesession.forms import Flag, Id, Parsed, Text


class CycleOpenForm(Parsed):
    teacher = Id()
    placement = Id()
    goal = Text()
    planned_on = Text()

    def values(self) -> dict:
        data = dict(super().values())
        return {
            "teacher_id": data.pop("teacher"),
            "placement_id": data.pop("placement"),
            **data,
        }


class CyclePlanForm(Parsed):
    goal = Text()
    planned_on = Text()


class CycleCloseForm(Parsed):
    """Goal met ("yes" or "no"); `next=1` opens the next cycle with its goal and date."""

    goal_met = Text()
    next = Flag(on="1")
    goal = Text()
    planned_on = Text()

    def values(self) -> dict:
        data = dict(super().values())
        return {"next_cycle": data.pop("next"), **data}


class GradebookForm(Parsed):
    placement = Id()
    on = Flag(on="1")

    def values(self) -> dict:
        data = dict(super().values())
        return {"placement_id": data.pop("placement"), **data}


class GoalProposalForm(Parsed):
    goal_proposal = Text()


class ReflectionForm(Parsed):
    reflection = Text()
    response = Text()
    evidence_consent = Flag(on="1")


class ObservationForm(Parsed):
    """The observation as posted: a level per look-for of the tool (`r-<slug>`), the notes and
    feedback; `action=share` shares it. `answers()` is what observation_read checks."""

    notes = Text()
    strength = Text()
    next_step = Text()
    strength_look_for = Text()
    resource_lesson = Text()
    observed_on = Text()
    action = Text()

    def __init__(self, *args, tool: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for look_for in tool["look_fors"]:
            self.fields[f"r-{look_for['slug']}"] = Text()

    @property
    def share(self) -> bool:
        return self.values()["action"] == "share"

    def answers(self) -> dict[str, str]:
        return {k: v for k, v in self.values().items() if k != "action"}
