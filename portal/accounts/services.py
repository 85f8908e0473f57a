"""Writes about members. Views, the admin, commands and tasks all come through here."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.db.models import Case, Q, When
from django.urls import reverse
from django.utils import timezone

from portal.tasks import enqueue_on_commit

from . import contact, exports, fees
from .choices import Channel, CommunicationKind, MembershipStatus, consent_default
from .membership import new_membership_number, place_member
from .models import (
    ConsentEvent,
    ConsentState,
    ContactDetails,
    ContactDetailsChange,
    DataExport,
    DataExportStatus,
    Employer,
    EqualityMonitoring,
    Membership,
    RecordAccess,
    RecordPart,
    RoleGrant,
    RoleGrantStatus,
    User,
    Workplace,
)
from .notices import absolute_url, notice_send
from .roles import SENSITIVE_PERMISSIONS, Role

MEMBERSHIP_NUMBER_ATTEMPTS = 20
# The membership's fields whose every change is written to its history.
TRACKED_FIELDS = (
    "status",
    "employer_id",
    "job_role",
    "hours",
    "section",
    "fee_band",
    "workplace_postcode",
    "nation",
    "region_id",
    "is_rep",
    "joined_on",
)


@dataclass(frozen=True)
class NewEmployer:
    name: str
    kind: str
    town: str = ""

    @property
    def label(self) -> str:
        return f"{self.name}, {self.town}" if self.town else self.name


def employer_get_or_create(*, employer: Employer | NewEmployer) -> Employer:
    if isinstance(employer, Employer):
        return employer
    existing = Employer.objects.filter(
        name__iexact=employer.name, town__iexact=employer.town, kind=employer.kind
    ).first()
    if existing:
        return existing
    return Employer.objects.create(
        name=employer.name, kind=employer.kind, town=employer.town, verified=False
    )


def workplace_for(*, employer: Employer, postcode: str) -> Workplace:
    """The workplace a member at this employer and workplace postcode works at, when they
    have not chosen one by name: the employer's workplace with that postcode (the one named
    after the employer first), else a new one named after the employer, unverified like a
    new employer until an officer checks it."""
    existing = (
        Workplace.objects.filter(employer=employer, postcode=postcode)
        .order_by(Case(When(name__iexact=employer.name, then=0), default=1), "pk")
        .first()
    )
    if existing:
        return existing
    workplace, _ = Workplace.objects.get_or_create(
        employer=employer,
        name=employer.name,
        postcode=postcode,
        defaults={"town": employer.town, "verified": False},
    )
    return workplace


@dataclass(frozen=True)
class NewWorkplace:
    """A workplace a person typed that is not in the employer's list: added unverified."""

    name: str

    @property
    def label(self) -> str:
        return self.name


def workplace_choose(
    *, employer: Employer, workplace: Workplace | NewWorkplace | None, postcode: str
) -> Workplace:
    """The workplace a member chose (one of the employer's, or a new one by name, added
    unverified at the workplace postcode they gave), or else `workplace_for`'s guess."""
    if isinstance(workplace, Workplace) and workplace.employer_id == employer.pk:
        return workplace
    if isinstance(workplace, NewWorkplace):
        found = Workplace.objects.filter(
            employer=employer, name__iexact=workplace.name, postcode=postcode
        ).first()
        if found:
            return found
        found, _ = Workplace.objects.get_or_create(
            employer=employer,
            name=workplace.name,
            postcode=postcode,
            defaults={"town": employer.town, "verified": False},
        )
        return found
    return workplace_for(employer=employer, postcode=postcode)


def _unused_membership_number() -> str:
    for _ in range(MEMBERSHIP_NUMBER_ATTEMPTS):
        number = new_membership_number()
        if not Membership.objects.filter(number=number).exists():
            return number
    raise RuntimeError("Could not find an unused membership number.")


