"""How credentials answer the events and pages of the apps below (connected in apps.py)."""

from __future__ import annotations

from .issuing import credential_progress, credentials_award, credentials_resign
from .models import Achievement


def credentials_resign_on_compromise(sender, kid: str, **kwargs) -> str:
    """keys.key_compromised: sign again, with the active key, what the withdrawn key signed."""
    return f"credentials signed again with the active key: {credentials_resign(kid)}"


def credentials_award_on_mastery(sender, *, participant, cohort_id: int, origin: str, **kwargs):
    """mastery.mastery_reached: issue any credential the teacher has just earned."""
    return credentials_award(participant=participant, cohort_id=cohort_id, origin=origin)


def achievements_import(sender, *, program, credentials: list[dict], **kwargs) -> None:
    """courses.program_imported: keep the program's achievements as its pack defines them."""
    for c_data in credentials:
        Achievement.objects.update_or_create(
            slug=c_data["slug"],
            defaults={
                "program": program,
                "name": c_data["name"],
                "description": c_data["description"],
                "criteria": c_data["criteria"],
                "required_modules": c_data["required_modules"],
                "evidence_required": c_data["evidence_required"],
                "competencies": c_data.get("competencies", []),
                "requirements": c_data.get("requirements", {}),
            },
        )


def mastery_result_section(*, request, placement, module, attempt) -> dict:
    """The mastery result page (mastery/): the credentials this module counts towards."""
    if not attempt.mastered:
        return {"credentials": []}
    return {
        "credentials": credential_progress(
            participant=request.launch.participant,
            cohort_id=request.launch.claims.cohort_id,
            module_slug=module.slug,
        )
    }
