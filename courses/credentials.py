"""Micro-credentials as Open Badges 3.0 (1EdTech) verifiable credentials.

A participant earns a program's achievement when every required module placed in their cohort
is mastered (the counted mastery-check attempt) and, where the achievement asks for it, the
module's evidence of practice was accepted by a trainer.

Proof format: a JSON Web Token (VC-JWT, the "JSON Web Token Proof Format" of Open Badges 3.0
section 8.2) signed RS256 with the tool's key (the key in /.well-known/jwks.json, rotated with
`manage.py keys rotate`). We chose it over a Data Integrity proof (eddsa-rdfc-2022) because it
needs no JSON-LD canonicalization, verifies with any JOSE library against the tool's published
JWKS, and reuses a key the tool already protects and rotates.

The recipient is named by a salted SHA-256 hash of their email (an IdentityObject), not in the
clear; the verification page shows the name the issuer knew.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid

import jwt
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from keys.services import jwks, sign_jwt

from .models import Achievement, IssuedCredential, Module, Participant, Placement

OB_CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]


def _counted(participant, placement):
    from mastery.attempts import counted_attempt

    return counted_attempt(participant, placement)


def _evidence_accepted(participant, placement):
    from mastery.models import EvidenceSubmission

    return (
        EvidenceSubmission.objects.filter(
            participant=participant,
            placement=placement,
            status=EvidenceSubmission.Status.ACCEPTED,
        )
        .select_related("reviewer")
        .first()
    )


def _qualifies(achievement: Achievement, participant: Participant, cohort_id: int):
    """The evidence behind the achievement if the participant has earned it, else None."""
    evidence = []
    for slug in achievement.required_modules:
        placement = (
            Placement.objects.filter(cohort_id=cohort_id, module_slug=slug).order_by("pk").first()
        )
        module = Module.objects.filter(slug=slug).select_related("current").first()
        if placement is None or module is None:
            return None
        counted = _counted(participant, placement)
        if counted is None or not counted.mastered:
            return None
        accepted = _evidence_accepted(participant, placement)
        if achievement.evidence_required and accepted is None:
            return None
        evidence.append((module, counted, accepted))
    return evidence


def credentials_award(*, participant: Participant, cohort_id: int, origin: str) -> list:
    """Issue every achievement the participant has earned and not yet received."""
    placed = set(
        Placement.objects.filter(cohort_id=cohort_id)
        .exclude(module_slug="")
        .values_list("module_slug", flat=True)
    )
    issued = []
    have = set(
        IssuedCredential.objects.filter(participant=participant).values_list(
            "achievement_id", flat=True
        )
    )
    for achievement in Achievement.objects.all():
        if achievement.pk in have or not set(achievement.required_modules) <= placed:
            continue
        evidence = _qualifies(achievement, participant, cohort_id)
        if evidence is None:
            continue
        try:
            with transaction.atomic():
                issued.append(_issue(achievement, participant, cohort_id, evidence, origin))
        except IntegrityError:  # issued meanwhile by another request
            continue
    return issued


def _issue(achievement, participant, cohort_id, evidence, origin) -> IssuedCredential:
    public_id = uuid.uuid4()
    now = timezone.now().replace(microsecond=0)
    credential_url = origin + reverse("credential-json", args=[public_id])
    achievement_url = origin + reverse("achievement", args=[achievement.slug])
    salt = secrets.token_hex(8)
    identity = hashlib.sha256((participant.email.strip().lower() + salt).encode()).hexdigest()
    credential = {
        "@context": OB_CONTEXT,
        "id": credential_url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": origin + "/", "type": ["Profile"], "name": "Ignite"},
        "validFrom": now.isoformat().replace("+00:00", "Z"),
        "name": achievement.name,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": f"sha256${identity}",
                    "identityType": "emailAddress",
                    "hashed": True,
                    "salt": salt,
                }
            ],
            "achievement": {
                "id": achievement_url,
                "type": ["Achievement"],
                "achievementType": "Competency",
                "name": achievement.name,
                "description": achievement.description,
                "criteria": {"id": achievement_url, "narrative": achievement.criteria},
                "image": {
                    "id": origin + reverse("achievement-image", args=[achievement.slug]),
                    "type": "Image",
                    "caption": achievement.name,
                },
            },
        },
        "evidence": [],
    }
    for module, counted, accepted in evidence:
        credential["evidence"].append(
            {
                "type": ["Evidence"],
                "name": f"{module.current.title}: mastery check",
                "narrative": (
                    f"Scored {counted.score_display}% on the module's mastery check "
                    f"(threshold {counted.policy.get('threshold', 80)}%), "
                    f"{counted.submitted_at:%B %-d, %Y}."
                ),
            }
        )
        if accepted is not None:
            reviewer = accepted.reviewer.display_name if accepted.reviewer else "a trainer"
            credential["evidence"].append(
                {
                    "type": ["Evidence"],
                    "id": credential_url.replace(".json", "") + f"#evidence-{accepted.pk}",
                    "name": f"{module.current.title}: evidence of practice",
                    "narrative": (
                        f"Evidence of practice reviewed and accepted by {reviewer} on "
                        f"{accepted.reviewed_at:%B %-d, %Y}. Feedback: {accepted.feedback}"
                    )[:2000],
                }
            )
    token = sign_jwt(
        {
            "iss": credential["issuer"]["id"],
            "jti": credential_url,
            "nbf": int(now.timestamp()),
            "sub": f"urn:ignite:participant:{participant.pk}",
            "vc": credential,
        },
        headers={"typ": "JWT"},
    )
    return IssuedCredential.objects.create(
        public_id=public_id,
        achievement=achievement,
        participant=participant,
        cohort_id=cohort_id,
        issued_at=now,
        credential=credential,
        jwt=token,
    )


def credential_verify(issued: IssuedCredential) -> tuple[bool, str]:
    """Check the signature against the tool's published keys, and the revocation status."""
    try:
        kid = jwt.get_unverified_header(issued.jwt).get("kid")
        keys = {k["kid"]: k for k in jwks()["keys"]}
        if kid not in keys:
            return False, "The key that signed this credential is no longer published."
        claims = jwt.decode(issued.jwt, jwt.PyJWK(keys[kid]).key, algorithms=["RS256"])
    except jwt.PyJWTError as exc:
        return False, f"The signature does not verify ({exc.__class__.__name__})."
    if claims.get("vc") != issued.credential:
        return False, "The signed credential does not match this record."
    if issued.revoked_at:
        return False, f"Revoked on {issued.revoked_at:%B %-d, %Y}: {issued.revocation_reason}"
    return True, "Signature valid; issued by Ignite; not revoked."