@transaction.atomic
def member_join(
    *,
    email: str,
    password_hash: str,
    first_name: str,
    last_name: str,
    employer: Employer | NewEmployer,
    job_role: str,
    hours: str,
    workplace_postcode: str,
    nation: str,
    region_id: int,
    rep_contact: bool = False,
    workplace: Workplace | NewWorkplace | None = None,
) -> Membership:
    """A new applicant: their account (email not yet verified), membership and consents,
    all withdrawn until they choose otherwise (contact from their workplace rep is asked on
    the join form)."""
    from allauth.account.models import EmailAddress

    user = User(email=email.lower(), first_name=first_name, last_name=last_name)
    user.password = password_hash
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)
    placement = place_member(job_role=job_role, hours=hours)
    employer = employer_get_or_create(employer=employer)
    membership = Membership.objects.create(
        user=user,
        number=_unused_membership_number(),
        status=MembershipStatus.APPLICANT,
        employer=employer,
        workplace=workplace_choose(
            employer=employer, workplace=workplace, postcode=workplace_postcode
        ),
        job_role=job_role,
        hours=hours,
        section=placement.section,
        fee_band=placement.fee_band,
        workplace_postcode=workplace_postcode,
        nation=nation,
        region_id=region_id,
    )
    if rep_contact:
        consent_set(
            user=user,
            granted={(CommunicationKind.REP_CONTACT, Channel.EMAIL)},
            kinds=[CommunicationKind.REP_CONTACT],
            source="join",
        )
    return membership


def membership_activate(*, membership: Membership) -> bool:
    """An applicant whose email is verified becomes active (payment is not handled here)."""
    if membership.status != MembershipStatus.APPLICANT:
        return False
    membership.status = MembershipStatus.ACTIVE
    membership.status_changed_at = timezone.now()
    membership.save(update_fields=["status", "status_changed_at"])
    return True


@dataclass(frozen=True)
class ProfileChange:
    old_section: str
    new_section: str
    old_band: str
    new_band: str

    @property
    def section_changed(self) -> bool:
        return self.old_section != self.new_section

    @property
    def band_changed(self) -> bool:
        return self.old_band != self.new_band


@transaction.atomic
def membership_update_profile(
    *,
    membership: Membership,
    first_name: str,
    last_name: str,
    employer: Employer | NewEmployer,
    job_role: str,
    hours: str,
    workplace_postcode: str,
    nation: str,
    region_id: int,
    workplace: Workplace | NewWorkplace | None = None,
) -> ProfileChange:
    """Save a member's details; a new role or hours re-derive section and fee band. Each
    change of the membership's terms is recorded in its history (`fees.membership_changed`)."""
    user = membership.user
    before = {name: getattr(membership, name) for name in TRACKED_FIELDS}
    user.first_name, user.last_name = first_name, last_name
    user.save(update_fields=["first_name", "last_name"])
    placement = place_member(job_role=job_role, hours=hours)
    change = ProfileChange(
        membership.section, placement.section, membership.fee_band, placement.fee_band
    )
    membership.employer = employer_get_or_create(employer=employer)
    if workplace is not None:
        membership.workplace = workplace_choose(
            employer=membership.employer, workplace=workplace, postcode=workplace_postcode
        )
    elif (
        membership.workplace_id is None
        or membership.workplace.employer_id != membership.employer_id
        or membership.workplace.postcode != workplace_postcode
    ):
        membership.workplace = workplace_for(
            employer=membership.employer, postcode=workplace_postcode
        )
    membership.job_role = job_role
    membership.hours = hours
    membership.section = placement.section
    membership.fee_band = placement.fee_band
    membership.workplace_postcode = workplace_postcode
    membership.nation = nation
    membership.region_id = region_id
    membership.save(
        update_fields=[
            "employer",
            "workplace",
            "job_role",
            "hours",
            "section",
            "fee_band",
            "workplace_postcode",
            "nation",
            "region",
        ]
    )
    fees.membership_changed(membership=membership, before=before, actor=user, source="profile")
    return change


LANGUAGE_UNKNOWN = "Choose English or Cymraeg."


def user_language_set(*, user: User, language: str) -> None:
    """Remember the language a member reads the portal and their emails in."""
    from django.conf import settings

    if language not in {code for code, _name in settings.LANGUAGES}:
        raise ValueError(LANGUAGE_UNKNOWN)
    user.language = language
    user.save(update_fields=["language"])


@transaction.atomic
def consent_set(
    *, user: User, granted: set[tuple[str, str]], kinds: list[str], source: str = "preferences"
) -> list[ConsentEvent]:
    """Record the member's choice for every (kind, channel) offered; an event for each change."""
    now = timezone.now()
    current = {
        (c.kind, c.channel): c for c in ConsentState.objects.select_for_update().filter(user=user)
    }
    events = []
    for kind in kinds:
        for channel in Channel.values:
            want = (kind, channel) in granted
            state = current.get((kind, channel))
            if state is None:
                if want == consent_default(kind, channel):
                    continue  # never chosen, and the default is what they want
                state = ConsentState(user=user, kind=kind, channel=channel)
            elif state.granted == want:
                continue
            state.granted, state.changed_at = want, now
            state.save()
            events.append(
                ConsentEvent(
                    user=user, kind=kind, channel=channel, granted=want, source=source, at=now
                )
            )
    ConsentEvent.objects.bulk_create(events)
    return events


