"""`observation_required` in program.yaml: read with file:line problems; a credential that
requires an observation is issued once a shared observation at the level is reflected on; its
evidence names the observation (date, look-fors, levels, the coach's role, never the notes)
only with the teacher's consent; it passes the OB 3.0 schema and an independent verifier."""

from __future__ import annotations

import json
import re

import jwt
import pytest

from coaching.models import CoachingCycle
from credentials.models import Achievement, IssuedCredential
from mastery.models import Attempt
from tests.courses.packs import assert_problem_at_last_line
from tests.credentials.test_credentials import schema_errors
from tests.mastery.test_attempts import right_answers

from .conftest import FULL, open_cycle
from .packs import OBSERVED_CREDENTIAL, write_coaching_pack

BOTH_AT_THREE = {**FULL, "r-students-explain": "3", "observed_on": "2026-12-01"}


def master(people) -> None:
    teacher, pid = people["teacher"], people["pid"]
    start = teacher.post(f"/app/p/{pid}/mastery/")
    number = int(re.search(r"/mastery/(\d+)/", start["Location"]).group(1))
    attempt = Attempt.objects.get(number=number, placement_id=pid)
    teacher.post(f"/app/p/{pid}/mastery/{number}/", right_answers(attempt))


def observe_and_share(people, data, cid=None) -> int:
    cid = cid or open_cycle(people)
    people["coach"].get(f"/app/trainer/coaching/{cid}/observe/")
    response = people["coach"].post(
        f"/app/trainer/coaching/{cid}/observe/", {**data, "action": "share"}
    )
    assert response.status_code == 303
    return cid


def observed(issued: IssuedCredential) -> list[dict]:
    return [e for e in issued.credential["evidence"] if e.get("genre") == "Observation"]


def test_the_key_is_kept_resolved_to_its_module(demo_pack):
    achievement = Achievement.objects.get(slug="observed-credential")
    assert achievement.requirements == {
        "observation_required": {
            "module": "demo-module",
            "look_fors": ["clear-goal", "students-explain"],
            "min_level": 3,
        }
    }


def test_the_credential_waits_for_the_level_and_the_reflection_then_names_the_observation(
    people, client
):
    master(people)
    teacher = people["teacher"]
    first = observe_and_share(people, FULL)  # students-explain at 2: not enough
    teacher.post(f"/app/coaching/{first}/reflect/", {"reflection": "OK", "evidence_consent": "1"})
    assert not IssuedCredential.objects.exists()
    people["coach"].post(f"/app/trainer/coaching/{first}/close/", {"goal_met": "no", "next": "1"})
    second = CoachingCycle.objects.get(previous_id=first).pk
    observe_and_share(people, BOTH_AT_THREE, cid=second)
    assert not IssuedCredential.objects.exists()  # the teacher has not answered yet
    teacher.post(
        f"/app/coaching/{second}/reflect/", {"reflection": "Better", "evidence_consent": "1"}
    )
    issued = IssuedCredential.objects.get(achievement__slug="observed-credential")
    [entry] = observed(issued)
    assert "2026-12-01" in entry["narrative"] and "by a coach" in entry["narrative"]
    assert "The lesson goal is posted and named. - level 3 of 4 (Developing)" in entry["narrative"]
    text = json.dumps(issued.credential)
    assert "09:05 goal posted" not in text and "Every student could name" not in text
    assert "Priya" not in text  # the coach's role, not their name
    assert schema_errors(issued.credential) == []

    from cryptography.hazmat.primitives import serialization
    from openbadgeslib.ob3 import OB3Verifier

    public_key = jwt.PyJWK(jwt.get_unverified_header(issued.jwt)["jwk"]).key
    pem = public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )

    def fetch(url: str) -> bytes:
        return client.get(url.removeprefix("http://testserver")).content

    verified = OB3Verifier(pem).verify(
        issued.jwt, check_status=True, verify_status_list=True, download=fetch
    )
    assert verified.issuer.id == issued.credential["issuer"]["id"]


def test_without_consent_the_observation_counts_but_is_not_described(people):
    master(people)
    cid = observe_and_share(people, BOTH_AT_THREE)
    people["teacher"].post(f"/app/coaching/{cid}/reflect/", {"reflection": "Fine"})
    issued = IssuedCredential.objects.get(achievement__slug="observed-credential")
    assert observed(issued) == []
    assert "2026-12-01" not in json.dumps(issued.credential)
    assert schema_errors(issued.credential) == []


def test_an_unshared_draft_never_counts(people):
    master(people)
    cid = open_cycle(people)
    people["coach"].get(f"/app/trainer/coaching/{cid}/observe/")
    people["coach"].post(
        f"/app/trainer/coaching/{cid}/observe/", {**BOTH_AT_THREE, "action": "save"}
    )
    people["teacher"].post(f"/app/coaching/{cid}/reflect/", {"reflection": "x"})
    assert not IssuedCredential.objects.exists()


@pytest.mark.parametrize(
    "value, message",
    [
        ("3", "must be a mapping"),
        ("{look_fors: [clear-goal], min_level: 9}", "min_level must be a whole number from 1 to 6"),
        ("{look_fors: [], min_level: 3}", "look_fors must list one or more"),
        ("{look_fors: [nowhere], min_level: 3}", "nowhere must all be look-fors"),
        (
            "{look_fors: [clear-goal], min_level: 3, module: other}",
            "module 'other' is not a module",
        ),
        ("{look_fors: [clear-goal], min_level: 3, weight: 1}", "unknown key 'weight'"),
    ],
)
def test_a_bad_requirement_is_a_problem_at_its_line(tmp_path, value, message):
    program = write_coaching_pack(tmp_path, credential=False)
    path = program / "program.yaml"
    line = OBSERVED_CREDENTIAL.splitlines()[-1].split(":")[0] + ": " + value
    path.write_text(
        path.read_text() + "\n".join(OBSERVED_CREDENTIAL.splitlines()[:-1] + [line]) + "\n"
    )
    assert_problem_at_last_line(program, message)
