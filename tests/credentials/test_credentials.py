"""Micro-credentials: issued when earned, signed (VC-JWT, the tool's key), verifiable on a
public page, revocable by the cohort's trainers, shaped as Open Badges 3.0 credentials.

Over 400 lines: the credential's life (issue, verify, share, revoke, reissue, re-sign) tested
through one earned credential fixture."""

from __future__ import annotations

import copy
import re
from datetime import datetime
from io import StringIO

import jsonschema
import jwt
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from credentials.checks import credential_urls
from credentials.models import Achievement, IssuedCredential
from credentials.status_lists import STATUS_LIST_SIZE, decode_status_list, encode_status_list
from keys.models import ToolKey
from keys.services import SignatureError, key_retire_expired, verify_own_jwt
from mastery.models import Attempt, EvidenceSubmission
from tests import ob3_schema
from tests.courses.packs import write_pack
from tests.mastery.test_attempts import right_answers

CREDENTIAL_SCHEMA = "ob_v3p0_achievementcredential_schema.json"
PROFILE_SCHEMA = "ob_v3p0_profile_schema.json"

INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def published_validator(name: str) -> jsonschema.Draft201909Validator:
    """A validator for a published 1EdTech Open Badges 3.0 schema (draft 2019-09)."""
    schema = ob3_schema.load(name)
    jsonschema.Draft201909Validator.check_schema(schema)
    return jsonschema.Draft201909Validator(
        schema, format_checker=jsonschema.Draft201909Validator.FORMAT_CHECKER
    )


def schema_errors(document: dict, name: str = CREDENTIAL_SCHEMA) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in published_validator(name).iter_errors(document)
    ]


def master_and_accept(launch_as, placement_of):
    """Maya masters the demo module and Priya, her trainer, accepts her evidence of practice:
    (teacher, trainer, the counted attempt, the result page's URL)."""
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
    return teacher, trainer, attempt, start["Location"]