def consent_withdraw(*, user: User, kind: str, channel: str = Channel.EMAIL, source: str) -> bool:
    """Withdraw one consent (e.g. from an unsubscribe link). True if it changed."""
    with transaction.atomic():
        state = (
            ConsentState.objects.select_for_update()
            .filter(user=user, kind=kind, channel=channel)
            .first()
        )
        if state is None and consent_default(kind, channel):
            state = ConsentState(user=user, kind=kind, channel=channel, granted=True)
        if state is None or not state.granted:
            return False
        state.granted, state.changed_at = False, timezone.now()
        state.save()
        ConsentEvent.objects.create(
            user=user, kind=kind, channel=channel, granted=False, source=source
        )
        return True


def equality_save(*, user: User, data: dict) -> EqualityMonitoring:
    record, _ = EqualityMonitoring.objects.update_or_create(user=user, defaults=data)
    return record


def equality_delete(*, user: User) -> None:
    EqualityMonitoring.objects.filter(user=user).delete()


def membership_set_status_bulk(*, memberships, status: str, actor: User | None = None) -> int:
    """Set the status of several memberships (e.g. an admin action); returns how many changed.
    Each change is in that membership's history with who made it, as for one edited alone."""
    status = MembershipStatus(status)
    now = timezone.now()
    changed = 0
    with transaction.atomic():
        for membership in memberships.exclude(status=status).select_for_update():
            before = {"status": membership.status}
            membership.status, membership.status_changed_at = status, now
            membership.save(update_fields=["status", "status_changed_at"])
            fees.membership_changed(
                membership=membership, before=before, actor=actor, source="staff"
            )
            changed += 1
    return changed


def membership_save_from_admin(*, membership: Membership, actor: User | None = None) -> Membership:
    """Staff edit a membership: section and fee band always follow role and hours; each
    change is recorded in the membership's history with who made it."""
    stored = Membership.objects.filter(pk=membership.pk).first() if membership.pk else None
    before = {name: getattr(stored, name) for name in TRACKED_FIELDS} if stored else None
    placement = place_member(job_role=membership.job_role, hours=membership.hours)
    membership.section, membership.fee_band = placement.section, placement.fee_band
    if not membership.pk and not membership.number:
        membership.number = _unused_membership_number()
    with transaction.atomic():
        membership.save()
        if before is not None:
            fees.membership_changed(
                membership=membership, before=before, actor=actor, source="staff"
            )
    return membership


# -- who may do what: roles, permissions, regions, staff and superuser status ---------------

SELF_CHANGE = (
    "Nobody may change their own roles, permissions, regions, staff, superuser or active "
    "status: ask another administrator."
)
NO_CHANGE_PERMISSION = "You do not have permission to change people's access."
SUPERUSER_ONLY = "Only a superuser may change superuser status."
NO_NEW_SUPERUSERS = (
    "Superusers are made only on the command line (manage.py createsuperuser), never here."
)
PERMISSIONS_SUPERUSER_ONLY = (
    "Only a superuser may give or remove individual permissions: give a role instead."
)
CREDENTIALS_SUPERUSER_ONLY = (
    "Only a superuser may change the email address or password of a superuser or of someone "
    "holding a role that needs a second approval: they can reset their own password."
)
GRANT_NO_PERMISSION = "You do not have permission to approve or refuse role grants."
GRANT_NOT_PENDING = "This role grant has already been decided."
GRANT_OWN_REQUEST = (
    "You asked for this role grant: another administrator must approve or refuse it."
)
GRANT_FOR_YOU = "This role grant is for you: another administrator must approve or refuse it."
GRANT_CANCEL_NOT_YOURS = "Only the administrator who asked for a role grant may cancel it."

ACCESS_FLAGS = ("is_staff", "is_superuser", "is_active")


class AccessError(Exception):
    """A rule about people's access was broken; the message is one of the constants above."""


