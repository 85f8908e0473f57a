"""Run by tests/ops/test_replica.py in a process of its own, against the throwaway primary
(DATABASE_URL) and its streaming replica (DATABASE_REPLICA_URL): reads a report and the
standards list the way the pages do and prints, as JSON, which database answered."""

import json
import os
import sys

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings_test")
django.setup()

from django.db import connections  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from casework import reports  # noqa: E402
from casework.access import cases_visible_to  # noqa: E402
from portal import db_router  # noqa: E402
from portal.accounts.models import User  # noqa: E402
from standards.selectors import published_editions  # noqa: E402

MANAGER = "replica-probe-manager@example.org"


def in_recovery(alias: str) -> bool:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        return cursor.fetchone()[0]


def setup() -> dict:
    User.objects.filter(email=MANAGER).delete()
    User.objects.create_superuser(email=MANAGER, password=None)
    return {}


def reads() -> dict:
    manager = User.objects.get(email=MANAGER)
    alias = db_router.replica_alias()
    watched = ["default"] + (["replica"] if alias == "replica" else [])
    captures = {a: CaptureQueriesContext(connections[a]) for a in watched}
    for capture in captures.values():
        capture.__enter__()
    report = reports.casework_report(
        cases_visible_to(manager),
        user=manager,
        period=reports.default_period(timezone.localdate()),
    )
    editions = list(published_editions())
    for capture in captures.values():
        capture.__exit__(None, None, None)
    return {
        "alias": alias,
        "queries": {a: len(c) for a, c in captures.items()},
        "in_recovery": in_recovery(alias),
        "open_cases": report.age.n,
        "editions": len(editions),
    }


def writes() -> dict:
    email = sys.argv[2]
    with db_router.replica_reads() as alias:
        User.objects.create_user(email=email, password=None)
        # A row read from the replica and saved again is saved on the primary (the
        # standby would refuse the UPDATE: it is read-only).
        manager = User.objects.get(email=MANAGER)
        loaded_from = manager._state.db
        manager.first_name = "Changed"
        manager.save(update_fields=["first_name"])
    return {"alias": alias, "loaded_from": loaded_from}


if __name__ == "__main__":
    print(json.dumps({"setup": setup, "reads": reads, "writes": writes}[sys.argv[1]]()))
