"""`manage.py notifications send` sends what is due once (the worker does it every minute);
`manage.py notifications status` counts notifications by kind and state."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db.models import Count

from notifications.models import Notification
from notifications.services import notifications_send


class Command(BaseCommand):
    help = "Send due notification emails once, or show what is queued."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["send", "status"])

    def handle(self, *args, action: str, **opts):
        if action == "send":
            sent = notifications_send()
            self.stdout.write(f"sent {sent} email{'s' if sent != 1 else ''}")
            return
        rows = (
            Notification.objects.values("kind", "state")
            .annotate(n=Count("pk"))
            .order_by("kind", "state")
        )
        for row in rows:
            self.stdout.write(f"{row['kind']}\t{row['state']}\t{row['n']}")
        if not rows:
            self.stdout.write("no notifications")
