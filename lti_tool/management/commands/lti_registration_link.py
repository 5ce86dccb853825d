"""python manage.py lti_registration_link [--hours H] [--base-url URL] [--note TEXT]

Makes a one-time LTI Dynamic Registration link for an LMS admin. The URL is the last line of
the output (scripts take it from there); it is shown once and only its digest is stored.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from lti_tool.dynamic_registration import (
    DEFAULT_LINK_HOURS,
    MAX_LINK_FAILURES,
    registration_link_create,
)


class Command(BaseCommand):
    help = "Print a one-time LTI Dynamic Registration URL (last line of the output)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--hours",
            type=int,
            default=DEFAULT_LINK_HOURS,
            help=f"valid for (default {DEFAULT_LINK_HOURS}: 7 days)",
        )
        parser.add_argument(
            "--base-url", default="", help="Ignite's public URL (default: IGNITE_BASE_URL)"
        )
        parser.add_argument("--note", default="", help="who or which LMS it is for")

    def handle(self, *args, hours, base_url, note, **options):
        base = base_url or settings.IGNITE_BASE_URL
        if not base:
            raise CommandError(
                "give --base-url https://ignite.example.org (or set IGNITE_BASE_URL)"
            )
        if not 1 <= hours <= 24 * 30:
            raise CommandError("--hours must be from 1 to 720")
        url, link = registration_link_create(base_url=base, hours=hours, note=note)
        expires = link.expires_at.strftime("%Y-%m-%d %H:%M UTC")
        self.stdout.write(
            f"One-time registration link, valid until {expires} ({hours} hours), and dead after "
            f"{MAX_LINK_FAILURES} failed attempts. In the LMS, paste it as the tool's dynamic "
            "registration URL:"
        )
        self.stdout.write(url)
