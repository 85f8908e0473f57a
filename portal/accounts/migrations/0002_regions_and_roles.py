from django.db import migrations

from portal.accounts.choices import REGIONS
from portal.accounts.roles import Role, grant

MEMBER_READ = ["view_membership", "view_employer", "view_region", "view_user"]

ROLE_PERMISSIONS = {
    Role.CASEWORKER: MEMBER_READ,
    Role.LEAD_OFFICER: MEMBER_READ,
    Role.CASEWORK_MANAGER: MEMBER_READ,
    Role.PUBLISHER: [],
    Role.COMMUNICATIONS_OFFICER: ["view_region", "view_employer"],
    Role.ADMINISTRATOR: [
        f"{action}_{model}"
        for model in ("user", "membership", "employer", "region")
        for action in ("add", "change", "delete", "view")
    ]
    + ["view_consentstate", "view_consentevent"],
    Role.EQUALITY: ["view_equalitymonitoring"],
}


def forwards(apps, schema_editor):
    Region = apps.get_model("accounts", "Region")
    for slug, name, nation in REGIONS:
        Region.objects.update_or_create(slug=slug, defaults={"name": name, "nation": nation})
    grant(apps, schema_editor, "accounts", ROLE_PERMISSIONS)
    grant(
        apps,
        schema_editor,
        "auth",
        {Role.ADMINISTRATOR: ["view_group", "change_group", "add_group", "view_permission"]},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
