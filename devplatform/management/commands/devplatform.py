from django.core.management.base import BaseCommand

from devplatform.platform import register


class Command(BaseCommand):
    help = "Register the development platform with this tool (idempotent)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        setup = sub.add_parser("setup")
        setup.add_argument("--base-url", default="http://127.0.0.1:8000")

    def handle(self, *args, action, base_url, **opts):
        platform = register(base_url)
        self.stdout.write(
            f"development platform registered: {platform.issuer} (client id {platform.client_id})"
        )
        self.stdout.write(
            f"open {base_url.rstrip('/')}/dev/platform/ to launch as a teacher or a trainer"
        )
