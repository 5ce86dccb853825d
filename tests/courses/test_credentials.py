"""Micro-credentials: issued when earned, signed (VC-JWT, the tool's key), verifiable on a
public page, revocable by the cohort's trainers, shaped as Open Badges 3.0 credentials."""

from __future__ import annotations

import re
from io import StringIO

import jsonschema
import jwt
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from courses.models import Achievement, IssuedCredential
from keys.services import jwks
from mastery.models import Attempt, EvidenceSubmission
from tests.mastery.test_attempts import right_answers

from .packs import write_pack

INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"

# The required structure of an Open Badges 3.0 AchievementCredential (OB 3.0 data model,
# section B: OpenBadgeCredential, Profile, AchievementSubject, Achievement, Criteria).
OB3_REQUIRED = {
    "type": "object",
    "required": ["@context", "id", "type", "issuer", "validFrom", "credentialSubject"],
    "properties": {
        "@context": {
            "type": "array",
            "prefixItems": [
                {"const": "https://www.w3.org/ns/credentials/v2"},
                {
                    "pattern": "^https://purl.imsglobal.org/spec/ob/v3p0/context-3\\.0\\.[0-9]+\\.json$"
                },
            ],
        },
        "id": {"type": "string", "format": "uri"},
        "type": {
            "type": "array",
            "allOf": [
                {"contains": {"const": "VerifiableCredential"}},
                {"contains": {"const": "OpenBadgeCredential"}},
            ],
        },
        "issuer": {
            "type": "object",
            "required": ["id", "type"],
            "properties": {"type": {"type": "array", "contains": {"const": "Profile"}}},
        },
        "validFrom": {"type": "string", "format": "date-time"},
        "credentialSubject": {
            "type": "object",
            "required": ["achievement"],
            "properties": {
                "identifier": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["type", "identityHash", "identityType", "hashed"],
                    },
                },
                "achievement": {
                    "type": "object",
                    "required": ["id", "type", "name", "description", "criteria"],
                    "properties": {
                        "type": {"type": "array", "contains": {"const": "Achievement"}},
                        "criteria": {
                            "type": "object",
                            "anyOf": [
                                {"required": ["id"]},
                                {"required": ["narrative"]},
                            ],
                        },
                    },
                },
            },
        },
        "evidence": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type"],
                "properties": {"type": {"type": "array", "contains": {"const": "Evidence"}}},
            },
        },
    },
}


@pytest.fixture
def earned(launch_as, placement_of, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    teacher = launch_as(sub="maya", name="Maya Alvarez")
    trainer = launch_as(sub="priya", name="Priya Raman", roles=[INSTRUCTOR])
    pid = placement_of().pk
    start = teacher.post(f"/app/p/{pid}/mastery/")
    number = int(re.search(r"/mastery/(\d+)/", start["Location"]).group(1))
    attempt = Attempt.objects.get(number=number, placement_id=pid)
    teacher.post(f"/app/p/{pid}/mastery/{number}/", right_answers(attempt))
    assert IssuedCredential.objects.count() == 0  # evidence is required too
    teacher.post(f"/app/p/{pid}/evidence/", {"file": SimpleUploadedFile("p.pdf", PDF)})
    evidence = EvidenceSubmission.objects.get()
    trainer.post(
        f"/app/trainer/evidence/{evidence.pk}/",
        {"level-0": "1", "feedback": "Clear plan, well run.", "decision": "accept"},
    )
    return teacher, trainer, IssuedCredential.objects.get()


def test_a_credential_is_issued_when_earned_and_signed(earned):
    teacher, _, issued = earned
    assert issued.achievement.slug == "demo-credential"
    credential = issued.credential
    jsonschema.validate(credential, OB3_REQUIRED, format_checker=jsonschema.FormatChecker())
    assert credential["credentialSubject"]["achievement"]["name"] == "Demo Practitioner"
    assert "maya" not in str(credential["credentialSubject"]).lower()  # hashed identity only
    narratives = " ".join(e["narrative"] for e in credential["evidence"])
    assert "Scored 100%" in narratives and "Clear plan, well run." in narratives
    key = jwt.PyJWK(jwks()["keys"][0]).key
    claims = jwt.decode(issued.jwt, key, algorithms=["RS256"])
    assert claims["vc"] == credential and claims["jti"] == credential["id"]
    page = teacher.get("/app/credentials/").content.decode()
    assert 'data-testid="credential"' in page and "Demo Practitioner" in page


def test_public_verification_json_and_download(earned, client):
    _, _, issued = earned
    page = client.get(f"/credentials/{issued.public_id}/")
    assert page.status_code == 200
    assert 'data-valid="true"' in page.content.decode() and "Maya Alvarez" in page.content.decode()
    assert client.get(f"/credentials/{issued.public_id}.json").json() == issued.credential
    download = client.get(f"/credentials/{issued.public_id}.jwt")
    assert (
        download["Content-Type"] == "application/vc+jwt" and download.content.decode() == issued.jwt
    )
    assert client.get("/achievements/demo-credential/image.svg")["Content-Type"] == "image/svg+xml"
    import uuid

    assert client.get(f"/credentials/{uuid.uuid4()}/").status_code == 404


def test_a_revoked_credential_fails_verification(earned, client):
    teacher, trainer, issued = earned
    assert teacher.post(f"/app/trainer/credentials/{issued.pk}/revoke/").status_code == 403
    response = trainer.post(
        f"/app/trainer/credentials/{issued.pk}/revoke/", {"reason": "Issued in error"}
    )
    assert response.status_code == 303
    page = client.get(f"/credentials/{issued.public_id}/").content.decode()
    assert 'data-valid="false"' in page and "Issued in error" in page


def test_a_tampered_credential_fails_verification(earned, client):
    _, _, issued = earned
    issued.credential["name"] = "Something else"
    issued.save()
    page = client.get(f"/credentials/{issued.public_id}/").content.decode()
    assert 'data-valid="false"' in page and "does not match" in page


def test_trainers_of_another_course_cannot_revoke(earned, launch_as):
    _, _, issued = earned
    other = launch_as(sub="chris", name="Chris", roles=[INSTRUCTOR], link="l9", context="c9")
    assert other.post(f"/app/trainer/credentials/{issued.pk}/revoke/").status_code == 404
    issued.refresh_from_db()
    assert issued.revoked_at is None


def test_a_credential_naming_an_unknown_module_is_a_pack_error(tmp_path, db):
    program = write_pack(tmp_path)
    path = program / "program.yaml"
    path.write_text(
        path.read_text().replace("required_modules: [demo-module]", "required_modules: [nope]")
    )
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_content", str(program), stdout=StringIO(), stderr=err)
    assert (
        "program.yaml:" in err.getvalue()
        and "'nope' is not a module of this program" in err.getvalue()
    )
    assert Achievement.objects.count() == 0
