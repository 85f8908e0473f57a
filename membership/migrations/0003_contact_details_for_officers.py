"""The membership officer keeps members' home addresses and mobiles up to date (accounts
migration 0008 added them): their screen, and the record of who changed which field."""

from django.db import migrations

from portal.accounts.roles import Role, grant


def roles(apps, schema_editor):
    grant(
        apps,
        schema_editor,
        "accounts",
        {
            Role.MEMBERSHIP_OFFICER: [
                "view_contactdetails",
                "add_contactdetails",
                "change_contactdetails",
                "view_contactdetailschange",
            ]
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("membership", "0002_rates_and_roles"),
        ("accounts", "0008_contact_details_and_data_exports"),
    ]

    operations = [migrations.RunPython(roles, migrations.RunPython.noop)]
