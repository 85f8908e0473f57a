from django.db import migrations

from portal.accounts.roles import Role, grant

CRUD = ("view", "add", "change", "delete")

ROLE_PERMISSIONS = {
    Role.PUBLISHER: [
        "view_document",
        "add_document",
        "change_document",
        "preview_edition",
        "view_documentdueforreview",
        *(f"{action}_edition" for action in CRUD),
        "approve_edition",
        *(f"{action}_standard" for action in CRUD),
        *(f"{action}_goodpracticeexample" for action in CRUD),
        "view_editionevent",
    ],
}


def forwards(apps, schema_editor):
    grant(apps, schema_editor, "standards", ROLE_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("standards", "0001_initial"),
        ("accounts", "0002_regions_and_roles"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
