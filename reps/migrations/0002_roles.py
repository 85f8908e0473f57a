"""The regional office decides reps (and verifies workplaces named at join): caseworkers (their regions) and the casework manager
(everywhere) confirm or decline volunteers and record reps' training."""

from django.db import migrations

from portal.accounts.roles import Role, grant

OFFICE = [
    "view_reprole",
    "change_reprole",
    "view_repsupport",
    "view_reptraining",
    "add_reptraining",
    "change_reptraining",
]


def roles(apps, schema_editor):
    grant(apps, schema_editor, "reps", {Role.CASEWORKER: OFFICE, Role.CASEWORK_MANAGER: OFFICE})
    # The regional office and the administrators verify workplaces named at join.
    workplaces = ["view_workplace", "change_workplace"]
    grant(
        apps,
        schema_editor,
        "accounts",
        {
            Role.CASEWORKER: workplaces,
            Role.CASEWORK_MANAGER: workplaces,
            Role.ADMINISTRATOR: workplaces,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("reps", "0001_initial"), ("accounts", "0010_workplaces")]

    operations = [migrations.RunPython(roles, migrations.RunPython.noop)]
