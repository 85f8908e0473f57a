import importlib

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from portal.accounts import demo


class Command(BaseCommand):
    help = "Load the demo data (demo mode only) and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--url", default=settings.SITE_URL)

    def handle(self, *args, **options):
        if not settings.DEMO_MODE:
            raise CommandError(
                "Demo data goes only into a demo database: set DEMO_MODE=1 (make run does)."
            )
        # The emails the demo data itself sends (case receipts, notices: a hundred or so) go
        # through the real sending path but into memory, not the console: what `make run`
        # prints is the logins, then only the email of what someone does in the portal.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            accounts = demo.seed()
            # Each other app may add its own demo data in a `demo.seed()` of its own.
            for config in apps.get_app_configs():
                if config.name == "portal.accounts":
                    continue
                try:
                    module = importlib.import_module(f"{config.name}.demo")
                except ModuleNotFoundError as error:
                    if error.name != f"{config.name}.demo":
                        raise
                    continue
                module.seed()
        out = self.stdout
        out.write("")
        out.write("=" * 78)
        out.write(f"Member portal: {options['url']}/")
        out.write(f"Demo password (every demo account): {demo.DEMO_PASSWORD}")
        out.write("Staff accounts need a code from an authenticator app: add the TOTP secret")
        out.write("shown next to the account to any authenticator app (e.g. as a manual key).")
        out.write("")
        for account in accounts:
            line = f"  {account['role']:<31} {account['email']:<27}"
            if account["totp"]:
                line += f" TOTP secret {account['totp']}"
            out.write(line.rstrip())
            out.write(f"  {'':<31} ({account['about']})")
        out.write("")
        out.write("Email (verification links, password resets) is printed below this server's log.")
        out.write("=" * 78)
