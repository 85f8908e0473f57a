"""`make messages`: the Welsh catalogue brought up to date with every string marked in the
portal's code and templates (Django's makemessages), leaving out what members never read:
the tests, the benchmark, the admin's own templates and modules, installed packages."""

from django.core.management import call_command
from django.core.management.base import BaseCommand

# Paths relative to the project root, as makemessages' --ignore takes them.
IGNORE = [
    ".venv/*",
    "*/node_modules/*",
    "node_modules/*",
    "tests/*",
    "bench/*",
    "var/*",
    "staticfiles/*",
    "deploy/*",
    "build/*",
    "*/migrations/*",
    "templates/admin/*",
    "*/templates/admin/*",
    "*/admin/*",
    "*admin.py",
    "*_admin.py",
]


class Command(BaseCommand):
    help = "Update locale/cy/LC_MESSAGES/django.po from the marked strings."

    def handle(self, *args, **options):
        call_command(
            "makemessages",
            locale=["cy"],
            ignore_patterns=IGNORE,
            use_default_ignore_patterns=True,
            add_location="file",
            no_obsolete=True,
            verbosity=options["verbosity"],
        )