@pytest.fixture
def earned(launch_as, placement_of, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    teacher, trainer, _, _ = master_and_accept(launch_as, placement_of)
    return teacher, trainer, IssuedCredential.objects.get()


def test_the_results_page_says_what_is_left_and_then_that_it_is_earned(
    launch_as, placement_of, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    teacher = launch_as(sub="maya", name="Maya Alvarez")
    trainer = launch_as(sub="priya", name="Priya Raman", roles=[INSTRUCTOR])
    pid = placement_of().pk
    start = teacher.post(f"/app/p/{pid}/mastery/")
    results = start["Location"]
    number = int(re.search(r"/mastery/(\d+)/", results).group(1))
    attempt = Attempt.objects.get(number=number, placement_id=pid)
    teacher.post(f"/app/p/{pid}/mastery/{number}/", right_answers(attempt))
    page = teacher.get(results).content.decode()
    assert 'data-testid="credential-missing"' in page and "Demo Practitioner" in page
    assert "evidence of practice, accepted by a trainer" in page
    teacher.post(f"/app/p/{pid}/evidence/", {"file": SimpleUploadedFile("p.pdf", PDF)})
    evidence = EvidenceSubmission.objects.get()
    trainer.post(
        f"/app/trainer/evidence/{evidence.pk}/",
        {"level-0": "1", "feedback": "Clear plan.", "decision": "accept"},
    )
    page = teacher.get(results).content.decode()
    assert 'data-testid="credential-earned"' in page and "You earned Demo Practitioner" in page


def test_a_credential_is_issued_when_earned_and_signed(earned):
    teacher, _, issued = earned
    assert issued.achievement.slug == "demo-credential"
    credential = issued.credential
    assert schema_errors(credential) == []
    assert credential["credentialSubject"]["achievement"]["name"] == "Demo Practitioner"
    assert "maya" not in str(credential["credentialSubject"]).lower()  # hashed identity only
    narratives = " ".join(e["narrative"] for e in credential["evidence"])
    assert "Scored 100%" in narratives and "Clear plan, well run." in narratives
    (result,) = credential["credentialSubject"]["result"]
    (description,) = credential["credentialSubject"]["achievement"]["resultDescription"]
    assert result["resultDescription"] == description["id"] and result["value"] == "100"
    page = teacher.get("/app/credentials/").content.decode()
    assert 'data-testid="credential"' in page and "Demo Practitioner" in page


def test_the_signed_token_follows_the_ob3_jwt_proof_format(earned, client):
    _, _, issued = earned
    credential = issued.credential
    header = jwt.get_unverified_header(issued.jwt)
    # OB 3.0 section 8.2: alg, kid (a URL that dereferences to the JWK), jwk, typ; nothing else.
    assert set(header) <= {"alg", "kid", "jwk", "typ"} and header["alg"] == "RS256"
    assert header["kid"].startswith("http://testserver/credentials/keys/")
    published = client.get(header["kid"].removeprefix("http://testserver")).json()
    assert published == header["jwk"] and "d" not in published
    claims = jwt.decode(issued.jwt, jwt.PyJWK(published).key, algorithms=["RS256"])
    # The payload is the credential itself plus the registered claims that mirror it.
    assert {k: v for k, v in claims.items() if k not in ("iss", "jti", "nbf", "sub")} == credential
    assert claims["iss"] == credential["issuer"]["id"]
    assert claims["jti"] == credential["id"]
    assert claims["sub"] == credential["credentialSubject"]["id"]
    assert claims["sub"].startswith("urn:uuid:")
    valid_from = datetime.fromisoformat(credential["validFrom"].replace("Z", "+00:00"))
    assert claims["nbf"] == int(valid_from.timestamp())


def test_the_issuer_profile_is_served_at_the_issuer_id(earned, client):
    _, _, issued = earned
    issuer_id = issued.credential["issuer"]["id"]
    profile = client.get(issuer_id.removeprefix("http://testserver"))
    assert profile.status_code == 200
    assert profile.json()["id"] == issuer_id
    assert schema_errors(profile.json(), PROFILE_SCHEMA) == []


def test_the_published_schema_refuses_a_broken_credential(earned):
    """The schema test has teeth: what OB 3.0 requires, removed, is caught."""
    _, _, issued = earned
    for path, breaks in [
        (("credentialSubject", "achievement"), "criteria"),
        ((), "validFrom"),
        (("issuer",), "id"),
    ]:
        broken = copy.deepcopy(issued.credential)
        node = broken
        for key in path:
            node = node[key]
        del node[breaks]
        assert schema_errors(broken), f"a credential without {breaks} passed the schema"
    for key, bad in [("type", ["VerifiableCredential"]), ("validFrom", "2026-13-45T00:00:00Z")]:
        broken = {**copy.deepcopy(issued.credential), key: bad}
        assert schema_errors(broken), f"{key}={bad!r} passed the schema"
    wrong_context = copy.deepcopy(issued.credential)
    wrong_context["@context"] = ["https://www.w3.org/2018/credentials/v1"]
    assert schema_errors(wrong_context)


def test_the_schemas_are_the_published_files():
    for name in (CREDENTIAL_SCHEMA, PROFILE_SCHEMA):
        schema = ob3_schema.load(name)
        assert schema["$id"] == ob3_schema.BASE_URL + name


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


def _status_bit(client, credential) -> bool:
    entry = credential["credentialStatus"]
    response = client.get(entry["statusListCredential"].removeprefix("http://testserver"))
    assert response.status_code == 200 and response["Content-Type"] == "application/vc+jwt"
    token = response.content.decode()
    header = jwt.get_unverified_header(token)
    key = client.get(header["kid"].removeprefix("http://testserver")).json()
    status = jwt.decode(token, jwt.PyJWK(key).key, algorithms=["RS256"])
    assert status["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert status["issuer"]["id"] == credential["issuer"]["id"]
    subject = status["credentialSubject"]
    assert subject["statusPurpose"] == entry["statusPurpose"] == "revocation"
    bits = decode_status_list(subject["encodedList"])
    assert len(bits) * 8 == STATUS_LIST_SIZE  # the spec's minimum size, for herd privacy
    index = int(entry["statusListIndex"])
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def test_revocation_is_published_in_the_bitstring_status_list(earned, client):
    _, trainer, issued = earned
    entry = issued.credential["credentialStatus"]
    assert entry["type"] == "BitstringStatusListEntry"
    assert _status_bit(client, issued.credential) is False
    trainer.post(f"/app/trainer/credentials/{issued.pk}/revoke/", {"reason": "Issued in error"})
    assert _status_bit(client, issued.credential) is True
    assert client.get("/credentials/status/2").status_code == 404
    assert client.get("/credentials/status/0").status_code == 404


def test_an_independent_ob3_verifier_accepts_it_and_sees_the_revocation(earned, client):
    """openbadgeslib (a separate Open Badges 3.0 implementation) verifies the VC-JWT, fetches
    the status list named in the credential, checks that list's own signature, and then
    refuses the credential once a trainer revokes it."""
    from cryptography.hazmat.primitives import serialization
    from openbadgeslib.ob3 import OB3VerificationError, OB3Verifier

    _, trainer, issued = earned
    header = jwt.get_unverified_header(issued.jwt)
    public_key = jwt.PyJWK(header["jwk"]).key
    pem = public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )

    def fetch(url: str) -> bytes:
        response = client.get(url.removeprefix("http://testserver"))
        assert response.status_code == 200, url
        return response.content

    verifier = OB3Verifier(pem)
    verified = verifier.verify(
        issued.jwt, check_status=True, verify_status_list=True, download=fetch
    )
    assert verified.issuer.id == issued.credential["issuer"]["id"]
    trainer.post(f"/app/trainer/credentials/{issued.pk}/revoke/", {"reason": "Issued in error"})
    with pytest.raises(OB3VerificationError, match="'revocation' is set"):
        verifier.verify(issued.jwt, check_status=True, verify_status_list=True, download=fetch)


def test_the_baked_badge_carries_the_signed_credential(earned, client):
    from openbadgeslib.ob3 import OB3Verifier

    _, _, issued = earned
    response = client.get(f"/credentials/{issued.public_id}.svg")
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    svg = response.content
    assert b'xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"' in svg
    # An independent implementation finds the compact JWS where OB 3.0 section 5.3 puts it.
    assert OB3Verifier.extract_token_from_svg(svg) == issued.jwt


def test_the_status_list_encoding_round_trips():
    bits = bytearray(STATUS_LIST_SIZE // 8)
    bits[0] = 0b1000_0001  # indexes 0 and 7
    bits[-1] = 0b0000_0001  # the last index
    encoded = encode_status_list(bytes(bits))
    assert encoded.startswith("u") and "=" not in encoded
    assert decode_status_list(encoded) == bytes(bits)
    assert len(encoded) < 200  # mostly zeros: GZIP makes 16 KB small


def test_rotating_the_tool_key_does_not_break_issued_credentials(earned, client):
    _, _, issued = earned
    call_command("keys", "rotate", "--grace-hours", "0", stdout=StringIO())

    key_retire_expired()
    page = client.get(f"/credentials/{issued.public_id}/").content.decode()
    assert 'data-valid="true"' in page


def test_a_compromised_key_is_withdrawn_and_its_credentials_signed_again(earned, client):

    _, _, issued = earned
    old_token = issued.jwt
    old_kid = ToolKey.objects.get(status="active").kid
    assert _status_bit(client, issued.credential) is False  # a list signed by the old key
    out = StringIO()
    call_command("keys", "compromised", "--kid", old_kid, stdout=out)
    assert f"withdrawn as compromised: {old_kid}" in out.getvalue()
    assert "credentials signed again with the active key: 1" in out.getvalue()
    new_kid = ToolKey.objects.get(status="active").kid
    assert new_kid != old_kid
    assert ToolKey.objects.get(kid=old_kid).private_key_encrypted == ""
    assert old_kid not in client.get("/.well-known/jwks.json").content.decode()
    assert client.get(f"/credentials/keys/{old_kid}.json").status_code == 404
    # What the old key signed no longer verifies, with a reason a person can act on.
    with pytest.raises(SignatureError, match="withdrawn as compromised"):
        verify_own_jwt(old_token, require=["iss"])
    # The credential itself is unchanged and verifies again, signed by the new key.
    issued.refresh_from_db()
    assert issued.jwt != old_token and new_kid in jwt.get_unverified_header(issued.jwt)["kid"]
    page = client.get(f"/credentials/{issued.public_id}/").content.decode()
    assert 'data-valid="true"' in page
    assert _status_bit(client, issued.credential) is False  # the list is signed anew too
    with pytest.raises(CommandError, match="no key nope"):
        call_command("keys", "compromised", "--kid", "nope", stdout=StringIO())


def test_a_credential_signed_by_another_key_fails_verification(earned, client):
    _, _, issued = earned
    from cryptography.hazmat.primitives.asymmetric import rsa

    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    header = jwt.get_unverified_header(issued.jwt)
    payload = jwt.decode(issued.jwt, options={"verify_signature": False})
    issued.jwt = jwt.encode(payload, stranger, algorithm="RS256", headers=header)
    issued.save()
    page = client.get(f"/credentials/{issued.public_id}/").content.decode()
    assert 'data-valid="false"' in page and "header is not the key" not in page
    assert "does not verify" in page


def test_evidence_is_private_until_the_earner_shows_it(earned, client, launch_as):
    teacher, trainer, issued = earned
    (evidence,) = EvidenceSubmission.objects.all()
    file_url = f"/credentials/{issued.public_id}/evidence/{evidence.pk}"
    page = client.get(f"/credentials/{issued.public_id}/").content.decode()
    assert 'data-testid="shared-evidence"' not in page
    assert client.get(file_url).status_code == 404

    sharing = f"/app/credentials/{issued.pk}/sharing/"
    stranger = launch_as(sub="sam", name="Sam")
    assert stranger.post(sharing, {"share": "1"}).status_code == 404  # not theirs
    assert trainer.post(sharing, {"share": "1"}).status_code == 404  # not even the trainer
    assert teacher.post(sharing, {"share": "1"}).status_code == 303
    page = client.get(f"/credentials/{issued.public_id}/").content.decode()
    assert f'id="evidence-{evidence.pk}"' in page and 'data-testid="shared-evidence"' in page
    download = client.get(file_url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert download["X-Content-Type-Options"] == "nosniff"
    # Another submission id under this credential is never served.
    assert (
        client.get(f"/credentials/{issued.public_id}/evidence/{evidence.pk + 1}").status_code == 404
    )

    trainer.post(f"/app/trainer/credentials/{issued.pk}/revoke/", {"reason": "Issued in error"})
    assert client.get(file_url).status_code == 404  # a revoked credential shows nothing
    IssuedCredential.objects.filter(pk=issued.pk).update(revoked_at=None)
    assert teacher.post(sharing, {"share": "0"}).status_code == 303
    assert client.get(file_url).status_code == 404


def test_a_revoked_credential_is_not_reissued_by_itself_but_a_trainer_can_issue_it_again(
    earned, client, launch_as
):
    teacher, trainer, issued = earned
    trainer.post(f"/app/trainer/credentials/{issued.pk}/revoke/", {"reason": "Wrong person"})
    assert teacher.get("/app/credentials/").status_code == 200  # awarding runs here
    assert IssuedCredential.objects.count() == 1  # revocation sticks: nothing re-issued
    reissue = f"/app/trainer/credentials/{issued.pk}/reissue/"
    assert teacher.post(reissue).status_code == 403
    other = launch_as(sub="chris", name="Chris", roles=[INSTRUCTOR], link="l9", context="c9")
    assert other.post(reissue).status_code == 404
    assert IssuedCredential.objects.count() == 1

    response = trainer.post(reissue)
    assert response.status_code == 303 and "reissue=issued" in response["Location"]
    again = IssuedCredential.objects.get(revoked_at__isnull=True)
    assert again.pk != issued.pk and again.public_id != issued.public_id
    assert again.status_index != issued.status_index
    assert schema_errors(again.credential) == []
    page = client.get(f"/credentials/{again.public_id}/").content.decode()
    assert 'data-valid="true"' in page
    old = client.get(f"/credentials/{issued.public_id}/").content.decode()
    assert 'data-valid="false"' in old and "Wrong person" in old
    # One credential in force: issuing again twice does nothing more.
    assert "reissue=not-qualified" in trainer.post(reissue)["Location"]
    assert IssuedCredential.objects.filter(revoked_at__isnull=True).count() == 1


def test_reissue_needs_the_criteria_met_today(earned):
    _, trainer, issued = earned
    trainer.post(f"/app/trainer/credentials/{issued.pk}/revoke/", {"reason": "Issued in error"})
    EvidenceSubmission.objects.update(status=EvidenceSubmission.Status.REVISION)
    response = trainer.post(f"/app/trainer/credentials/{issued.pk}/reissue/")
    assert "reissue=not-qualified" in response["Location"]
    assert IssuedCredential.objects.filter(revoked_at__isnull=True).count() == 0
    page = trainer.client.get(response["Location"].split("#")[0]).content.decode()
    assert 'data-testid="reissue-result"' in page and "does not meet the criteria" in page


def test_credential_forms_refuse_another_origin(earned):
    teacher, trainer, issued = earned
    forms = [
        (trainer, f"/app/trainer/credentials/{issued.pk}/revoke/"),
        (trainer, f"/app/trainer/credentials/{issued.pk}/reissue/"),
        (teacher, f"/app/credentials/{issued.pk}/sharing/"),
    ]
    for who, url in forms:
        response = who.post(url, {"share": "1"}, HTTP_ORIGIN="https://evil.example")
        assert response.status_code == 403, url
    issued.refresh_from_db()
    assert issued.revoked_at is None and issued.evidence_public is False


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


def test_a_credential_asking_for_evidence_a_module_does_not_collect_is_a_pack_error(tmp_path, db):
    program = write_pack(tmp_path)
    module = program / "modules" / "demo-module" / "module.yaml"
    text = module.read_text()
    start, end = text.index("evidence_task:"), text.index("mastery:")
    module.write_text(text[:start] + text[end:])  # the module no longer has an evidence task
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_content", str(program), stdout=StringIO(), stderr=err)
    assert "'demo-module' has no evidence_task, so nobody could earn this credential" in (
        err.getvalue()
    )
    assert Achievement.objects.count() == 0


def test_the_deploy_check_asks_for_the_public_https_address(settings):

    settings.IGNITE_BASE_URL = ""
    assert [w.id for w in credential_urls()] == ["ignite.W001"]
    settings.IGNITE_BASE_URL = "http://ignite.district.example"
    assert [w.id for w in credential_urls()] == ["ignite.W002"]
    settings.IGNITE_BASE_URL = "https://ignite.district.example"
    assert credential_urls() == []
