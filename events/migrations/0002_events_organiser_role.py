"""The Events organiser role: creates events and their sessions, sees bookings and the
waiting list, takes the register. Needs given at booking are narrowed further, to the
organisers of each event, by events/access.py."""

from django.db import migrations

from portal.accounts.roles import Role, grant

ORGANISER = [
    "view_event",
    "add_event",
    "change_event",
    "view_eventsession",
    "add_eventsession",
    "change_eventsession",
    "delete_eventsession",
    "view_booking",
    "change_booking",
    "view_bookingneeds",
]


def roles(apps, schema_editor):
    grant(apps, schema_editor, "events", {Role.EVENTS_ORGANISER: ORGANISER})
    grant(
        apps,
        schema_editor,
        "accounts",
        {Role.EVENTS_ORGANISER: ["view_user", "view_membership", "view_region"]},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0001_initial"),
        ("accounts", "0010_workplaces"),
    ]

    operations = [migrations.RunPython(roles, migrations.RunPython.noop)]
