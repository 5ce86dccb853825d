"""Take today's snapshot of every led program now (the worker does it once a day)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from reporting.snapshots import snapshots_take


class Command(BaseCommand):
    help = "Record today's funnel of every program a lead sees (the weekly trend's data)."

    def handle(self, *args, **opts):
        self.stdout.write(f"{snapshots_take()} snapshot(s) taken")
