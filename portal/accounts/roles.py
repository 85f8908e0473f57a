"""Staff roles are Django groups. Each app's data migration grants its own permissions to
the roles through `grant`, so that the role table stays next to the models it is about."""

from __future__ import annotations


class Role:
    CASEWORKER = "Caseworker"
    LEAD_OFFICER = "Lead officer"
    CASEWORK_MANAGER = "Casework manager"
    PUBLISHER = "Publisher"
    COMMUNICATIONS_OFFICER = "Communications officer"
    ADMINISTRATOR = "Administrator"
    EQUALITY = "Equality monitoring"
    # Memberships, reduced rates and their evidence, the fee schedule (membership/).
    MEMBERSHIP_OFFICER = "Membership officer"
    # The Leadership section's retention officer: the retention report only.
    RETENTION_OFFICER = "Retention officer"
    # Indicative ballots and workplace surveys (ballots/): write, approve another's, results.
    BALLOTS_OFFICER = "Ballots officer"
    # Events: creates events, sees bookings and needs of the events they organise (events/).
    EVENTS_ORGANISER = "Events organiser"
    # Conferences: rules on motions (accept, composite, out of order) in the admin.
    STANDING_ORDERS_COMMITTEE = "Standing orders committee"

    ALL = (
        CASEWORKER,
        LEAD_OFFICER,
        CASEWORK_MANAGER,
        PUBLISHER,
        COMMUNICATIONS_OFFICER,
        ADMINISTRATOR,
        EQUALITY,
        MEMBERSHIP_OFFICER,
        RETENTION_OFFICER,
        BALLOTS_OFFICER,
        EVENTS_ORGANISER,
        STANDING_ORDERS_COMMITTEE,
    )

    # Roles that open confidential data or the power to grant roles: giving one to a person
    # needs a second administrator's approval (`services.user_save_access`).
    NEEDS_SECOND_APPROVAL = (EQUALITY, CASEWORK_MANAGER, ADMINISTRATOR)


# Any role (group) holding one of these also needs a second approval, whatever its name.
SENSITIVE_PERMISSIONS = (
    "accounts.view_equalitymonitoring",
    "accounts.change_user",
    "accounts.decide_rolegrant",
    "auth.change_group",
    "casework.view_all_cases",
)


def is_administrator(user) -> bool:
    """A signed-in, active staff member holding the Administrator role (or a superuser)."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and (user.is_superuser or user.groups.filter(name=Role.ADMINISTRATOR).exists())
    )


def grant(apps, schema_editor, app_label: str, table: dict[str, list[str]]) -> None:
    """Give each role (group) the listed codenames of `app_label`, creating what is missing.

    Permissions are normally created after migrations run; create them now so that a fresh
    database has complete roles as soon as it is migrated.
    """
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    create_permissions(global_apps.get_app_config(app_label), apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in table.items():
        group, _ = Group.objects.get_or_create(name=role)
        perms = list(
            Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        )
        missing = set(codenames) - {p.codename for p in perms}
        if missing:
            raise RuntimeError(f"Unknown permissions for {app_label}: {sorted(missing)}")
        group.permissions.add(*perms)
