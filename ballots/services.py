"""Every write about ballots: writing and editing one (the two-person rule), approving it,
opening it (the audience frozen in one INSERT … SELECT), voting, and the register export.

Views, the admin, tasks and commands call these; each is atomic.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.accounts.choices import MembershipStatus
from portal.accounts.models import Membership, User
from portal.communications.notifications import absolute_url, notification_send
from portal.tasks import enqueue_on_commit

from .access import may_approve
from .models import (
    TALLY_SHARDS,
    WORKPLACE_TALLY_MIN,
    Audience,
    Ballot,
    BallotStatus,
    Elector,
    Option,
    Participation,
    Phase,
    Receipt,
    RegisterExport,
    Tally,
)

logger = logging.getLogger(__name__)

MIN_OPTIONS = 2
MAX_OPTIONS = 10
RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
RECEIPT_LENGTH = 12
NOTIFY_CHUNK = 500

ALREADY_VOTED = gettext_lazy(
    "You have already voted in this ballot. Each member votes once, and a vote cannot be changed."
)
NOT_OPEN = gettext_lazy("This ballot is not open for voting.")
NOT_ELECTOR = gettext_lazy("You are not in this ballot's audience.")
NO_CHOICE = gettext_lazy("Choose one of the options.")
OPENED_FROZEN = gettext_lazy(
    "This ballot has opened: its question, options, times and audience can no longer change."
)
SELF_APPROVAL = gettext_lazy(
    "Someone else must approve this ballot: you wrote it or changed it last."
)
NOT_APPROVER = gettext_lazy("You may not approve this ballot.")
NOT_DRAFT = gettext_lazy("Only a ballot waiting for approval can be approved.")
CLOSES_IN_PAST = gettext_lazy("The closing time has already passed.")


class BallotError(Exception):
    def __init__(self, message, *, field: str | None = None):
        super().__init__(str(message))
        self.message = str(message)
        self.field = field


# -- writing and approving --------------------------------------------------------------------


def clean_options(raw: str | list[str]) -> list[str]:
    lines = raw.splitlines() if isinstance(raw, str) else list(raw)
    return [" ".join(str(line).split()) for line in lines if str(line).strip()]


def ballot_problems(*, ballot: Ballot, options: list[str]) -> dict[str, str]:
    """What stops a ballot being saved, by field ("" for the whole ballot)."""
    problems: dict[str, str] = {}
    if len(options) < MIN_OPTIONS:
        problems["options"] = _("Give at least %(n)d options, one per line.") % {"n": MIN_OPTIONS}
    elif len(options) > MAX_OPTIONS:
        problems["options"] = _("Give at most %(n)d options.") % {"n": MAX_OPTIONS}
    elif len({o.casefold() for o in options}) != len(options):
        problems["options"] = _("Each option must be different.")
    elif any(len(o) > 200 for o in options):
        problems["options"] = _("Keep each option under 200 characters.")
    if ballot.opens_at and ballot.closes_at and ballot.closes_at <= ballot.opens_at:
        problems["closes_at"] = _("The ballot must close after it opens.")
    needs = {
        Audience.WORKPLACE: ("audience_workplace", ballot.audience_workplace_id),
        Audience.EMPLOYER: ("audience_employer", ballot.audience_employer_id),
        Audience.SECTION: ("audience_section", ballot.audience_section),
        Audience.NATION: ("audience_nation", ballot.audience_nation),
    }
    for audience, (field, value) in needs.items():
        if ballot.audience == audience and not value:
            problems[field] = _("Choose who this ballot is for.")
        elif ballot.audience != audience and value:
            problems[field] = _("Leave this empty for the audience chosen.")
    if ballot.audience not in Audience.values:
        problems["audience"] = _("Choose who this ballot is for.")
    return problems


@transaction.atomic
def ballot_save(*, ballot: Ballot, by: User, options: list[str]) -> Ballot:
    """Create or change a ballot before it opens. A change to an approved ballot withdraws
    the approval: it waits again for someone other than its last editor."""
    options = clean_options(options)
    if ballot.pk:
        current = Ballot.objects.select_for_update().get(pk=ballot.pk)
        if current.status == BallotStatus.OPEN:
            raise BallotError(OPENED_FROZEN)
    problems = ballot_problems(ballot=ballot, options=options)
    if problems:
        field, message = next(iter(problems.items()))
        raise BallotError(message, field=field or None)
    if not ballot.pk:
        ballot.created_by = by
    ballot.updated_by = by
    ballot.status = BallotStatus.DRAFT
    ballot.approved_by = None
    ballot.approved_at = None
    ballot.save()
    existing = {o.position: o for o in ballot.options.all()}
    for position, label in enumerate(options, start=1):
        option = existing.pop(position, None)
        if option is None:
            Option.objects.create(ballot=ballot, position=position, label=label)
        elif option.label != label:
            option.label = label
            option.save(update_fields=["label"])
    Option.objects.filter(pk__in=[o.pk for o in existing.values()]).delete()
    return ballot


def ballot_propose(
    *, membership: Membership, kind: str, question: str, options: list[str], opens_at, closes_at
) -> Ballot:
    """A rep's proposal for their own workplace, for a regional officer to approve."""
    ballot = Ballot(
        kind=kind,
        question=question,
        audience=Audience.WORKPLACE,
        audience_workplace_id=membership.workplace_id,
        opens_at=opens_at,
        closes_at=closes_at,
        proposed_by_rep=True,
        region_id=membership.region_id,
    )
    ballot = ballot_save(ballot=ballot, by=membership.user, options=options)
    _notify_approvers(ballot)
    return ballot


