"""Today's fee schedule (the rates that were fixed in code before the schedule existed), and
the Membership officer and Retention officer roles."""

from datetime import date
from decimal import Decimal

from django.db import migrations

from portal.accounts.roles import Role, grant

# Monthly subscription per band as the union's rules set them when the schedule began; the
# annual rate is twelve months.
TODAYS_MONTHLY_RATES = {
    "L1": Decimal("33.00"),
    "L2": Decimal("24.50"),
    "P1": Decimal("25.00"),
    "P2": Decimal("17.50"),
    "S1": Decimal("12.00"),
    "S2": Decimal("8.00"),
    "SE": Decimal("20.00"),
}
SCHEDULE_STARTS = date(2000, 1, 1)

OFFICER = [
    "view_feerate",
    "add_feerate",
    "change_feerate",
    "delete_feerate",
    "view_reduction",
    "change_reduction",
    "decide_reduction",
    "view_lifeevent",
    "view_membershipchange",
    "view_resignation",
    "view_subscription",
    "view_retention_report",
]


def load_rates(apps, schema_editor):
    FeeRate = apps.get_model("membership", "FeeRate")
    for band, monthly in TODAYS_MONTHLY_RATES.items():
        for frequency, amount in (("monthly", monthly), ("annual", monthly * 12)):
            FeeRate.objects.get_or_create(
                band=band,
                frequency=frequency,
                effective_from=SCHEDULE_STARTS,
                defaults={"amount": amount},
            )


def roles(apps, schema_editor):
    grant(
        apps,
        schema_editor,
        "membership",
        {
            Role.MEMBERSHIP_OFFICER: OFFICER,
            Role.RETENTION_OFFICER: ["view_retention_report"],
            Role.ADMINISTRATOR: [
                "view_feerate",
                "view_reduction",
                "view_lifeevent",
                "view_membershipchange",
                "view_resignation",
                "view_retention_report",
            ],
        },
    )
    grant(
        apps,
        schema_editor,
        "accounts",
        {
            Role.MEMBERSHIP_OFFICER: [
                "view_user",
                "view_membership",
                "change_membership",
                "view_employer",
                "view_region",
            ]
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("membership", "0001_initial"),
        ("accounts", "0007_consultation_consent"),
    ]

    operations = [
        migrations.RunPython(load_rates, migrations.RunPython.noop),
        migrations.RunPython(roles, migrations.RunPython.noop),
    ]
