from django.db import migrations

from portal.accounts.roles import Role, grant

# Ballots officers write ballots and approve each other's (never their own); regional
# officers (Caseworker) approve their regions' rep proposals; the membership officer alone
# exports the statutory register with home addresses, and reads the record of exports.
ROLE_PERMISSIONS = {
    Role.BALLOTS_OFFICER: [
        "add_ballot",
        "change_ballot",
        "delete_ballot",
        "view_ballot",
        "approve_ballot",
        "view_all_ballots",
    ],
    Role.CASEWORKER: ["view_ballot", "approve_ballot"],
    Role.MEMBERSHIP_OFFICER: ["export_register", "view_registerexport"],
}


def forwards(apps, schema_editor):
    grant(apps, schema_editor, "ballots", ROLE_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("ballots", "0001_initial"),
        ("accounts", "0010_workplaces"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
