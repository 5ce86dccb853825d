"""`manage.py privacy export|erase|retention`: a district's data requests (docs/privacy.md)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from courses.models import Participant
from privacy.audit import COMMAND_LINE
from privacy.services import participant_erase, participant_export, retention_apply, retention_due


class Command(BaseCommand):
    help = "Export or erase one participant's data; apply the retention period."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        export = actions.add_parser("export", help="Write a zip of everything about a participant.")
        export.add_argument("--participant", type=int, required=True, help="Participant id")
        export.add_argument(
            "--output", help="Zip file to write (default: participant-ID-export.zip here)"
        )
        erase = actions.add_parser("erase", help="Erase a participant's personal data.")
        erase.add_argument("--participant", type=int, required=True, help="Participant id")
        erase.add_argument("--dry-run", action="store_true", help="Say what would go; change none")
        retention = actions.add_parser(
            "retention", help="Delete evidence files and free text IGNITE_RETENTION_DAYS after."
        )
        retention.add_argument("--dry-run", action="store_true", help="List what would go")

    def handle(self, *args, action: str, **opts):
        if action == "retention":
            return self._retention(dry_run=opts["dry_run"])
        participant = Participant.objects.filter(pk=opts["participant"]).first()
        if participant is None:
            raise CommandError(f"No participant with id {opts['participant']}.")
        if action == "export":
            path = Path(opts["output"] or f"participant-{participant.pk}-export.zip")
            path.write_bytes(participant_export(participant=participant, actor=COMMAND_LINE))
            self.stdout.write(f"Wrote {path}")
        else:
            report = participant_erase(
                participant=participant, dry_run=opts["dry_run"], actor=COMMAND_LINE
            )
            self.stdout.write("\n".join(report.lines()))

    def _retention(self, *, dry_run: bool) -> None:
        days = settings.IGNITE_RETENTION_DAYS
        if not days:
            self.stdout.write("Retention is off: IGNITE_RETENTION_DAYS is not set. Nothing done.")
            return
        items = retention_due(days=days) if dry_run else retention_apply(days=days)
        verb = "Would delete" if dry_run else "Deleted"
        self.stdout.write(
            f"{verb} {len(items)} evidence item(s) in cohorts that ended more than {days} days ago."
        )
        for item in items:
            self.stdout.write(f"  {item.line()}")
