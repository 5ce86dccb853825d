"""python manage.py import_content [PATH] [--check]: validate and import content packs."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from courses.content import ContentConflict, catalog_import, pack_read


class Command(BaseCommand):
    help = (
        "Validate the content packs under PATH (default: the content/ folder) and import them. "
        "A pack with any error imports nothing; every error is printed as file:line: message. "
        "--check also prints each module's cue figures (longest-option keys, true/false share). "
        "Importing the same files twice changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path",
            nargs="?",
            default=None,
            help="a program folder, or a folder of program folders (default: IGNITE_CONTENT_DIR)",
        )
        parser.add_argument(
            "--check", action="store_true", help="validate only; write nothing to the database"
        )

    def handle(self, *args, path=None, check=False, **options):
        root = Path(path) if path else Path(settings.IGNITE_CONTENT_DIR)
        read = pack_read(root)
        if check:
            # The cue figures, passing or not, so authors see how close a bank is to a limit.
            for note in read.notes:
                self.stdout.write(note)
        if read.problems:
            for problem in read.problems:
                self.stderr.write(problem)
            raise CommandError(f"{len(read.problems)} problem(s) in {root}; nothing was imported")
        modules = sum(len(p.modules) for p in read.programs)
        if check:
            self.stdout.write(
                f"{root}: {len(read.programs)} program(s), {modules} module(s), no problems"
            )
            return
        try:
            report = catalog_import(read)
        except ContentConflict as exc:
            for line in str(exc).splitlines():
                self.stderr.write(line)
            raise CommandError("nothing was imported") from None
        for created in report.created:
            self.stdout.write(f"imported {created}")
        self.stdout.write(
            f"{report.programs} program(s), {modules} module(s): "
            f"{len(report.created)} new version(s), {len(report.unchanged)} unchanged"
        )
