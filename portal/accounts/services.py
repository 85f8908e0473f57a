"""Writes about members. Views, the admin, commands and tasks all come through here."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from .choices import Channel, MembershipStatus, consent_default
from .membership import new_membership_number, place_member
from .models import ConsentEvent, ConsentState, Employer, EqualityMonitoring, Membership, User

MEMBERSHIP_NUMBER_ATTEMPTS = 20


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
) -> Membership:
    """A new applicant: their account (email not yet verified), membership and consents,
    all withdrawn until they choose otherwise."""
    from allauth.account.models import EmailAddress

    user = User(email=email.lower(), first_name=first_name, last_name=last_name)
    user.password = password_hash
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)
    placement = place_member(job_role=job_role, hours=hours)
    membership = Membership.objects.create(
        user=user,
        number=_unused_membership_number(),
        status=MembershipStatus.APPLICANT,
        employer=employer_get_or_create(employer=employer),
        job_role=job_role,
        hours=hours,
        section=placement.section,
        fee_band=placement.fee_band,
        workplace_postcode=workplace_postcode,
        nation=nation,
        region_id=region_id,
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
) -> ProfileChange:
    """Save a member's details; a new role or hours re-derive section and fee band."""
    user = membership.user
    user.first_name, user.last_name = first_name, last_name
    user.save(update_fields=["first_name", "last_name"])
    placement = place_member(job_role=job_role, hours=hours)
    change = ProfileChange(
        membership.section, placement.section, membership.fee_band, placement.fee_band
    )
    membership.employer = employer_get_or_create(employer=employer)
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
            "job_role",
            "hours",
            "section",
            "fee_band",
            "workplace_postcode",
            "nation",
            "region",
        ]
    )
    return change


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


def membership_set_status_bulk(*, memberships, status: str) -> int:
    """Set the status of several memberships (e.g. an admin action); returns how many changed."""
    status = MembershipStatus(status)
    return memberships.exclude(status=status).update(
        status=status, status_changed_at=timezone.now()
    )


def membership_save_from_admin(*, membership: Membership) -> Membership:
    """Staff edit a membership: section and fee band always follow role and hours."""
    placement = place_member(job_role=membership.job_role, hours=membership.hours)
    membership.section, membership.fee_band = placement.section, placement.fee_band
    if not membership.pk and not membership.number:
        membership.number = _unused_membership_number()
    membership.save()
    return membership
