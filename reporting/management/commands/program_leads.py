"""Name, list and remove program leads (people who see a platform's program view)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from reporting.leads import LeadError, lead_add, lead_remove
from reporting.models import ProgramLead
from reporting.tenancy import platform_find, platform_label


def _platform(text: str) -> int:
    found = platform_find(text or "")
    if found is None:
        raise CommandError(
            f"no platform {text!r}: give a registration's id, name or issuer "
            "(python manage.py lti_platform list shows them)"
        )
    return found[0]


class Command(BaseCommand):
    help = (
        "Program leads: `add --platform P --email E|--sub S --program SLUG [--program ...]`, "
        "`list [--platform P]`, `remove --platform P --email E|--sub S [--program SLUG]`. "
        "LTI roles never make a lead; only this command or the Django admin do."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        for name in ("add", "remove"):
            p = sub.add_parser(name)
            p.add_argument("--platform", required=True, help="registration id, name or issuer")
            who = p.add_mutually_exclusive_group(required=True)
            who.add_argument("--email", default="", help="the email the LMS sends for them")
            who.add_argument("--sub", default="", help="their LMS user id (the launch's sub)")
            p.add_argument(
                "--program",
                action="append",
                default=[],
                required=name == "add",
                help="a program slug (repeat for several)",
            )
        listing = sub.add_parser("list")
        listing.add_argument("--platform", default="")

    def handle(self, *args, action: str, **opts):
        try:
            if action == "add":
                lead = lead_add(
                    platform_id=_platform(opts["platform"]),
                    email=opts["email"],
                    sub=opts["sub"],
                    programs=opts["program"],
                )
                programs = ", ".join(p.slug for p in lead.programs.all())
                self.stdout.write(f"{lead} leads {programs}")
            elif action == "remove":
                self.stdout.write(
                    lead_remove(
                        platform_id=_platform(opts["platform"]),
                        email=opts["email"],
                        sub=opts["sub"],
                        programs=opts["program"],
                    )
                )
            else:
                leads = ProgramLead.objects.prefetch_related("programs")
                if opts["platform"]:
                    leads = leads.filter(platform_id=_platform(opts["platform"]))
                rows = list(leads)
                if not rows:
                    self.stdout.write("no program leads")
                for lead in rows:
                    who = lead.email or f"sub {lead.sub}"
                    programs = ", ".join(p.slug for p in lead.programs.all())
                    label = platform_label(lead.platform_id)
                    self.stdout.write(f"{who}\t{label} (id {lead.platform_id})\t{programs}")
        except LeadError as exc:
            raise CommandError(str(exc)) from exc
