"""The audit log: written by the application for each change that matters, never changed."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from credentials.issuing import credential_revoke
from keys.services import key_rotate, key_withdraw_compromised
from mastery.models import AttemptGrant
from privacy.models import AuditEntry, AuditLogImmutable

ARGS = [
    "add", "--issuer", "https://canvas.example.edu", "--client-id", "42",
    "--auth-login-url", "https://canvas.example.edu/login",
    "--auth-token-url", "https://canvas.example.edu/token",
    "--keyset-url", "https://canvas.example.edu/jwks", "--deployment-id", "1:x",
]  # fmt: skip


def _actions() -> list[str]:
    return list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))


def test_trainer_decisions_are_logged_with_the_trainer_as_actor(world, credential):
    review = AuditEntry.objects.get(action="evidence_reviewed")
    assert (
        review.actor_participant == world.priya and review.actor == f"participant {world.priya.pk}"
    )
    assert review.details["decision"] == "accepted" and review.details["teacher"] == world.maya.pk
    override = AuditEntry.objects.get(action="score_overridden")
    assert override.actor_participant == world.priya and float(override.details["score"]) == 80
    AttemptGrant.objects.create(
        participant=world.sam, placement=world.placement, granted_by=world.priya
    )
    assert AuditEntry.objects.get(action="attempt_granted").details["teacher"] == world.sam.pk
    assert credential_revoke(credential, by=world.priya, reason="Plagiarised plan")
    assert not credential_revoke(credential, by=world.priya, reason="again")  # logged once
    revoked = AuditEntry.objects.get(action="credential_revoked")
    assert revoked.object_id == str(credential.pk) and revoked.actor_participant == world.priya
    # No name in the log: an erasure must not have to hunt for one there.
    assert "Priya" not in str(list(AuditEntry.objects.values()))


def test_registrations_and_key_changes_are_logged(db):
    call_command("lti_platform", *ARGS, stdout=StringIO())
    call_command(
        "lti_platform", "remove", "--issuer", "https://canvas.example.edu", "--client-id", "42",
        stdout=StringIO(),
    )  # fmt: skip
    registered, removed = AuditEntry.objects.filter(object_type="lti_tool.Platform").order_by("pk")
    assert (registered.action, removed.action) == ("platform_registered", "platform_removed")
    assert registered.details["issuer"] == "https://canvas.example.edu"
    before = AuditEntry.objects.filter(action="key_created").count()
    new_key = key_rotate()
    assert AuditEntry.objects.filter(action="key_created").count() == before + 1
    key_withdraw_compromised(new_key.kid)
    assert AuditEntry.objects.get(action="key_compromised").object_id == new_key.kid


def test_entries_cannot_be_changed_or_deleted_by_the_application(db):
    call_command("lti_platform", *ARGS, stdout=StringIO())
    entry = AuditEntry.objects.get()
    entry.actor = "someone else"
    with pytest.raises(AuditLogImmutable):
        entry.save()
    with pytest.raises(AuditLogImmutable):
        entry.delete()
    with pytest.raises(AuditLogImmutable):
        AuditEntry.objects.all().update(actor="x")
    with pytest.raises(AuditLogImmutable):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get().actor == "application"


def test_admins_see_the_log_read_only(world, admin_client):
    listing = admin_client.get("/admin/privacy/auditentry/")
    assert listing.status_code == 200 and "Evidence reviewed" in listing.content.decode()
    entry = AuditEntry.objects.first()
    assert admin_client.get("/admin/privacy/auditentry/add/").status_code == 403
    assert admin_client.get(f"/admin/privacy/auditentry/{entry.pk}/delete/").status_code == 403
    change = admin_client.post(f"/admin/privacy/auditentry/{entry.pk}/change/", {"actor": "x"})
    assert change.status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).actor == entry.actor
