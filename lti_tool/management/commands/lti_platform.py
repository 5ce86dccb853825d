from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from lti_tool.models import Platform
from lti_tool.registration import platform_register


class Command(BaseCommand):
    help = "Register, list and remove LMS platforms (LTI 1.3 registrations)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="Register a platform, or update it and add deployments.")
        add.add_argument("--issuer", required=True, metavar="URL")
        add.add_argument("--client-id", required=True, metavar="ID")
        add.add_argument("--auth-login-url", required=True, metavar="URL")
        add.add_argument("--auth-token-url", required=True, metavar="URL")
        add.add_argument("--keyset-url", required=True, metavar="URL")
        add.add_argument(
            "--deployment-id", required=True, action="append", metavar="ID", dest="deployment_ids"
        )
        add.add_argument("--name", default="")
        add.add_argument("--auth-audience", default="", metavar="URL")
        add.add_argument(
            "--time-zone",
            default=None,
            metavar="ZONE",
            help="IANA zone the platform's pages show times in (e.g. America/Chicago); "
            "'' for the server's TIME_ZONE. Left out: unchanged on an update.",
        )
        sub.add_parser("list", help="List registered platforms and their deployments.")
        rm = sub.add_parser(
            "remove", help="Remove a registration (and everything launched through it)."
        )
        rm.add_argument("--issuer", required=True, metavar="URL")
        rm.add_argument("--client-id", required=True, metavar="ID")

    def handle(self, *args, action: str, **opts):
        getattr(self, f"_{action}")(**opts)

    def _add(self, **opts):
        try:
            platform, created = platform_register(
                issuer=opts["issuer"],
                client_id=opts["client_id"],
                auth_login_url=opts["auth_login_url"],
                auth_token_url=opts["auth_token_url"],
                keyset_url=opts["keyset_url"],
                deployment_ids=opts["deployment_ids"],
                name=opts["name"],
                auth_audience=opts["auth_audience"],
                time_zone=opts["time_zone"],
            )
        except ValidationError as exc:
            problems = "; ".join(
                f"{field}: {' '.join(msgs)}"
                for field, msgs in getattr(exc, "message_dict", {"": exc.messages}).items()
            )
            raise CommandError(f"not registered: {problems}") from None
        deployments = ", ".join(platform.deployments.values_list("deployment_id", flat=True))
        verb = "registered" if created else "updated"
        self.stdout.write(
            f"{verb} {platform} [issuer {platform.issuer}, client id {platform.client_id}]; deployments: {deployments}"
        )

    def _list(self, **opts):
        platforms = Platform.objects.prefetch_related("deployments")
        if not platforms:
            self.stdout.write("no platforms registered")
        for p in platforms:
            deployments = ", ".join(d.deployment_id for d in p.deployments.all()) or "(none)"
            state = "" if p.is_active else " [inactive]"
            zone = f"\ttime zone: {p.time_zone}" if p.time_zone else ""
            self.stdout.write(
                f"{p.name or '-'}\t{p.issuer}\t{p.client_id}\tdeployments: {deployments}"
                f"{zone}{state}"
            )

    def _remove(self, **opts):
        platform = Platform.objects.filter(
            issuer=opts["issuer"], client_id=opts["client_id"]
        ).first()
        if platform is None:
            raise CommandError(
                f"no platform with issuer {opts['issuer']} and client id {opts['client_id']}"
            )
        platform.delete()
        self.stdout.write(f"removed {opts['issuer']} ({opts['client_id']})")