@dataclass
class AccessChange:
    """What `user_save_access` did: groups added at once, and grants waiting for approval."""

    granted: list[Group] = field(default_factory=list)
    pending: list[RoleGrant] = field(default_factory=list)
    changed: bool = False


def _act_as(actor: User) -> None:
    """Tell the database's history triggers who is acting, for this transaction only."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('portal.actor_id', %s, true)", [str(actor.pk)])


def group_needs_second_approval(group: Group) -> bool:
    if group.name in Role.NEEDS_SECOND_APPROVAL:
        return True
    held = {
        f"{app}.{codename}"
        for app, codename in group.permissions.values_list("content_type__app_label", "codename")
    }
    return bool(held & set(SENSITIVE_PERMISSIONS))


def _holds_guarded_access(user: User) -> bool:
    stored = User.objects.filter(pk=user.pk).first()
    if stored is None:
        return False
    return stored.is_superuser or any(group_needs_second_approval(g) for g in stored.groups.all())


def user_credentials_problem(*, actor: User, user: User) -> str | None:
    """Whoever sets the password or login email of an account can log in as it: only a
    superuser does that for a superuser or for someone in a role that needs a second
    approval (an administrator could otherwise take over the second administrator)."""
    if actor.is_superuser or (actor.pk is not None and actor.pk == user.pk):
        return None
    if user.pk is not None and _holds_guarded_access(user):
        return CREDENTIALS_SUPERUSER_ONLY
    return None


def _administrators_except(actor: User):
    return (
        User.objects.filter(is_active=True, is_staff=True)
        .filter(Q(groups__name=Role.ADMINISTRATOR) | Q(is_superuser=True))
        .exclude(pk=actor.pk)
        .distinct()
    )


def _announce(*, actor: User, kind: str, context: dict) -> None:
    """A service notice to every other administrator: ids and a link, nothing personal."""
    for administrator in _administrators_except(actor):
        notice_send(user=administrator, kind=kind, context=context)


def _announce_change(*, actor: User, user: User) -> None:
    url = absolute_url(reverse("admin:accounts_user_change", args=[user.pk]))
    _announce(actor=actor, kind="role_change", context={"user_id": user.pk, "url": url})


@dataclass
class _AccessDiff:
    flags: set[str]
    groups: tuple[set, set]  # (current, wanted)
    user_permissions: tuple[set, set]
    regions: tuple[set, set]

    @property
    def touches(self) -> bool:
        return bool(self.flags) or any(
            now != wanted for now, wanted in (self.groups, self.user_permissions, self.regions)
        )


def _access_diff(*, user: User, flags: dict, groups, user_permissions, regions, lock: bool):
    if user.pk is None:
        before = {"is_staff": False, "is_superuser": False, "is_active": True}
        current = (set(), set(), set())
    else:
        stored = User.objects.all()
        if lock:
            stored = stored.select_for_update()
        stored = stored.get(pk=user.pk)
        before = {flag: getattr(stored, flag) for flag in ACCESS_FLAGS}
        current = (
            set(stored.groups.all()),
            set(stored.user_permissions.all()),
            set(stored.regions.all()),
        )
    wanted = [
        now if asked is None else set(asked)
        for now, asked in zip(current, (groups, user_permissions, regions), strict=True)
    ]
    return _AccessDiff(
        flags={flag for flag in ACCESS_FLAGS if flags.get(flag, before[flag]) != before[flag]},
        groups=(current[0], wanted[0]),
        user_permissions=(current[1], wanted[1]),
        regions=(current[2], wanted[2]),
    )


def _access_problem(*, actor: User, user: User, diff: _AccessDiff, flags: dict) -> str | None:
    if not actor.has_perm("accounts.add_user" if user.pk is None else "accounts.change_user"):
        return NO_CHANGE_PERMISSION
    if user.pk is not None and "email" in flags:
        stored_email = User.objects.filter(pk=user.pk).values_list("email", flat=True).first()
        if stored_email != flags["email"]:
            problem = user_credentials_problem(actor=actor, user=user)
            if problem:
                return problem
    if not diff.touches:
        return None
    if user.pk is not None and actor.pk == user.pk:
        return SELF_CHANGE
    if "is_superuser" in diff.flags:
        if not actor.is_superuser:
            return SUPERUSER_ONLY
        if flags["is_superuser"]:
            return NO_NEW_SUPERUSERS
    now, wanted = diff.user_permissions
    if now != wanted and not actor.is_superuser:
        return PERMISSIONS_SUPERUSER_ONLY
    return None


def user_access_problem(
    *, actor: User, user: User, flags: dict, groups=None, user_permissions=None, regions=None
) -> str | None:
    """Why `user_save_access` would refuse these values, or None: for the admin's form."""
    diff = _access_diff(
        user=user,
        flags=flags,
        groups=groups,
        user_permissions=user_permissions,
        regions=regions,
        lock=False,
    )
    return _access_problem(actor=actor, user=user, diff=diff, flags=flags)


