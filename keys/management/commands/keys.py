from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from keys.crypto import KeyDecryptionError
from keys.models import ToolKey
from keys.services import (
    key_ensure,
    key_generate,
    key_retire_expired,
    key_rotate,
    key_withdraw_compromised,
    signing_key,
)


class Command(BaseCommand):
    help = (
        "Manage the tool's signing keys: generate, rotate, compromised, list, retire-expired, "
        "verify."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        gen = sub.add_parser("generate", help="Create the active key if there is none.")
        gen.add_argument(
            "--force", action="store_true", help="Create a new key even if one exists."
        )
        rot = sub.add_parser("rotate", help="Make a new active key; keep the old one published.")
        rot.add_argument(
            "--grace-hours",
            type=int,
            default=None,
            help="Hours the previous key stays in the JWKS (default IGNITE_KEY_GRACE_HOURS).",
        )
        comp = sub.add_parser(
            "compromised",
            help="Withdraw a leaked key now: out of the JWKS, private half erased, "
            "a new active key if needed, and credentials it signed signed again.",
        )
        comp.add_argument("--kid", required=True, help="The key id (see `keys list`).")
        sub.add_parser("list", help="List keys (never their private part).")
        sub.add_parser("retire-expired", help="Retire keys whose grace period has ended.")
        sub.add_parser("verify", help="Check that the active key decrypts with the current secret.")

    def handle(self, *args, action: str, **opts):
        if action == "generate":
            key = key_generate() if opts["force"] else key_ensure()
            self.stdout.write(f"active key: {key.kid}")
        elif action == "rotate":
            grace = opts["grace_hours"]
            if grace is not None and grace < 0:
                raise CommandError("--grace-hours must be 0 or more")
            key = key_rotate(grace_hours=grace)
            self.stdout.write(f"new active key: {key.kid}")
            for old in ToolKey.objects.filter(status=ToolKey.Status.RETIRING):
                self.stdout.write(
                    f"still published until {old.retire_after:%Y-%m-%d %H:%M %Z}: {old.kid}"
                )
        elif action == "compromised":
            try:
                key, reports = key_withdraw_compromised(opts["kid"])
            except ToolKey.DoesNotExist:
                raise CommandError(f"no key {opts['kid']}: see `manage.py keys list`") from None
            self.stdout.write(f"withdrawn as compromised: {key.kid}")
            self.stdout.write(f"active key: {key_ensure().kid}")
            for _receiver, report in reports:
                if report:
                    self.stdout.write(str(report))
        elif action == "list":
            for key in ToolKey.objects.all():
                until = f" until {key.retire_after:%Y-%m-%d %H:%M %Z}" if key.retire_after else ""
                self.stdout.write(
                    f"{key.kid}  {key.status}{until}  created {key.created_at:%Y-%m-%d %H:%M %Z}"
                )
        elif action == "retire-expired":
            self.stdout.write(f"retired {key_retire_expired()} key(s)")
        elif action == "verify":
            try:
                key = signing_key()
            except KeyDecryptionError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(f"active key {key.kid} decrypts with the configured secret")
