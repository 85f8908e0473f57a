"""Arrears: a collection returned unpaid is collected once more; then what is owed is the
member's to pay (by card at /me/subscription/pay/), with reminders; after the rule book's
unpaid months (`SUBSCRIPTIONS_LAPSE_AFTER_UNPAID_MONTHS`) the membership lapses, with a
warning a month before. Help is never refused for arrears: nothing here touches casework.

The rule of lapsing: a membership lapses when its unpaid months reach the threshold, or
when its oldest unpaid month has been owed for that many months (so a member whose later
collections are paid, or stopped, still lapses on the date the warning gave). The warning
goes when the unpaid months are one short of the threshold, or a month before that date.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from portal import bulk
from portal.accounts.choices import MembershipStatus
from portal.accounts.models import Membership
from portal.communications.notifications import Recipient, absolute_url

from .bacs.calendar import add_processing_days
from .collections import _provider, _tell, add_months, money
from .models import (
    LIVE_MANDATE_STATUSES,
    Collection,
    CollectionKind,
    CollectionStatus,
    Method,
    PaymentNotice,
    PaymentNoticeKind,
)

# A re-presentation is collected at least this many processing days after the return, so
# the member has been told before it is taken.
REPRESENT_PROCESSING_DAYS = 5


def _months(c: Collection) -> int:
    return (
        (c.period_end.year - c.period_start.year) * 12
        + c.period_end.month
        - c.period_start.month
        + 1
    )


@dataclass
class ArrearsSummary:
    total_pence: int = 0
    oldest_due_on: date | None = None
    months_unpaid: int = 0
    collections: list[Collection] = field(default_factory=list)

    @property
    def total(self) -> str:
        return money(self.total_pence)

    def __bool__(self) -> bool:
        return self.total_pence > 0

    @property
    def lapse_on(self) -> date | None:
        """The day the membership lapses if nothing is paid (oldest unpaid month owed for
        the rule book's months)."""
        if self.oldest_due_on is None:
            return None
        return add_months(self.oldest_due_on, settings.SUBSCRIPTIONS_LAPSE_AFTER_UNPAID_MONTHS)


def first_due_on(c: Collection) -> date:
    """When a collection was first due (a re-presentation: its original's date)."""
    return c.represents.due_on if c.represents_id else c.due_on


def _summarise(collections: list[Collection]) -> ArrearsSummary:
    collections = sorted(collections, key=lambda c: (first_due_on(c), c.pk))
    return ArrearsSummary(
        total_pence=sum(c.amount_pence for c in collections),
        oldest_due_on=first_due_on(collections[0]) if collections else None,
        months_unpaid=sum(_months(c) for c in collections),
        collections=collections,
    )


def arrears_for(membership) -> ArrearsSummary:
    """What a member owes: their unpaid collections, oldest first (one query)."""
    return _summarise(
        list(
            Collection.objects.filter(
                membership=membership, status=CollectionStatus.UNPAID
            ).select_related("represents")
        )
    )


def arrears_by_membership(membership_ids) -> dict[int, ArrearsSummary]:
    """Each membership's arrears, for many at once (one query)."""
    found = defaultdict(list)
    for c in Collection.objects.filter(
        membership_id__in=list(membership_ids), status=CollectionStatus.UNPAID
    ).select_related("represents"):
        found[c.membership_id].append(c)
    return {pk: _summarise(rows) for pk, rows in found.items()}


def in_arrears(membership_ids) -> set[int]:
    """Which of these memberships owe anything (one query)."""
    return set(
        Collection.objects.filter(
            membership_id__in=list(membership_ids), status=CollectionStatus.UNPAID
        )
        .values_list("membership_id", flat=True)
        .distinct()
    )


def _pay_url() -> str:
    return absolute_url(reverse("subscriptions:pay"))


def _tell_owed(membership, summary: ArrearsSummary, for_date: date) -> bool:
    return _tell(
        membership,
        kind="subscription_arrears_reminder",
        notice_kind=PaymentNoticeKind.REMINDER,
        for_date=for_date,
        context={"amount": summary.total, "url": _pay_url()},
    )


@dataclass(frozen=True)
class Returned:
    """One collection the payer's bank returned unpaid: its code and meaning, and whether
    the code allows collecting it once more (the caller knows the code's meaning)."""

    collection_id: int
    code: str
    reason: str
    may_represent: bool


@transaction.atomic
def collection_returned_unpaid(
    *, collection, code: str, reason: str, may_represent: bool, actor=None
) -> Collection | None:
    """The payer's bank returned a collection unpaid (an ARUDD item, a GoCardless
    "failed" event). Re-presents it once when the reason allows; otherwise it is owed and
    the member is told what and how to pay. Returns the re-presentation, if one was made.
    Safe to call again."""
    made = collections_returned_unpaid(
        [Returned(collection.pk, code, reason, may_represent)], actor=actor
    )
    return made.get(collection.pk)


@transaction.atomic
def collections_returned_unpaid(returned: list[Returned], *, actor=None) -> dict[int, Collection]:
    """Many returned collections at once (a bureau's ARUDD report of thousands), by the
    same rules as one: each re-presented once where its code allows and its mandate is
    live, else owed; the history written and each member told once per kind and month.
    A constant number of queries per chunk of collections, not per collection. Returns
    the re-presentations made, by the returned collection's id. Collections already handled
    (the same report or event again) are left as they are."""
    made: dict[int, Collection] = {}
    for start in range(0, len(returned), RETURN_CHUNK):
        made.update(_returned_chunk(returned[start : start + RETURN_CHUNK], actor))
    return made


RETURN_CHUNK = 2000
_HANDLED = (
    CollectionStatus.UNPAID,
    CollectionStatus.REPRESENTED,
    CollectionStatus.SETTLED,
    CollectionStatus.CANCELLED,
)


def _returned_chunk(returned: list[Returned], actor) -> dict[int, Collection]:
    from membership.models import ChangeSource, MembershipChange

    by_id = {r.collection_id: r for r in returned}
    # One locked read of what the rules need, as plain rows (no model instances): the
    # collection, its mandate's status, whether it was re-presented already, and who the
    # member is to be told.
    rows = (
        Collection.objects.select_for_update(of=("self",))
        .filter(pk__in=bulk.any_of(by_id))
        .exclude(status__in=_HANDLED)
        .annotate(again=Exists(Collection.objects.filter(represents=OuterRef("pk"))))
        .order_by("pk")
        .values_list(
            "pk",
            "membership_id",
            "method",
            "mandate_id",
            "mandate__status",
            "represents_id",
            "due_on",
            "period_start",
            "period_end",
            "amount_pence",
            "again",
            "membership__user_id",
            "membership__user__email",
            "membership__user__is_active",
            "membership__user__is_staff",
            named=True,
        )
    )
    rows = list(rows)
    if not rows:
        return {}
    now = timezone.now()
    due = add_processing_days(timezone.localdate(), REPRESENT_PROCESSING_DAYS)
    changes: list[tuple] = []  # (membership id, old, new, effective on)
    unpaid: list[tuple] = []  # (collection id, status, code, reason)
    again: list = []  # the rows collected once more
    owed: list = []
    for c in rows:
        r = by_id[c.pk]
        changes.append(
            (
                c.membership_id,
                f"{money(c.amount_pence)} due {c.due_on:%Y-%m-%d}",
                f"returned unpaid: {r.reason}",
                c.due_on,
            )
        )
        represent = (
            r.may_represent
            and c.represents_id is None
            and c.method == Method.DIRECT_DEBIT
            and c.mandate_id is not None
            and c.mandate__status in LIVE_MANDATE_STATUSES
            and not c.again
        )
        status = CollectionStatus.REPRESENTED if represent else CollectionStatus.UNPAID
        unpaid.append((c.pk, status, r.code[:2], r.reason[:200]))
        if represent:
            changes.append(
                (
                    c.membership_id,
                    f"{money(c.amount_pence)} returned unpaid",
                    f"to be collected again on {due:%Y-%m-%d}",
                    due,
                )
            )
            again.append(c)
        else:
            owed.append(c)
    bulk.update_rows(Collection, ["status", "unpaid_code", "unpaid_reason"], unpaid, unpaid_at=now)
    again_fields = {
        "method": Method.DIRECT_DEBIT,
        "kind": CollectionKind.REPRESENTED,
        "due_on": due,
        "created_at": now,
    }
    again_ids = bulk.copy_insert(
        Collection,
        ["membership", "mandate", "period_start", "period_end", "amount_pence", "represents"]
        + list(again_fields),
        [
            (c.membership_id, c.mandate_id, c.period_start, c.period_end, c.amount_pence, c.pk)
            + tuple(again_fields.values())
            for c in again
        ],
    )
    bulk.copy_rows(
        MembershipChange,
        ["membership", "actor", "source", "field", "old_value", "new_value", "effective_on", "at"],
        [
            (m, getattr(actor, "pk", None), ChangeSource.PAYMENT, "collection")
            + (old[:200], new[:200], on, now)
            for m, old, new, on in changes
        ],
    )
    made = {
        c.pk: Collection(
            pk=pk,
            membership_id=c.membership_id,
            mandate_id=c.mandate_id,
            period_start=c.period_start,
            period_end=c.period_end,
            amount_pence=c.amount_pence,
            represents_id=c.pk,
            **again_fields,
        )
        for c, pk in zip(again, again_ids, strict=True)
    }
    provider = _provider()
    if provider is not None:
        for collection in made.values():
            provider.collection_scheduled(collection)
    url = _pay_url()
    when = due.strftime("%-d %B %Y")
    notices = [
        (
            c.membership_id,
            _recipient(c),
            "subscription_collection_represented",
            PaymentNoticeKind.REPRESENTED,
            c.period_start,
            {"amount": money(c.amount_pence), "date": when, "url": url},
        )
        for c in again
    ]
    if owed:
        summaries = arrears_by_membership({c.membership_id for c in owed})
        notices += [
            (
                c.membership_id,
                _recipient(c),
                "subscription_arrears_reminder",
                PaymentNoticeKind.REMINDER,
                c.period_start,
                {"amount": summaries[c.membership_id].total, "url": url},
            )
            for c in owed
        ]
    _tell_many(notices)
    return made


def _recipient(row) -> Recipient:
    return Recipient(
        row.membership__user_id,
        row.membership__user__email,
        row.membership__user__is_active,
        row.membership__user__is_staff,
    )


def _tell_many(notices) -> None:
    """Each (membership id, recipient, kind, notice kind, for date, context) told once,
    never twice for the same kind and day (PaymentNotice, as `collections._tell`): the
    notices recorded in one statement that skips those already there, and only the ones
    it wrote sent."""
    from portal.communications.notifications import notifications_send

    if not notices:
        return
    wanted = {(m, nk, d): (who, kind, ctx) for m, who, kind, nk, d, ctx in notices}
    new = bulk.insert_missing(PaymentNotice, ["membership", "kind", "for_date"], list(wanted))
    notifications_send([wanted[key] for key in new])


def _lapse_warning_due(summary: ArrearsSummary, today: date, threshold: int) -> bool:
    return summary.months_unpaid >= threshold - 1 or today >= add_months(summary.lapse_on, -1)


def _lapse_due(summary: ArrearsSummary, today: date, threshold: int) -> bool:
    return summary.months_unpaid >= threshold or today >= summary.lapse_on


def arrears_run_due(*, today: date | None = None) -> dict[str, int]:
    """The daily work on arrears: a reminder for each unpaid month not yet reminded of, the
    warning a month before lapsing, and lapsing. Nothing is sent twice."""
    from membership.services import membership_lapse_for_arrears

    today = today or timezone.localdate()
    threshold = settings.SUBSCRIPTIONS_LAPSE_AFTER_UNPAID_MONTHS
    counts = {"reminders": 0, "warnings": 0, "lapsed": 0}
    owing = (
        Collection.objects.filter(
            status=CollectionStatus.UNPAID, membership__status=MembershipStatus.ACTIVE
        )
        .values_list("membership_id", flat=True)
        .distinct()
        .order_by("membership_id")
    )
    ids = list(owing)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        summaries = arrears_by_membership(chunk)
        sent = defaultdict(set)
        for pk, kind, for_date in PaymentNotice.objects.filter(membership_id__in=chunk).values_list(
            "membership_id", "kind", "for_date"
        ):
            sent[pk].add((kind, for_date))
        members = Membership.objects.select_related("user").in_bulk(chunk)
        for pk in chunk:
            summary, membership = summaries.get(pk), members[pk]
            if not summary:
                continue
            with transaction.atomic():
                if _lapse_due(summary, today, threshold):
                    if membership_lapse_for_arrears(
                        membership=membership, months=summary.months_unpaid, effective_on=today
                    ):
                        counts["lapsed"] += 1
                        _tell(
                            membership,
                            kind="subscription_lapsed",
                            notice_kind=PaymentNoticeKind.LAPSED,
                            for_date=summary.oldest_due_on,
                            context={"amount": summary.total, "url": _pay_url()},
                        )
                    continue
                for c in summary.collections:
                    reminded = (PaymentNoticeKind.REMINDER, c.period_start) in sent[pk]
                    if not reminded and _tell_owed(membership, summary, c.period_start):
                        counts["reminders"] += 1
                if _lapse_warning_due(summary, today, threshold):
                    lapse_on = summary.lapse_on
                    if (PaymentNoticeKind.LAPSE_WARNING, summary.oldest_due_on) not in sent[
                        pk
                    ] and _tell(
                        membership,
                        kind="subscription_lapse_warning",
                        notice_kind=PaymentNoticeKind.LAPSE_WARNING,
                        for_date=summary.oldest_due_on,
                        context={
                            "amount": summary.total,
                            "date": lapse_on.strftime("%-d %B %Y"),
                            "url": _pay_url(),
                        },
                    ):
                        counts["warnings"] += 1
    return counts


def lapsed_for_arrears(membership) -> bool:
    """Whether the membership is lapsed because the arrears run lapsed it (and not for
    another reason since)."""
    from membership.models import MembershipChange

    if membership.status != MembershipStatus.LAPSED:
        return False
    last = (
        MembershipChange.objects.filter(membership=membership, field="status")
        .order_by("-at", "-pk")
        .first()
    )
    return last is not None and last.source == "payment" and last.new_value == "lapsed"


__all__ = [
    "ArrearsSummary",
    "arrears_by_membership",
    "arrears_for",
    "arrears_run_due",
    "collection_returned_unpaid",
    "collections_returned_unpaid",
    "in_arrears",
    "lapsed_for_arrears",
]
