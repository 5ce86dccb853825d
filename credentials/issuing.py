"""Micro-credentials as Open Badges 3.0 (1EdTech) verifiable credentials.

A participant earns a program's achievement when every required module placed in their cohort
is mastered (the counted mastery-check attempt) and, where the achievement asks for it, the
module's evidence of practice was accepted by a trainer.

Proof format: a JSON Web Token (VC-JWT, the "JSON Web Token Proof Format" of Open Badges 3.0,
section 8.2): the JWT payload is the OpenBadgeCredential itself plus the `iss`, `jti`, `nbf` and
`sub` claims, signed RS256 with the tool's key. The JOSE header carries `kid` as a URL that
dereferences to the public JWK (/credentials/keys/<kid>.json, kept for every key that ever
signed a credential, so rotating the LTI key never breaks a teacher's credential) and the same
JWK as `jwk`. We chose it over a Data Integrity proof (eddsa-rdfc-2022) because it needs no
JSON-LD canonicalization, verifies with any JOSE library, and reuses a key the tool already
protects and rotates.

Revocation is published as a W3C Bitstring Status List (a signed BitstringStatusListCredential
at /credentials/status/<n>); each credential names its entry in `credentialStatus`. Indexes are
assigned at random, so a list does not reveal issue order.

The recipient is named by a salted SHA-256 hash of their email (an IdentityObject) and an opaque
`urn:uuid:` id derived from the participant and the server secret, never in the clear; the
verification page shows the name the issuer knew.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from courses.models import Module, Participant, Placement
from keys.services import (
    signing_kid,
)
from mastery.attempts import counted_attempt
from mastery.models import EvidenceSubmission

from .models import Achievement, IssuedCredential
from .requirements import requirements_status
from .signals import credential_revoked
from .signing import (
    OB_CONTEXT,
    issuer_id,
    sign_credential,
)
from .status_lists import status_entry, status_index_pick, status_lists_changed


def earner_id(participant: Participant) -> str:
    """An opaque, stable id for the earner: no name, email or LMS id can be read back from it."""
    digest = salted_hmac("ignite-earner", str(participant.pk), algorithm="sha256").digest()
    return f"urn:uuid:{uuid.UUID(bytes=digest[:16], version=4)}"


def _counted(participant, placement):
    return counted_attempt(participant, placement)


def _evidence_accepted(participant, placement):
    return (
        EvidenceSubmission.objects.filter(
            participant=participant,
            placement=placement,
            status=EvidenceSubmission.Status.ACCEPTED,
        )
        .select_related("reviewer")
        .order_by("-reviewed_at", "-pk")
        .first()
    )


@dataclass
class Requirement:
    """One required module of an achievement, for one participant."""

    slug: str
    title: str
    module: Module | None = None
    counted: object = None  # the counted mastery-check attempt
    accepted: object = None  # the accepted evidence of practice
    placed: bool = False
    opened: bool = False  # its LMS link was opened at least once (else: placed, not opened)
    mastered: bool = False
    evidence_needed: bool = False

    @property
    def met(self) -> bool:
        return self.placed and self.mastered and not self.evidence_needed


def _requirements(achievement: Achievement, participant: Participant, cohort_id: int):
    modules = {
        m.slug: m
        for m in Module.objects.filter(slug__in=achievement.required_modules).select_related(
            "current"
        )
    }
    requirements = []
    for slug in achievement.required_modules:
        module = modules.get(slug)
        title = module.current.title if module and module.current else slug
        requirement = Requirement(slug=slug, title=title, module=module)
        requirements.append(requirement)
        placement = (
            Placement.objects.filter(cohort_id=cohort_id, module_slug=slug)
            # The LMS link's row belongs to lti_tool: its absence means nobody opened the link.
            .annotate(opened=ExpressionWrapper(Q(lti_link__isnull=False), BooleanField()))
            .order_by("-opened", "pk")
            .first()
        )
        if placement is None or module is None:
            continue
        requirement.placed = True
        requirement.opened = placement.opened
        requirement.counted = _counted(participant, placement)
        requirement.mastered = bool(requirement.counted and requirement.counted.mastered)
        requirement.accepted = _evidence_accepted(participant, placement)
        requirement.evidence_needed = achievement.evidence_required and not requirement.accepted
    return requirements


@dataclass
class Earned:
    """What an earned achievement rests on: (module, counted attempt, accepted evidence) per
    required module, and the Evidence entries of the requirements other apps own."""

    modules: list
    extra_evidence: list


def _qualifies(achievement: Achievement, participant: Participant, cohort_id: int):
    """The evidence behind the achievement if the participant has earned it, else None."""
    requirements = _requirements(achievement, participant, cohort_id)
    if not all(r.met for r in requirements):
        return None
    extra = (
        requirements_status(achievement, participant, cohort_id) if achievement.requirements else []
    )
    if not all(status.met for status in extra):
        return None
    return Earned(
        modules=[(r.module, r.counted, r.accepted) for r in requirements],
        extra_evidence=[entry for status in extra for entry in status.evidence],
    )


def credential_progress(*, participant: Participant, cohort_id: int, module_slug: str) -> list:
    """For each achievement this module counts towards: issued, or what is still missing."""
    progress = []
    for achievement in Achievement.objects.order_by("name"):
        if module_slug not in achievement.required_modules:
            continue
        issued = IssuedCredential.objects.filter(
            achievement=achievement, participant=participant
        ).first()
        missing = []
        if issued is None:
            for r in _requirements(achievement, participant, cohort_id):
                if not r.placed:
                    missing.append(f"{r.title}: not in this course yet (ask your trainer)")
                elif not r.opened:
                    missing.append(
                        f"{r.title}: in your course, not opened yet (open it from your course "
                        "in the LMS, then take its mastery check)"
                    )
                elif not r.mastered:
                    missing.append(f"{r.title}: mastery check")
                elif r.evidence_needed:
                    missing.append(f"{r.title}: evidence of practice, accepted by a trainer")
            if achievement.requirements:
                for status in requirements_status(achievement, participant, cohort_id):
                    if not status.met:
                        missing.append(
                            f"{status.label} ({status.detail})" if status.detail else status.label
                        )
        progress.append({"achievement": achievement, "issued": issued, "missing": missing})
    return progress


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
        credential = _issue_once(achievement, participant, cohort_id, evidence, origin)
        if credential is not None:
            issued.append(credential)
    return issued


def _issue_once(achievement, participant, cohort_id, evidence, origin) -> IssuedCredential | None:
    """Issue, unless a credential in force appeared meanwhile (another request issued it)."""
    for _ in range(3):  # a status index taken meanwhile: try another one
        try:
            with transaction.atomic():
                return _issue(achievement, participant, cohort_id, evidence, origin)
        except IntegrityError:
            if IssuedCredential.objects.filter(
                achievement=achievement, participant=participant, revoked_at__isnull=True
            ).exists():
                return None
    return None


# --- issue 14 item 7: competencies as Open Badges 3.0 Alignment entries ----------------------


def achievement_alignment(achievement: Achievement, achievement_url: str) -> dict:
    """`{"alignment": [...]}` for an achievement that names its competencies, else `{}`.

    OB3's Alignment requires targetUrl; a competency without its own URL points at its entry
    on the achievement's public page, which names the framework and domain.
    """
    if not achievement.competencies:
        return {}
    return {
        "alignment": [
            {
                "type": ["Alignment"],
                "targetName": c["name"],
                "targetDescription": c["domain"],
                "targetFramework": c["framework"],
                "targetType": "ceasn:Competency",
                "targetUrl": c.get("url") or f"{achievement_url}#competency-{index}",
            }
            for index, c in enumerate(achievement.competencies, start=1)
        ]
    }


def _issue(achievement, participant, cohort_id, evidence, origin) -> IssuedCredential:
    public_id = uuid.uuid4()
    now = timezone.now().replace(microsecond=0)
    credential_url = origin + reverse("credential-json", args=[public_id])
    page_url = origin + reverse("credential", args=[public_id])
    achievement_url = origin + reverse("achievement", args=[achievement.slug])
    status_index = status_index_pick()
    salt = secrets.token_hex(8)
    identity = hashlib.sha256((participant.email.strip().lower() + salt).encode()).hexdigest()
    result_descriptions, results = [], []
    for module, counted, _accepted in evidence.modules:
        description_id = f"{achievement_url}#mastery-{module.slug}"
        result_descriptions.append(
            {
                "id": description_id,
                "type": ["ResultDescription"],
                "name": f"{module.current.title}: mastery check score",
                "resultType": "Percent",
                "valueMin": "0",
                "valueMax": "100",
            }
        )
        results.append(
            {
                "type": ["Result"],
                "resultDescription": description_id,
                "value": str(counted.score_display),
            }
        )
    credential = {
        "@context": OB_CONTEXT,
        "id": credential_url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {
            "id": issuer_id(origin),
            "type": ["Profile"],
            "name": settings.IGNITE_ISSUER_NAME,
            "url": origin + "/",
        },
        "validFrom": now.isoformat().replace("+00:00", "Z"),
        "name": achievement.name,
        "credentialSubject": {
            "id": earner_id(participant),
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
                "resultDescription": result_descriptions,
                **achievement_alignment(achievement, achievement_url),
            },
            "result": results,
        },
        "credentialStatus": status_entry(origin, status_index),
        "evidence": [],
    }
    for module, counted, accepted in evidence.modules:
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
                    "id": f"{page_url}#evidence-{accepted.pk}",
                    "name": f"{module.current.title}: evidence of practice",
                    "narrative": (
                        f"Evidence of practice reviewed and accepted by {reviewer} on "
                        f"{accepted.reviewed_at:%B %-d, %Y}. Feedback: {accepted.feedback}"
                    )[:2000],
                }
            )
    credential["evidence"].extend(evidence.extra_evidence)
    return IssuedCredential.objects.create(
        public_id=public_id,
        achievement=achievement,
        participant=participant,
        cohort_id=cohort_id,
        issued_at=now,
        credential=credential,
        jwt=sign_credential(credential, origin),
        status_index=status_index,
    )


def _evidence_pk(entry: dict) -> int | None:
    """The submission an evidence entry names (its id ends in #evidence-<pk>), if any."""
    tail = entry.get("id", "").rpartition("#evidence-")[2]
    return int(tail) if tail.isascii() and tail.isdigit() else None


def _evidence_pks(issued: IssuedCredential) -> list[int]:
    pks = (_evidence_pk(entry) for entry in issued.credential.get("evidence", []))
    return [pk for pk in pks if pk is not None]


def evidence_entries(issued: IssuedCredential) -> list[dict]:
    """The credential's evidence for its public page: each entry with its page anchor and, if
    the earner shows their evidence, the accepted submission behind it."""
    shared = shared_evidence(issued)
    entries = []
    for entry in issued.credential.get("evidence", []):
        pk = _evidence_pk(entry)
        entries.append(
            {
                **entry,
                "anchor": f"evidence-{pk}" if pk is not None else "",
                "submission": shared.get(pk),
            }
        )
    return entries


def shared_evidence(issued: IssuedCredential) -> dict:
    """The named, accepted submissions by pk, if the earner chose to show them publicly."""
    if not issued.evidence_public or issued.revoked_at:
        return {}
    return {
        e.pk: e
        for e in EvidenceSubmission.objects.filter(
            pk__in=_evidence_pks(issued),
            participant=issued.participant,
            status=EvidenceSubmission.Status.ACCEPTED,
        )
    }


def credential_revoke(issued: IssuedCredential, *, by: Participant, reason: str) -> bool:
    """Revoke: the verification page fails and the credential's status-list bit is set.
    Revoking twice keeps the first revocation; returns whether this call revoked it."""
    reason = reason.strip()[:255] or "Revoked by the trainer."
    revoked = IssuedCredential.objects.filter(pk=issued.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=by, revocation_reason=reason
    )
    status_lists_changed()
    if revoked:
        credential_revoked.send(sender=IssuedCredential, issued=issued, by=by, reason=reason)
    return bool(revoked)


def credential_reissue(issued: IssuedCredential, *, origin: str) -> IssuedCredential | None:
    """A trainer's second thought after a revocation: a new credential, if the teacher still
    meets the criteria today (None if not, or if one is already in force)."""
    if issued.revoked_at is None:
        return None
    evidence = _qualifies(issued.achievement, issued.participant, issued.cohort_id)
    if evidence is None:
        return None
    return _issue_once(issued.achievement, issued.participant, issued.cohort_id, evidence, origin)


def credentials_resign(kid: str) -> int:
    """Sign again, with the active key, every credential the key `kid` signed (after that key
    was withdrawn). The credentials themselves, their ids and status entries do not change."""
    resigned = 0
    issuer_path = reverse("credential-issuer")
    for issued in IssuedCredential.objects.only("pk", "jwt", "credential").iterator():
        if signing_kid(issued.jwt) != kid:
            continue
        origin = issued.credential["issuer"]["id"].removesuffix(issuer_path)
        IssuedCredential.objects.filter(pk=issued.pk).update(
            jwt=sign_credential(issued.credential, origin)
        )
        resigned += 1
    status_lists_changed()  # cached lists were signed with the withdrawn key
    return resigned
