"""Reads: a member's ballots, a ballot's results (small groups suppressed as consultations
do), the receipts list, and the statutory register."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from consultations.models import MIN_GROUP_SIZE
from consultations.selectors import _protect_table
from portal.accounts.choices import MembershipStatus
from portal.accounts.models import ContactDetails, Membership, User, Workplace

from .access import ballots_for_elector
from .models import (
    WORKPLACE_RESULT_MIN,
    Audience,
    Ballot,
    BallotStatus,
    Participation,
    Receipt,
    Tally,
)

CLOSED_LIST_LIMIT = 20


@dataclass
class MemberBallots:
    open_to_vote: list[Ballot]
    voted_open: list[Ballot]
    closed: list[Ballot]


def ballots_for_member(user: User, *, now=None) -> MemberBallots:
    """The member's open ballots (to vote in, or voted in) and closed ones: two queries."""
    now = now or timezone.now()
    ballots = list(
        ballots_for_elector(user)
        .filter(closes_at__gt=now - timedelta(days=365))
        .annotate(
            voted=Exists(Participation.objects.filter(ballot=OuterRef("pk"), user=user)),
        )
        .order_by("closes_at", "pk")
    )
    open_ballots = [b for b in ballots if b.closes_at > now and b.opens_at <= now]
    closed = sorted(
        (b for b in ballots if b.closes_at <= now), key=lambda b: b.closes_at, reverse=True
    )
    return MemberBallots(
        [b for b in open_ballots if not b.voted],
        [b for b in open_ballots if b.voted],
        closed[:CLOSED_LIST_LIMIT],
    )


def has_voted(user: User, ballot: Ballot) -> Participation | None:
    return Participation.objects.filter(ballot=ballot, user=user).first()


# -- results --------------------------------------------------------------------------------


@dataclass
class Cell:
    label: str
    votes: int | None  # None: suppressed
    percent: float | None


@dataclass
class GroupRow:
    label: str
    voters: int | None  # None: fewer than WORKPLACE_RESULT_MIN
    cells: list[Cell] = field(default_factory=list)


@dataclass
class Results:
    ballot: Ballot
    electorate: int
    turnout: int
    turnout_percent: float | None
    options: list[Cell]
    workplaces: list[GroupRow]
    others: GroupRow | None
    min_group: int = MIN_GROUP_SIZE
    min_workplace: int = WORKPLACE_RESULT_MIN


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _row(label: str, counts: list[int], labels: list[str]) -> GroupRow:
    voters = sum(counts)
    shown = _protect_table(counts, [c >= MIN_GROUP_SIZE or c == 0 for c in counts])
    cells = [
        Cell(name, c if ok else None, _percent(c, voters) if ok else None)
        for name, c, ok in zip(labels, counts, shown, strict=True)
    ]
    return GroupRow(label, voters, cells)


