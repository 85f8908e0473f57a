"""Reads: who a communication reaches, how far a send has got, what a member was sent."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, QuerySet

from portal.accounts.choices import Channel, CommunicationKind, Section, consent_default
from portal.accounts.models import ConsentState, User

from .models import (
    IN_FLIGHT,
    AddressStatus,
    Communication,
    Delivery,
    DeliveryStatus,
    Kind,
)

SAMPLE_SIZE = 10
SKIPPED_NO_CONSENT = "Not sent: the member turned off {kind} by email before it went."
SKIPPED_SUPPRESSED = "Not sent: the address was stopped by bounces or complaints before it went."
SKIPPED_INACTIVE = "Not sent: the account was closed before it went."


def consent_expression(kind: str, user_ref: str = "pk"):
    """True where the user consents to `kind` by email now: a consent given, or (for a kind
    that is on by default) no consent withdrawn."""
    states = ConsentState.objects.filter(user=OuterRef(user_ref), kind=kind, channel=Channel.EMAIL)
    if consent_default(kind, Channel.EMAIL):
        return ~Exists(states.filter(granted=False))
    return Exists(states.filter(granted=True))


def _suppressed():
    return Exists(AddressStatus.objects.filter(email=OuterRef("email"), suppressed=True))


def audience_for(communication: Communication) -> QuerySet[User]:
    """The members a communication reaches now: its filters, the membership statuses it
    names, and for campaigns, newsletters and journals the member's email consent to that
    kind and an address that has not been suppressed by bounces or complaints."""
    c = communication
    users = User.objects.filter(is_active=True, membership__status__in=c.statuses or ["active"])
    if c.sections:
        users = users.filter(membership__section__in=c.sections)
    if c.kind == Kind.JOURNAL:
        users = users.filter(membership__section=Section.LEADERSHIP)
    if c.nations:
        users = users.filter(membership__nation__in=c.nations)
    if c.pk:
        region_ids = [r.pk for r in c.regions.all()]
        employer_ids = [e.pk for e in c.employers.all()]
        if region_ids:
            users = users.filter(membership__region_id__in=region_ids)
        if employer_ids:
            users = users.filter(membership__employer_id__in=employer_ids)
    if c.workplace_id:
        users = users.filter(membership__workplace_id=c.workplace_id)
    elif c.kind == Kind.REP_CONTACT:
        return User.objects.none()
    if c.employer_kinds:
        users = users.filter(membership__employer__kind__in=c.employer_kinds)
    if c.job_roles:
        users = users.filter(membership__job_role__in=c.job_roles)
    if c.needs_consent:
        users = users.filter(consent_expression(c.consent_kind)).exclude(_suppressed())
    return users


def deliveries_to_skip(pks: list[int], *, consent_kind: str) -> dict[int, str]:
    """Consent checked again as messages go out: of these deliveries, the ones whose member
    has since turned that kind off, whose address has been stopped, or whose account has
    been closed, each with the reason (one query)."""
    if not pks:
        return {}
    rows = (
        Delivery.objects.filter(pk__in=pks)
        .annotate(consents=consent_expression(consent_kind, "user_id"), stopped=_suppressed())
        .values_list("pk", "consents", "stopped", "user__is_active")
    )
    label = CommunicationKind(consent_kind).label.lower()
    skip = {}
    for pk, consents, stopped, active in rows:
        if not active:
            skip[pk] = SKIPPED_INACTIVE
        elif not consents:
            skip[pk] = SKIPPED_NO_CONSENT.format(kind=label)
        elif stopped:
            skip[pk] = SKIPPED_SUPPRESSED
    return skip


def audience_count(communication: Communication) -> int:
    return audience_for(communication).count()


def audience_sample(communication: Communication, *, size: int = SAMPLE_SIZE) -> list[User]:
    return list(
        audience_for(communication)
        .select_related("membership__region", "membership__employer")
        .order_by("last_name", "first_name", "pk")[:size]
    )


@dataclass(frozen=True)
class Progress:
    total: int
    queued: int
    in_flight: int
    sent: int
    failed: int
    cancelled: int
    uncertain: int = 0
    skipped: int = 0

    @property
    def done(self) -> int:
        return self.sent + self.failed + self.cancelled + self.uncertain + self.skipped

    @property
    def waiting(self) -> int:
        return self.queued + self.in_flight

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def progress_for(communication: Communication) -> Progress:
    counts = dict(
        Delivery.objects.filter(communication=communication, is_test=False)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return Progress(
        total=sum(counts.values()),
        queued=counts.get(DeliveryStatus.QUEUED, 0),
        in_flight=sum(counts.get(s, 0) for s in IN_FLIGHT),
        sent=counts.get(DeliveryStatus.SENT, 0),
        failed=counts.get(DeliveryStatus.FAILED, 0),
        cancelled=counts.get(DeliveryStatus.CANCELLED, 0),
        uncertain=counts.get(DeliveryStatus.UNCERTAIN, 0),
        skipped=counts.get(DeliveryStatus.SKIPPED, 0),
    )


def deliveries_for_member(user: User) -> QuerySet[Delivery]:
    return (
        Delivery.objects.filter(user=user, is_test=False)
        .select_related("communication")
        .order_by("-created_at")
    )
