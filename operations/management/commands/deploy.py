"""`manage.py deploy`: everything a release needs, in order; safe to run again.

Run it on one machine per release, after installing the new code and before restarting the
services (docs/operations.md). Each step is Django's or Ignite's own command, so a step run by
hand does the same thing.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, SystemCheckError


def _key_check(command: BaseCommand) -> None:
    # The tool's signing key: made if there is none (a fresh database), then proven to decrypt
    # with IGNITE_KEY_ENCRYPTION_SECRET: a restored database with the wrong secret stops here.
    call_command("keys", "generate", stdout=command.stdout, stderr=command.stderr)
    call_command("keys", "verify", stdout=command.stdout, stderr=command.stderr)


def deploy_steps(*, fail_level: str) -> list[tuple[str, Callable[[BaseCommand], None]]]:
    def run(*args, **kwargs) -> Callable[[BaseCommand], None]:
        return lambda command: call_command(
            *args, stdout=command.stdout, stderr=command.stderr, **kwargs
        )

    return [
        ("migrate", run("migrate", interactive=False)),
        ("cache table", run("createcachetable")),
        ("import content", run("import_content")),
        ("static files", run("collectstatic", interactive=False, verbosity=0)),
        ("key check", _key_check),
        ("check --deploy", run("check", deploy=True, fail_level=fail_level)),
    ]


class Command(BaseCommand):
    help = (
        "Prepare a release: migrate, cache table, import content, static files, key check, "
        "check --deploy. Stops at the first failure."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--fail-level",
            default="ERROR",
            choices=["CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"],
            help="the `check --deploy` message level that stops the deploy (default ERROR)",
        )

    def handle(self, *args, fail_level: str, **options):
        steps = deploy_steps(fail_level=fail_level)
        for number, (name, step) in enumerate(steps, start=1):
            self.stdout.write(f"== deploy {number}/{len(steps)}: {name}")
            started = time.monotonic()
            try:
                step(self)
            except SystemCheckError as exc:
                raise CommandError(
                    f"deploy stopped at step {number}/{len(steps)} ({name}): the system checks "
                    f"found problems:\n{exc}"
                ) from None
            except Exception as exc:  # noqa: BLE001 - any failure stops the deploy here
                raise CommandError(
                    f"deploy stopped at step {number}/{len(steps)} ({name}): "
                    f"{exc.__class__.__name__ + ': ' if not isinstance(exc, CommandError) else ''}"
                    f"{exc}\nNothing after this step ran; fix it and run `manage.py deploy` again."
                ) from exc
            self.stdout.write(f"   {name}: done in {time.monotonic() - started:.1f} s")
        self.stdout.write(self.style.SUCCESS("deploy: every step done"))
