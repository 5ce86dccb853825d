"""Credential requirements other apps own (courses.content_extensions.CredentialKey and
credentials.requirements.Requirement): read and validated from program.yaml with file:line
problems, checked before a credential is issued, named in its evidence when the owning app says
so, and never passed when no app answers for them."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from courses import content_extensions
from courses.content_extensions import CredentialKey, credential_key_register
from credentials import requirements
from credentials.models import Achievement, IssuedCredential
from credentials.requirements import (
    Requirement,
    RequirementStatus,
    credentials_recheck,
    requirement_register,
)
from tests.courses.packs import assert_problem_at_last_line, write_pack_with

from .test_credentials import master_and_accept, schema_errors

ATTENDED: dict[str, int] = {}


def _read(value, fields, *, modules):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        fields.problem("demo_sessions", "demo_sessions must be a whole number of at least 1")
        return None
    return value


def _check(*, value, participant, cohort_id, achievement):
    attended = ATTENDED.get(participant.name, 0)
    return RequirementStatus(
        met=attended >= value,
        label=f"Attend {value} cohort sessions",
        detail=f"{attended} of {value} attended",
        evidence=[
            {
                "type": ["Evidence"],
                "name": "Cohort sessions attended",
                "narrative": f"Attended {attended} cohort sessions.",
            }
        ],
    )


@pytest.fixture(autouse=True)
def registered(monkeypatch):
    monkeypatch.setattr(content_extensions, "_credential_keys", {})
    monkeypatch.setattr(requirements, "_registry", {})
    credential_key_register(CredentialKey(name="demo_sessions", read=_read))
    requirement_register(Requirement(name="demo_sessions", check=_check))
    ATTENDED.clear()


@pytest.fixture
def demo_pack(tmp_path, db):
    program = write_pack_with(tmp_path / "packs", "    demo_sessions: 2\n")
    call_command("import_content", str(program), stdout=StringIO())
    return program


def test_the_key_is_kept_with_the_achievement(demo_pack):
    assert Achievement.objects.get().requirements == {"demo_sessions": 2}


def test_an_unmet_requirement_holds_the_credential_back_and_says_why(
    demo_pack, launch_as, placement_of, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    ATTENDED["Maya Alvarez"] = 1
    teacher, _, attempt, results = master_and_accept(launch_as, placement_of)
    assert IssuedCredential.objects.count() == 0  # mastery and evidence alone are not enough
    page = teacher.get(results).content.decode()
    assert 'data-testid="credential-missing"' in page
    assert "Attend 2 cohort sessions (1 of 2 attended)" in page

    ATTENDED["Maya Alvarez"] = 2
    issued = credentials_recheck(
        participant=attempt.participant,
        cohort_id=attempt.placement.cohort_id,
        origin="http://testserver",
    )
    assert [c.achievement.slug for c in issued] == ["demo-credential"]
    evidence = issued[0].credential["evidence"]
    assert evidence[-1]["name"] == "Cohort sessions attended"
    assert "Attended 2 cohort sessions." in evidence[-1]["narrative"]
    assert schema_errors(issued[0].credential) == []
    # A second recheck issues nothing more.
    assert (
        credentials_recheck(
            participant=attempt.participant,
            cohort_id=attempt.placement.cohort_id,
            origin="http://testserver",
        )
        == []
    )


def test_a_requirement_no_app_answers_for_is_never_met(
    demo_pack, launch_as, placement_of, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    Achievement.objects.update(requirements={"ghost_required": 1})
    master_and_accept(launch_as, placement_of)
    assert IssuedCredential.objects.count() == 0


@pytest.mark.parametrize(
    "line, message",
    [
        ("    demo_sessions: none\n", "demo_sessions must be a whole number of at least 1"),
        ("    ghost_required: 1\n", "unknown key 'ghost_required'"),
    ],
)
def test_a_bad_or_unknown_key_is_a_problem_with_its_line(tmp_path, line, message):
    assert_problem_at_last_line(write_pack_with(tmp_path, line), message)