@transaction.atomic
def user_save_access(
    *,
    actor: User,
    user: User,
    groups=None,
    user_permissions=None,
    regions=None,
) -> AccessChange:
    """Save a user edited by staff (the admin's user form), with the access it asks for.

    `user` carries the new values of its own fields; `groups`, `user_permissions` and
    `regions` are the wanted sets, or None to leave them alone. Nobody changes their own
    access; only a superuser changes superuser status (and only to remove it) or direct
    permissions; roles in `Role.NEEDS_SECOND_APPROVAL` (or holding a sensitive permission)
    become a pending `RoleGrant` for another administrator to approve; other roles are given
    at once and recorded. Every change is written to the history by the database and
    announced to the other administrators."""
    flags = {flag: getattr(user, flag) for flag in ACCESS_FLAGS}
    flags["email"] = user.email
    diff = _access_diff(
        user=user,
        flags=flags,
        groups=groups,
        user_permissions=user_permissions,
        regions=regions,
        lock=True,
    )
    problem = _access_problem(actor=actor, user=user, diff=diff, flags=flags)
    if problem:
        raise AccessError(problem)
    _act_as(actor)
    user.save()
    result = AccessChange(changed=diff.touches)
    if not diff.touches:
        return result
    regions_now, regions_wanted = diff.regions
    if regions_now != regions_wanted:
        user.regions.set(list(regions_wanted))
    perms_now, perms_wanted = diff.user_permissions
    if perms_now != perms_wanted:
        user.user_permissions.set(list(perms_wanted))
    groups_now, groups_wanted = diff.groups
    removed = groups_now - groups_wanted
    if removed:
        user.groups.remove(*removed)
    now = timezone.now()
    for group in sorted(groups_wanted - groups_now, key=lambda g: g.name):
        if group_needs_second_approval(group):
            result.pending.append(_role_grant_request(actor=actor, user=user, group=group))
            continue
        user.groups.add(group)
        RoleGrant.objects.create(
            user=user,
            group=group,
            requested_by=actor,
            requested_at=now,
            status=RoleGrantStatus.DIRECT,
            decided_at=now,
        )
        result.granted.append(group)
    applied = (
        diff.flags
        or removed
        or result.granted
        or perms_now != perms_wanted
        or regions_now != regions_wanted
    )
    if applied:
        _announce_change(actor=actor, user=user)
    return result


def _role_grant_request(*, actor: User, user: User, group: Group) -> RoleGrant:
    existing = RoleGrant.objects.filter(
        user=user, group=group, status=RoleGrantStatus.PENDING
    ).first()
    if existing:
        return existing
    grant = RoleGrant.objects.create(user=user, group=group, requested_by=actor)
    url = absolute_url(reverse("admin:accounts_rolegrant_change", args=[grant.pk]))
    _announce(
        actor=actor,
        kind="role_grant_requested",
        context={"grant_id": grant.pk, "user_id": user.pk, "url": url},
    )
    return grant


def _locked_pending_grant(*, grant: RoleGrant) -> RoleGrant:
    grant = RoleGrant.objects.select_for_update().select_related("user", "group").get(pk=grant.pk)
    if grant.status != RoleGrantStatus.PENDING:
        raise AccessError(GRANT_NOT_PENDING)
    return grant


@transaction.atomic
def role_grant_decide(*, actor: User, grant: RoleGrant, approve: bool) -> RoleGrant:
    """A second administrator approves (the person joins the role now) or refuses a pending
    grant. Never the one who asked, never the person it is for."""
    if not actor.has_perm("accounts.decide_rolegrant"):
        raise AccessError(GRANT_NO_PERMISSION)
    grant = _locked_pending_grant(grant=grant)
    if actor.pk == grant.requested_by_id:
        raise AccessError(GRANT_OWN_REQUEST)
    if actor.pk == grant.user_id:
        raise AccessError(GRANT_FOR_YOU)
    _act_as(actor)
    grant.status = RoleGrantStatus.APPROVED if approve else RoleGrantStatus.REFUSED
    grant.decided_by, grant.decided_at = actor, timezone.now()
    grant.save(update_fields=["status", "decided_by", "decided_at"])
    if approve:
        grant.user.groups.add(grant.group)
        _announce_change(actor=actor, user=grant.user)
    return grant


