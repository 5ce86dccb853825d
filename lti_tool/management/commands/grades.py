from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from lti_tool.passback import grades_drain
from lti_tool.tasks import deliver_grades
from mastery import grades
from mastery.models import GradeRecord


class Command(BaseCommand):
    help = "The grade outbox: show status, resend failed scores, deliver now, or run the worker."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        status = sub.add_parser("status", help="Counts by status, and the scores that failed.")
        status.add_argument("--limit", type=int, default=20)
        retry = sub.add_parser("retry", help="Send failed scores again.")
        retry.add_argument(
            "--id",
            type=int,
            action="append",
            dest="ids",
            help="Only this grade record (repeatable).",
        )
        retry.add_argument("--all", action="store_true", help="Every failed score.")
        sub.add_parser("deliver", help="Deliver every due score now, in this process.")
        worker = sub.add_parser(
            "worker", help="Run the background worker (Django Tasks database worker)."
        )
        worker.add_argument("--interval", type=float, default=1.0)

    def handle(self, *args, action: str, **opts):
        getattr(self, f"_{action}")(**opts)

    def _status(self, limit: int, **opts):
        counts = dict(GradeRecord.objects.values_list("status").annotate(n=Count("id")))
        for status, label in GradeRecord.Status.choices:
            self.stdout.write(f"{status:<13} {counts.get(status, 0):>7}  {label}")
        failed = GradeRecord.objects.filter(status=GradeRecord.Status.FAILED).select_related(
            "participant", "placement"
        )
        for record in failed[:limit]:
            self.stdout.write(
                f"failed #{record.pk}: {record.participant} / {record.placement}: {record.score_given}/{record.score_maximum}"
                f" after {record.attempts} attempt(s): {record.last_error}"
            )

    def _retry(self, ids, all, **opts):  # noqa: A002 - the flag is --all
        if not ids and not all:
            raise CommandError("say which: --id N (repeatable) or --all")
        count = grades.grades_retry(ids=ids if not all else None)
        self.stdout.write(f"{count} score(s) queued to send again")

    def _deliver(self, **opts):
        counts = grades_drain(limit=100_000)
        self.stdout.write(
            ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "nothing due"
        )

    def _worker(self, interval: float, **opts):
        # Scores whose sender died mid-delivery, or that were written while no worker ran,
        # are due again: one sweep at start picks them all up.
        deliver_grades.enqueue()
        call_command(
            "db_worker", interval=interval, reload=False, verbosity=opts.get("verbosity", 1)
        )