def _notify_approvers(ballot: Ballot) -> None:
    from django.contrib.auth.models import Permission

    perm = Permission.objects.get(content_type__app_label="ballots", codename="approve_ballot")
    officers = User.objects.filter(
        Q(groups__permissions=perm) | Q(user_permissions=perm), is_staff=True, is_active=True
    )
    if ballot.region_id:
        officers = officers.filter(regions=ballot.region_id)
    url = absolute_url(f"/admin/ballots/ballot/{ballot.pk}/change/")
    for officer in officers.distinct():
        notification_send(
            user=officer, kind="staff_ballot_to_approve", context={"ballot": ballot.pk, "url": url}
        )


@transaction.atomic
def ballot_approve(*, ballot: Ballot, by: User, now=None) -> Ballot:
    now = now or timezone.now()
    ballot = Ballot.objects.select_for_update().get(pk=ballot.pk)
    if ballot.status != BallotStatus.DRAFT:
        raise BallotError(NOT_DRAFT)
    if not may_approve(by, ballot):
        raise BallotError(NOT_APPROVER)
    if by.pk in (ballot.created_by_id, ballot.updated_by_id):
        raise BallotError(SELF_APPROVAL)
    if ballot.closes_at <= now:
        raise BallotError(CLOSES_IN_PAST, field="closes_at")
    ballot.status = BallotStatus.APPROVED
    ballot.approved_by = by
    ballot.approved_at = now
    ballot.save(update_fields=["status", "approved_by", "approved_at"])
    if ballot.opens_at <= now:
        enqueue_on_commit("ballots.tasks.run_due")
    return ballot


# -- opening: the audience frozen ---------------------------------------------------------


def _audience_condition(ballot: Ballot) -> tuple[str, list]:
    if ballot.audience == Audience.WORKPLACE:
        return " AND m.workplace_id = %s", [ballot.audience_workplace_id]
    if ballot.audience == Audience.EMPLOYER:
        return " AND m.employer_id = %s", [ballot.audience_employer_id]
    if ballot.audience == Audience.SECTION:
        return " AND m.section = %s", [ballot.audience_section]
    if ballot.audience == Audience.NATION:
        return " AND m.nation = %s", [ballot.audience_nation]
    return "", []


