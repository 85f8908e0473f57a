from django.db import migrations

from portal.accounts.roles import Role, grant

COMMS = [
    "add_communication",
    "change_communication",
    "delete_communication",
    "view_communication",
    "approve_communication",
    "send_communication",
    "view_delivery",
    "view_addressstatus",
    "view_addressevent",
]

ROLE_PERMISSIONS = {
    Role.COMMUNICATIONS_OFFICER: COMMS,
    Role.ADMINISTRATOR: [
        "view_communication",
        "view_delivery",
        "view_addressstatus",
        "view_addressevent",
    ],
}


def forwards(apps, schema_editor):
    grant(apps, schema_editor, "communications", ROLE_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("communications", "0001_initial"),
        ("accounts", "0002_regions_and_roles"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