@transaction.atomic
def role_grant_cancel(*, actor: User, grant: RoleGrant) -> RoleGrant:
    """The administrator who asked withdraws a pending grant (to change it, ask again)."""
    grant = _locked_pending_grant(grant=grant)
    if actor.pk != grant.requested_by_id:
        raise AccessError(GRANT_CANCEL_NOT_YOURS)
    grant.status, grant.decided_at = RoleGrantStatus.CANCELLED, timezone.now()
    grant.save(update_fields=["status", "decided_at"])
    return grant


# --- Contact details ----------------------------------------------------------------------

CONTACT_NOT_ALLOWED = "Only the member or a membership officer may change contact details."


class ContactDetailsError(Exception):
    """The contact details asked for are not valid: `problems` by field."""

    def __init__(self, problems: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


def contact_details_clean(*, data: dict) -> tuple[dict[str, str], dict[str, str]]:
    """The contact details as they are kept (postcode normalised, mobile in E.164) and the
    problems with them by field. The member's form, the admin's form and the save all ask
    this, so that none of them keeps something another would refuse."""
    clean = {name: " ".join(str(data.get(name) or "").split()) for name in contact.ALL_FIELDS}
    problems = contact.address_problems(clean)
    if not any(clean[f] for f in contact.ADDRESS_FIELDS):
        # No address: no country either (a country alone says nothing about where to write).
        clean["country"] = ""
    elif clean["country"] and "postcode" not in problems:
        clean["postcode"] = contact.check_postcode(
            country=clean["country"], postcode=clean["postcode"]
        ).value
    mobile = contact.check_mobile(clean["mobile"], country=clean["country"] or "GB")
    if mobile.problem:
        problems["mobile"] = mobile.problem
    else:
        clean["mobile"] = mobile.value
    return clean, problems


def contact_details_may_change(*, actor: User, user: User) -> bool:
    return actor.pk == user.pk or actor.has_perm("accounts.change_contactdetails")


@transaction.atomic
def contact_details_save(*, actor: User, user: User, data: dict) -> list[str]:
    """Save a member's home address and mobile (by the member or a membership officer) and
    record each changed field, who changed it and when. Returns the changed fields."""
    if not contact_details_may_change(actor=actor, user=user):
        raise AccessError(CONTACT_NOT_ALLOWED)
    clean, problems = contact_details_clean(data=data)
    if problems:
        raise ContactDetailsError(problems)
    record = ContactDetails.objects.select_for_update().filter(user=user).first()
    if record is None:
        record = ContactDetails(user=user)
    changed = [name for name in contact.ALL_FIELDS if getattr(record, name) != clean[name]]
    if not changed:
        return []
    now = timezone.now()
    for name in changed:
        setattr(record, name, clean[name])
    record.updated_at = now
    record.save()
    ContactDetailsChange.objects.bulk_create(
        ContactDetailsChange(
            user=user,
            actor=actor,
            by_member=actor.pk == user.pk,
            field=name,
            cleared=not clean[name],
            at=now,
        )
        for name in changed
    )
    return changed


def record_access_log(*, user: User, viewer: User, part: str, request=None) -> None:
    """Someone other than the member opened a part of the member's record (in the admin)."""
    if viewer.pk == user.pk:
        return
    RecordAccess.objects.create(
        user=user,
        viewer=viewer,
        part=RecordPart(part),
        ip=request.META.get("REMOTE_ADDR") if request is not None else None,
    )


# --- Data export ----------------------------------------------------------------------------

EXPORT_GONE = "This download link has been used or has expired. Prepare a new download."


class DataExportUnavailable(Exception):
    pass


def _export_setting(name: str, default):
    from django.conf import settings

    return getattr(settings, name, default)


def data_export_link_seconds() -> int:
    return int(_export_setting("DATA_EXPORT_LINK_SECONDS", 3600))


def data_export_current(*, user: User) -> DataExport | None:
    """The member's latest request that is still being prepared or waiting to be downloaded."""
    return (
        DataExport.objects.filter(
            user=user, status__in=[DataExportStatus.PREPARING, DataExportStatus.READY]
        )
        .order_by("-requested_at", "-pk")
        .first()
    )


@transaction.atomic
def data_export_request(*, user: User) -> DataExport:
    """A member asks for their data. A request still being prepared is reused; a ready one
    is replaced (its file deleted), so that there is one live link at a time. Small accounts
    are prepared at once, large ones by the task."""
    User.objects.select_for_update().filter(pk=user.pk).first()  # one request at a time
    current = data_export_current(user=user)
    if current is not None and current.status == DataExportStatus.PREPARING:
        return current
    if current is not None:
        _export_discard(export=current, status=DataExportStatus.EXPIRED)
    export = DataExport.objects.create(user=user, key=uuid.uuid4())
    if exports.is_small(user):
        data_export_build(export_id=export.pk)
        export.refresh_from_db()
    else:
        enqueue_on_commit("portal.accounts.tasks.data_export_build", export.pk)
    return export


@transaction.atomic
def data_export_build(*, export_id: int) -> bool:
    """Make the ZIP of a request still being prepared and store it encrypted; the link then
    works for an hour. Idempotent: a request no longer being prepared is left alone."""
    export = (
        DataExport.objects.select_for_update()
        .select_related("user")
        .filter(pk=export_id, status=DataExportStatus.PREPARING)
        .first()
    )
    if export is None:
        return False
    built = exports.build_zip(export.user)
    export.stored_as = exports.export_storage_write(str(export.key), built.content)
    now = timezone.now()
    export.status = DataExportStatus.READY
    export.ready_at = now
    export.expires_at = now + timedelta(seconds=data_export_link_seconds())
    export.file_count = built.file_count
    export.size = len(built.content)
    export.save(
        update_fields=["stored_as", "status", "ready_at", "expires_at", "file_count", "size"]
    )
    return True


def _export_discard(*, export: DataExport, status: str) -> None:
    exports.export_storage_delete(export.stored_as)
    export.status = status
    export.stored_as = ""
    export.save(update_fields=["status", "stored_as"])


def data_export_take(*, user: User, key) -> tuple[DataExport, bytes]:
    """The ZIP behind a download link, once: the member's own link, ready, not expired. The
    stored file is deleted as it is handed over. Raises DataExport.DoesNotExist for a link
    that is not the member's (the view answers 404), DataExportUnavailable for one used or
    expired (which is then recorded as expired and its file deleted)."""
    with transaction.atomic():
        export = DataExport.objects.select_for_update().get(user=user, key=key)
        data = None
        if export.status == DataExportStatus.READY:
            if export.expires_at > timezone.now():
                data = exports.export_storage_read(export.stored_as)
            if data is None:
                _export_discard(export=export, status=DataExportStatus.EXPIRED)
        if data is not None:
            exports.export_storage_delete(export.stored_as)
            export.status = DataExportStatus.DOWNLOADED
            export.downloaded_at = timezone.now()
            export.stored_as = ""
            export.save(update_fields=["status", "downloaded_at", "stored_as"])
    if data is None:
        raise DataExportUnavailable(EXPORT_GONE)
    return export, data


def data_exports_sweep(*, now=None) -> dict[str, int]:
    """Delete expired ZIPs; queue again requests whose task was lost (still being prepared
    after a few minutes); give up on those older than a day."""
    now = now or timezone.now()
    expired = 0
    for export in DataExport.objects.filter(status=DataExportStatus.READY, expires_at__lte=now):
        with transaction.atomic():
            locked = DataExport.objects.select_for_update().get(pk=export.pk)
            if locked.status == DataExportStatus.READY:
                _export_discard(export=locked, status=DataExportStatus.EXPIRED)
                expired += 1
    stale = DataExport.objects.filter(status=DataExportStatus.PREPARING)
    failed = stale.filter(requested_at__lte=now - timedelta(days=1)).update(
        status=DataExportStatus.FAILED
    )
    requeued = 0
    for pk in stale.filter(requested_at__lte=now - timedelta(minutes=5)).values_list(
        "pk", flat=True
    ):
        enqueue_on_commit("portal.accounts.tasks.data_export_build", pk)
        requeued += 1
    return {"expired": expired, "requeued": requeued, "failed": failed}
