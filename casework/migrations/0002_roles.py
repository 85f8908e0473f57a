from django.db import migrations

from portal.accounts.roles import Role, grant

OFFICER = [
    "view_case",
    "change_case",
    "take_case",
    "view_savedreply",
    "add_savedreply",
    "change_savedreply",
]

ROLE_PERMISSIONS = {
    Role.CASEWORKER: OFFICER + ["view_region_cases"],
    Role.LEAD_OFFICER: OFFICER + ["view_leadership_cases"],
    Role.CASEWORK_MANAGER: OFFICER
    + [
        "view_all_cases",
        "assign_case",
        "restrict_case",
        "view_case_access_log",
        "view_caseaccess",
        "view_casework_reports",
        "delete_savedreply",
    ],
}


def forwards(apps, schema_editor):
    grant(apps, schema_editor, "casework", ROLE_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0001_initial"),
        ("accounts", "0002_regions_and_roles"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
