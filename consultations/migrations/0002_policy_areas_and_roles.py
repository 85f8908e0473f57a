from django.db import migrations

from portal.accounts.roles import Role, grant

# The union's policy areas, from its priorities for education and children's services.
POLICY_AREAS = [
    ("school-improvement", "School improvement"),
    ("send", "Special educational needs and disabilities (SEND)"),
    ("attendance-inclusion-exclusion", "Attendance, inclusion and exclusion"),
    ("devolved-nations", "Devolved-nation policy"),
    ("mental-health", "Mental health"),
    ("leadership-governance", "Leadership, management and governance"),
    ("curriculum-assessment", "Curriculum and assessment"),
]

EDIT = ["add", "change", "delete", "view"]
ROLE_PERMISSIONS = {
    Role.PUBLISHER: [
        f"{action}_{model}"
        for model in ("consultation", "questionsection", "question")
        for action in EDIT
    ]
    + ["view_policyarea", "analyse_consultation", "view_consultationevent"],
    Role.ADMINISTRATOR: [f"{action}_policyarea" for action in EDIT]
    + ["view_consultation", "view_consultationevent"],
}


def forwards(apps, schema_editor):
    PolicyArea = apps.get_model("consultations", "PolicyArea")
    for order, (slug, name) in enumerate(POLICY_AREAS):
        PolicyArea.objects.update_or_create(slug=slug, defaults={"name": name, "order": order})
    grant(apps, schema_editor, "consultations", ROLE_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("consultations", "0001_initial"),
        ("accounts", "0002_regions_and_roles"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
