from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS
from django_tasks_db.management.commands.db_worker import Worker

from lti_tool.events import grade_worker_alive
from lti_tool.passback import grades_drain, next_due_at
from lti_tool.tasks import deliver_grades
from mastery import grades
from mastery.models import GradeRecord
from notifications.services import notifications_send
from reporting.tasks import REFRESH_QUEUE

logger = logging.getLogger("ignite.grades")


def grades_sweep() -> bool:
    """Queue a delivery if a score is due now (True if one was queued)."""
    due = next_due_at()
    if due is not None and due <= timezone.now():
        deliver_grades.enqueue()
        return True
    return False


def threads_join(threads: list[threading.Thread], *, timeout: float) -> list[str]:
    """Wait for the worker's threads to finish what they hold (a notifier between sending an
    email and marking its row sent), `timeout` seconds in all; the names of those still
    running, logged, are returned. Daemon threads: the process ends without them after that."""
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(deadline - time.monotonic(), 0))
    late = [thread.name for thread in threads if thread.is_alive()]
    for name in late:
        logger.warning("worker thread %s did not finish within %s s of stopping", name, timeout)
    return late


def refresh_worker(*, interval: float, batch: bool = False) -> Worker:
    """django-tasks-db's worker for the program view's queue alone, run in a thread of the grade
    worker. It installs no signal handlers: the main thread's db_worker owns SIGTERM, and the
    grade worker stops this one by clearing `running`."""
    return Worker(
        queue_names=[REFRESH_QUEUE],
        interval=interval,
        batch=batch,
        backend_name=DEFAULT_TASK_BACKEND_ALIAS,
        startup_delay=False,
        max_tasks=None,
        worker_id=get_random_string(32),
        excluded_queue_names=[],
    )


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
        worker.add_argument(
            "--sweep",
            type=float,
            default=5.0,
            help="seconds between checks for due scores that no task is waiting for (default 5)",
        )

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

    def _worker(self, interval: float, sweep: float = 5.0, **opts):
        # Scores whose sender died mid-delivery, or that were written while no worker ran,
        # are due again: one sweep at start picks them all up. After that, delayed tasks
        # deliver retries when they fall due; a light sweep also looks every few seconds,
        # so that a task lost with a killed worker never leaves a score waiting forever.
        deliver_grades.enqueue()
        stop = threading.Event()

        def sweeper():
            while not stop.wait(sweep):
                try:
                    grades_sweep()
                    grade_worker_alive.send(sender=Command)
                except Exception:  # noqa: BLE001 - keep sweeping; the error is logged
                    logger.exception("grade sweep failed")
                finally:
                    connection.close()

        def notifier():
            # Notification emails, in their own thread: a slow SMTP server never delays scores.
            while not stop.wait(settings.IGNITE_NOTIFICATION_INTERVAL):
                try:
                    notifications_send()
                except Exception:  # noqa: BLE001 - keep going; the error is logged
                    logger.exception("sending notifications failed")
                finally:
                    connection.close()

        refresher = refresh_worker(interval=interval)

        def refreshing():
            # The program view's refresh (reporting/tasks.py; 1.6-3.6 s a program), queued by
            # the heartbeat above, runs here rather than in db_worker below: db_worker runs one
            # task at a time, and would hold back the score deliveries queued behind a refresh.
            while refresher.running:
                try:
                    refresher.run()
                except Exception:  # noqa: BLE001 - e.g. the database is away: try again
                    logger.exception("running the program view's tasks failed")
                    stop.wait(sweep)
                finally:
                    connection.close()

        threads = [
            threading.Thread(target=sweeper, name="grade-sweeper", daemon=True),
            threading.Thread(target=notifier, name="notifier", daemon=True),
            threading.Thread(target=refreshing, name="program-view-refresh", daemon=True),
        ]
        for thread in threads:
            thread.start()
        try:
            call_command(
                "db_worker", interval=interval, reload=False, verbosity=opts.get("verbosity", 1)
            )
        finally:
            refresher.running = False
            stop.set()
            threads_join(threads, timeout=settings.IGNITE_WORKER_STOP_SECONDS)
