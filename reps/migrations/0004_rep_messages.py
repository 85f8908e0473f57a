"""Reps' messages to colleagues, as the regional office decides them in the admin: a proxy of
communications' Communication; caseworkers (their regions), the casework manager and
communications officers read, approve or return them."""

from django.db import migrations

from portal.accounts.roles import Role, grant

DECIDE = ["view_repmessage", "change_repmessage"]


def roles(apps, schema_editor):
    grant(
        apps,
        schema_editor,
        "reps",
        {
            Role.CASEWORKER: DECIDE,
            Role.CASEWORK_MANAGER: DECIDE,
            Role.COMMUNICATIONS_OFFICER: DECIDE,
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("communications", "0006_rep_messages"),
        ("reps", "0003_headcount"),
    ]

    operations = [
        migrations.CreateModel(
            name="RepMessage",
            fields=[],
            options={
                "verbose_name": "rep's message",
                "verbose_name_plural": "reps' messages",
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("communications.communication",),
        ),
        migrations.RunPython(roles, migrations.RunPython.noop),
    ]