def ballot_results(ballot: Ballot) -> Results:
    """Turnout, counts and percentages, and by workplace: a workplace is shown apart only
    when at least WORKPLACE_RESULT_MIN of its members voted; the rest are combined into one
    row, and while that row would hold 1 to WORKPLACE_RESULT_MIN - 1 voters (which the
    total minus the shown rows would reveal), the smallest shown workplace joins it. Within
    a row, counts under consultations' MIN_GROUP_SIZE are hidden with consultations' own
    secondary suppression. Two queries."""
    options = list(ballot.options.all())
    labels = [o.label for o in options]
    rows = list(
        Tally.objects.filter(ballot=ballot).values_list("option_id", "workplace_id", "votes")
    )
    overall: dict[int, int] = {}
    for option_id, workplace_id, votes in rows:
        if workplace_id is None:  # the ballot-wide rows, in shards
            overall[option_id] = overall.get(option_id, 0) + votes
    by_place: dict[int, dict[int, int]] = {}
    for option_id, workplace_id, votes in rows:
        if workplace_id is not None:
            by_place.setdefault(workplace_id, {})[option_id] = votes
    counts = [overall.get(o.pk, 0) for o in options]
    turnout = sum(counts)
    results = Results(
        ballot=ballot,
        electorate=ballot.electorate,
        turnout=turnout,
        turnout_percent=_percent(turnout, ballot.electorate),
        options=[
            Cell(name, c, _percent(c, turnout)) for name, c in zip(labels, counts, strict=True)
        ],
        workplaces=[],
        others=None,
    )
    if ballot.audience == Audience.WORKPLACE:
        return results  # one workplace: the totals are its results
    places = {
        w: [votes.get(o.pk, 0) for o in options]
        for w, votes in by_place.items()
        if sum(votes.values()) >= WORKPLACE_RESULT_MIN
    }
    while places:
        rest = turnout - sum(sum(c) for c in places.values())
        if rest == 0 or rest >= WORKPLACE_RESULT_MIN:
            break
        del places[min(places, key=lambda w: (sum(places[w]), w))]
    names = dict(Workplace.objects.filter(pk__in=places).values_list("pk", "name"))
    results.workplaces = sorted(
        (_row(names.get(w, "?"), c, labels) for w, c in places.items()), key=lambda r: r.label
    )
    rest_counts = [total - sum(c[i] for c in places.values()) for i, total in enumerate(counts)]
    if sum(rest_counts):
        others = _row(
            _("Other workplaces (each fewer than %(n)d voters)") % {"n": WORKPLACE_RESULT_MIN},
            rest_counts,
            labels,
        )
        if others.voters < WORKPLACE_RESULT_MIN:
            others.voters = None
            others.cells = [Cell(c.label, None, None) for c in others.cells]
        results.others = others
    return results


def receipt_codes(ballot: Ballot) -> QuerySet:
    return Receipt.objects.filter(ballot=ballot).order_by("code").values_list("code", flat=True)


def participation_count(ballot: Ballot) -> int:
    return Participation.objects.filter(ballot=ballot).count()


# -- the statutory register -------------------------------------------------------------------


@dataclass
class RegisterEntry:
    number: str
    name: str
    address: list[str]
    workplace: str


@dataclass
class Register:
    audience: str
    entries: list[RegisterEntry]
    per_workplace: list[tuple[str, int]]


def register_members(
    *, audience: str, workplace=None, employer=None, section="", nation=""
) -> QuerySet[Membership]:
    members = Membership.objects.filter(status=MembershipStatus.ACTIVE, user__is_active=True)
    if audience == Audience.WORKPLACE:
        members = members.filter(workplace=workplace)
    elif audience == Audience.EMPLOYER:
        members = members.filter(employer=employer)
    elif audience == Audience.SECTION:
        members = members.filter(section=section)
    elif audience == Audience.NATION:
        members = members.filter(nation=nation)
    return members


def statutory_register(members: QuerySet[Membership], audience_label: str) -> Register:
    """Names, home addresses (decrypted), membership numbers and workplaces, sorted by
    workplace then name; and a count per workplace. Three queries."""
    rows = list(
        members.select_related("user", "workplace").order_by(
            "workplace__name", "user__last_name", "user__first_name", "number"
        )
    )
    contacts = {
        c.user_id: c for c in ContactDetails.objects.filter(user_id__in=[m.user_id for m in rows])
    }
    entries = []
    for m in rows:
        contact = contacts.get(m.user_id)
        entries.append(
            RegisterEntry(
                m.number,
                f"{m.user.first_name} {m.user.last_name}".strip(),
                contact.address_lines() if contact and contact.has_home_address else [],
                m.workplace.name if m.workplace_id else "",
            )
        )
    per = members.values_list("workplace__name").annotate(n=Count("pk")).order_by("workplace__name")
    return Register(audience_label, entries, [(name or "—", n) for name, n in per])


def ballots_to_approve(queryset: QuerySet[Ballot]) -> int:
    return queryset.filter(status=BallotStatus.DRAFT).count()