def _freeze_audience(ballot: Ballot) -> int:
    """Every active member in the audience, with their workplace now, in one statement."""
    condition, params = _audience_condition(ballot)
    sql = (
        f"INSERT INTO {Elector._meta.db_table} (ballot_id, user_id, workplace_id, notified) "  # noqa: S608
        f"SELECT %s, m.user_id, m.workplace_id, %s FROM {Membership._meta.db_table} m "
        f"JOIN {User._meta.db_table} u ON u.id = m.user_id "
        f"WHERE m.status = %s AND u.is_active = %s{condition}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [ballot.pk, False, MembershipStatus.ACTIVE, True, *params])
        return cursor.rowcount


def _create_tallies(ballot: Ballot) -> None:
    """Ballot-wide rows for every option, and rows per workplace whose frozen electorate is
    at least WORKPLACE_TALLY_MIN (one statement)."""
    options = list(ballot.options.all())
    Tally.objects.bulk_create(
        [
            Tally(ballot=ballot, option=o, workplace=None, shard=shard)
            for o in options
            for shard in range(TALLY_SHARDS)
        ]
    )
    sql = (
        f"INSERT INTO {Tally._meta.db_table} (ballot_id, option_id, workplace_id, shard, votes) "  # noqa: S608
        f"SELECT %s, o.id, e.workplace_id, 0, 0 FROM {Option._meta.db_table} o "
        f"CROSS JOIN (SELECT workplace_id FROM {Elector._meta.db_table} "
        "WHERE ballot_id = %s AND workplace_id IS NOT NULL GROUP BY workplace_id "
        "HAVING COUNT(*) >= %s) e WHERE o.ballot_id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [ballot.pk, ballot.pk, WORKPLACE_TALLY_MIN, ballot.pk])


def ballot_open(*, ballot: Ballot, now=None) -> bool:
    """Open an approved ballot that is due: freeze its audience and tallies, then queue the
    notices to its electors. False if it was not due (or another process opened it)."""
    now = now or timezone.now()
    with transaction.atomic():
        ballot = Ballot.objects.select_for_update().get(pk=ballot.pk)
        if ballot.status != BallotStatus.APPROVED or ballot.opens_at > now:
            return False
        electorate = _freeze_audience(ballot)
        _create_tallies(ballot)
        ballot.status = BallotStatus.OPEN
        ballot.opened_at = now
        ballot.electorate = electorate
        ballot.save(update_fields=["status", "opened_at", "electorate"])
        enqueue_on_commit("ballots.tasks.notify_electors", ballot.pk)
    logger.info("ballot %s opened: %s electors", ballot.pk, electorate)
    return True


def ballot_notify_electors(*, ballot_id: int) -> int:
    """Tell each elector, once, that the ballot is open; chunk by chunk, each chunk in its own
    transaction, so that a task killed half-way resumes where it stopped."""
    ballot = Ballot.objects.filter(pk=ballot_id, status=BallotStatus.OPEN).first()
    if ballot is None or ballot.phase() != Phase.OPEN:
        return 0
    closes = timezone.localtime(ballot.closes_at)
    context = {
        "ballot": ballot.pk,
        "kind": str(ballot.get_kind_display()).lower(),
        "closes": date_format(closes, "l j F Y, H:i"),
        "url": absolute_url(ballot.get_absolute_url()),
    }
    sent = 0
    while True:
        with transaction.atomic():
            chunk = list(
                Elector.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(ballot=ballot, notified=False)
                .select_related("user")
                .only("id", "user__id", "user__email", "user__is_active", "user__is_staff")
                .order_by("pk")[:NOTIFY_CHUNK]
            )
            if not chunk:
                return sent
            for elector in chunk:
                notification_send(user=elector.user, kind="ballot_open", context=context)
            Elector.objects.filter(pk__in=[e.pk for e in chunk]).update(notified=True)
            sent += len(chunk)


def ballots_run_due(*, now=None) -> dict[str, int]:
    """The beat task: open approved ballots that are due; queue again the notices of open
    ballots that still have electors not told (a lost task)."""
    now = now or timezone.now()
    opened = 0
    for ballot in Ballot.objects.filter(status=BallotStatus.APPROVED, opens_at__lte=now):
        opened += ballot_open(ballot=ballot, now=now)
    requeued = 0
    pending = Ballot.objects.filter(
        status=BallotStatus.OPEN,
        closes_at__gt=now,
        pk__in=Elector.objects.filter(notified=False).values("ballot_id"),
    )
    for ballot_id in pending.values_list("pk", flat=True):
        with transaction.atomic():
            enqueue_on_commit("ballots.tasks.notify_electors", ballot_id)
        requeued += 1
    return {"opened": opened, "requeued": requeued}


# -- voting -----------------------------------------------------------------------------------


def new_receipt_code() -> str:
    code = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"


@dataclass(frozen=True)
class Voted:
    receipt: str
    option_label: str


def ballot_vote(*, ballot_id: int, user: User, option_id, now=None) -> Voted:
    """Count one member's vote once: the participation row (unique per ballot and member),
    a receipt and the tallies, in one statement, so in one transaction.

    The statement writes only when the ballot is open, the member is one of its electors and
    the option is one of its own. A second vote by the same member, however close in time,
    waits on the unique index of participation until the first commits and then inserts
    nothing: it is refused and nothing else is written. Every option's rows of the voter's
    groups are rewritten (the chosen one +1), so that what is written does not say which
    option was chosen; the ballot-wide rows are spread over shards so voters do not queue on
    one row. Only when nothing was written are the reasons looked up, to say which."""
    now = now or timezone.now()
    try:
        option_id = int(option_id)
    except (TypeError, ValueError):
        raise BallotError(NO_CHOICE, field="choice") from None
    code = new_receipt_code()
    params = {
        "ballot": ballot_id,
        "user": user.pk,
        "option": option_id,
        "now": now,
        "day": timezone.localdate(now),
        "code": code,
        "shard": secrets.randbelow(TALLY_SHARDS),
        "open": BallotStatus.OPEN.value,
    }
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_VOTE_SQL, params)
            voted, receipted, label = cursor.fetchone()
    else:  # the embedded SQLite of `make run`: no writes inside WITH
        voted, receipted, label = _vote_in_steps(params)
    if not voted:
        _refusal(ballot_id=ballot_id, user=user, option_id=option_id, now=now)
    if not receipted:
        # 32^12 codes: a clash is all but impossible, and never fatal. The vote is counted.
        code = new_receipt_code()
        while not _insert_receipt(code, ballot_id):
            code = new_receipt_code()
    return Voted(receipt=code, option_label=label)


_VOTE_SQL = f"""
WITH allowed AS (
    SELECT e.workplace_id, o.label
    FROM {Elector._meta.db_table} e
    JOIN {Ballot._meta.db_table} b ON b.id = e.ballot_id
    JOIN {Option._meta.db_table} o ON o.ballot_id = b.id AND o.id = %(option)s
    WHERE e.ballot_id = %(ballot)s AND e.user_id = %(user)s
      AND b.status = %(open)s AND b.closes_at > %(now)s
),
participated AS (
    INSERT INTO {Participation._meta.db_table} (ballot_id, user_id, voted_on)
    SELECT %(ballot)s, %(user)s, %(day)s FROM allowed
    ON CONFLICT DO NOTHING
    RETURNING 1
),
receipted AS (
    INSERT INTO {Receipt._meta.db_table} (code, ballot_id)
    SELECT %(code)s, %(ballot)s FROM participated
    ON CONFLICT DO NOTHING
    RETURNING 1
),
counted AS (
    UPDATE {Tally._meta.db_table} t
    SET votes = t.votes + CASE WHEN t.option_id = %(option)s THEN 1 ELSE 0 END
    WHERE t.ballot_id = %(ballot)s
      AND EXISTS (SELECT 1 FROM participated)
      AND ((t.workplace_id IS NULL AND t.shard = %(shard)s)
           OR t.workplace_id = (SELECT workplace_id FROM allowed))
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM participated),
       EXISTS (SELECT 1 FROM receipted),
       (SELECT label FROM allowed)
"""  # noqa: S608 (table names from the models; every value is a parameter)


@transaction.atomic
def _vote_in_steps(p: dict) -> tuple[bool, bool, str | None]:
    """What _VOTE_SQL does, one statement at a time, for databases without data-modifying
    WITH (SQLite, the embedded database of `make run`)."""
    allowed = (
        Elector.objects.filter(
            ballot_id=p["ballot"],
            user_id=p["user"],
            ballot__status=p["open"],
            ballot__closes_at__gt=p["now"],
            ballot__options__pk=p["option"],
        )
        .values_list("workplace_id", "ballot__options__label")
        .first()
    )
    if allowed is None:
        return False, False, None
    workplace_id, label = allowed
    if not _insert_once(
        f"INSERT INTO {Participation._meta.db_table} (ballot_id, user_id, voted_on) "  # noqa: S608
        "VALUES (%s, %s, %s)",
        [p["ballot"], p["user"], p["day"]],
    ):
        return False, False, label
    receipted = _insert_receipt(p["code"], p["ballot"])
    groups = Q(workplace__isnull=True, shard=p["shard"])
    if workplace_id:
        groups |= Q(workplace_id=workplace_id)
    Tally.objects.filter(groups, ballot_id=p["ballot"]).update(
        votes=F("votes") + Case(When(option_id=p["option"], then=Value(1)), default=Value(0))
    )
    return True, receipted, label


def _insert_once(sql: str, params: list) -> bool:
    """An INSERT … ON CONFLICT DO NOTHING RETURNING: whether the row went in. No savepoint:
    a conflict (a second vote, a receipt code already used) leaves the transaction usable."""
    with connection.cursor() as cursor:
        cursor.execute(sql + " ON CONFLICT DO NOTHING RETURNING 1", params)
        return cursor.fetchone() is not None


def _insert_receipt(code: str, ballot_id: int) -> bool:
    return _insert_once(
        f"INSERT INTO {Receipt._meta.db_table} (code, ballot_id) VALUES (%s, %s)",  # noqa: S608
        [code, ballot_id],
    )


def _refusal(*, ballot_id: int, user: User, option_id: int, now) -> None:
    """Why a vote wrote nothing, in the order a member would want to be told."""
    ballot = Ballot.objects.filter(pk=ballot_id).only("status", "closes_at").first()
    if ballot is None or ballot.phase(now) != Phase.OPEN:
        raise BallotError(NOT_OPEN)
    if not Elector.objects.filter(ballot_id=ballot_id, user=user).exists():
        raise BallotError(NOT_ELECTOR)
    if not Option.objects.filter(ballot_id=ballot_id, pk=option_id).exists():
        raise BallotError(NO_CHOICE, field="choice")
    raise BallotError(ALREADY_VOTED)


# -- the statutory register -----------------------------------------------------------------


@transaction.atomic
def register_export_record(
    *, by: User, audience: str, purpose: str, file_format: str, electors: int
) -> RegisterExport:
    return RegisterExport.objects.create(
        by=by, audience=audience, purpose=purpose, file_format=file_format, electors=electors
    )
