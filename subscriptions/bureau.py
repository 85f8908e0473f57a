"""Direct Debits collected through a Bacs bureau: the portal writes the files the bureau
submits (the AUDDIS lodgement of new and cancelled instructions, the Standard 18 collection
file) and imports the reports the bureau sends back (AUDDIS returns, ARUDD unpaid Direct
Debits, ADDACS amendments and cancellations by the payer's bank).

The Bacs formats themselves live in `subscriptions.bacs` (pure, no database); this module
decides what goes in a file and what a report changes, in one transaction each. A file is
stored encrypted (it holds bank details), a report too; a report imported twice (the same
SHA-256) changes nothing. Bank details never leave this module but inside a file's content.
"""

from __future__ import annotations

import gc
import hashlib
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from membership.models import ChangeSource, MembershipChange
from portal import bulk

from .models import (
    BacsException,
    BacsFile,
    BacsFileKind,
    BacsReport,
    Collection,
    CollectionStatus,
    Mandate,
    MandateStatus,
    Method,
    Provider,
    ReportKind,
)

# A report larger than this is refused before it is read (10,000 ARUDD items are ~4 MB).
REPORT_MAX_BYTES = 20 * 1024 * 1024
CHUNK = 5000
LIVE = (MandateStatus.PENDING, MandateStatus.ACTIVE, MandateStatus.CANCELLING)
HISTORY_FIELD = "Direct Debit"
PAYMENT_FIELD = "payment"


class BureauError(Exception):
    """A report the portal refuses: nothing was saved. `line` names where, when known."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


# --- The provider ----------------------------------------------------------------------------


class BureauProvider:
    """The provider interface for the bureau: nothing happens at once; the next files do
    the work."""

    name = Provider.BUREAU

    def mandate_created(self, mandate) -> None:
        """Nothing now: the next AUDDIS file lodges every pending mandate (0N)."""

    def mandate_cancelled(self, mandate) -> None:
        """A lodged mandate waits for the next AUDDIS file (0C); one never lodged ends now
        (there is nothing to tell the bank). Whether the caller has already marked it
        cancelling or not."""
        now = timezone.now()
        if mandate.lodged_at is None and mandate.status in (
            MandateStatus.PENDING,
            MandateStatus.CANCELLING,
        ):
            mandate.status = MandateStatus.CANCELLED
            mandate.cancel_requested_at = mandate.cancel_requested_at or now
            mandate.cancelled_at = now
            mandate.save(update_fields=["status", "cancel_requested_at", "cancelled_at"])
        elif mandate.status == MandateStatus.ACTIVE:
            mandate.status = MandateStatus.CANCELLING
            mandate.cancel_requested_at = now
            mandate.save(update_fields=["status", "cancel_requested_at"])

    def collection_scheduled(self, collection) -> None:
        """Nothing: the collection file takes scheduled collections when their input day
        comes."""

    def collection_cancelled(self, collection) -> None:
        """Nothing: a cancelled collection is simply not in the next file."""


# --- Helpers ---------------------------------------------------------------------------------


def originator():
    from .bacs import standard18

    return standard18.Originator(
        service_user_number=settings.BACS_SERVICE_USER_NUMBER,
        name=settings.BACS_SERVICE_USER_NAME,
        sort_code=settings.BACS_UNION_SORT_CODE,
        account_number=settings.BACS_UNION_ACCOUNT_NUMBER,
        account_name=settings.BACS_UNION_ACCOUNT_NAME,
    )


def _lock(name: str) -> None:
    """One writer of bureau files (or importer of reports) at a time."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"bureau:{name}"])


def _next_serial(kind: str) -> int:
    last = BacsFile.objects.filter(kind=kind).order_by("-serial").values_list("serial", flat=True)
    return (last.first() or 0) + 1


def _input_day(today: date) -> date:
    from .bacs import calendar

    return today if calendar.is_processing_day(today) else calendar.next_processing_day(today)


def processing_date_for(today: date) -> date:
    """A file sent on today's input day is processed on the next processing day (day 2)."""
    from .bacs import calendar

    return calendar.add_processing_days(_input_day(today), 1)


def latest_due_date(today: date) -> date:
    """The last collection date whose input day is today or past (input days are
    monotonic in the collection date, so one bound serves the whole query)."""

    bound = today
    for offset in range(0, 21):
        candidate = today + timedelta(days=offset)
        if input_day_of(candidate) <= today:
            bound = candidate
    return bound


def input_day_of(due_on: date) -> date:
    """A collection due on a weekend or bank holiday is taken on the next processing day."""
    from .bacs import calendar

    if not calendar.is_processing_day(due_on):
        due_on = calendar.next_processing_day(due_on)
    return calendar.input_day_for(due_on)


def _history(membership_id: int, actor, old: str, new: str, *, effective_on=None, field=None):
    return MembershipChange(
        membership_id=membership_id,
        actor=actor,
        source=ChangeSource.PAYMENT,
        field=field or HISTORY_FIELD,
        old_value=str(old)[:200],
        new_value=str(new)[:200],
        effective_on=effective_on,
    )


def _store_file(*, kind, serial, processing_date, content, actor, count, total) -> BacsFile:
    return BacsFile.objects.create(
        kind=kind,
        serial=serial,
        processing_date=processing_date,
        created_by=actor,
        content=content,
        sha256=hashlib.sha256(content.encode()).hexdigest(),
        record_count=count,
        total_pence=total,
    )


# --- AUDDIS lodgement -------------------------------------------------------------------------


def auddis_file_write(*, actor=None, today: date | None = None) -> BacsFile | None:
    """Every pending bureau mandate as a new instruction (0N), every cancelling one as a
    cancellation (0C), in one AUDDIS file; the mandates become active or cancelled with it.
    None when there is nothing to lodge."""
    from .bacs import standard18

    today = today or timezone.localdate()
    with transaction.atomic():
        _lock("auddis")
        mandates = list(
            Mandate.objects.select_for_update()
            .filter(
                provider=Provider.BUREAU,
                status__in=[MandateStatus.PENDING, MandateStatus.CANCELLING],
            )
            .order_by("pk")
        )
        if not mandates:
            return None
        records = [
            standard18.Record(
                dest_sort_code=m.sort_code,
                dest_account=m.account_number,
                transaction_code="0N" if m.status == MandateStatus.PENDING else "0C",
                amount_pence=0,
                reference=m.reference,
                dest_name=m.account_holder,
            )
            for m in mandates
        ]
        serial = _next_serial(BacsFileKind.AUDDIS)
        processing_date = processing_date_for(today)
        content = standard18.write_auddis(
            originator(),
            records,
            processing_date=processing_date,
            file_serial=serial,
            created_on=today,
        )
        bacs_file = _store_file(
            kind=BacsFileKind.AUDDIS,
            serial=serial,
            processing_date=processing_date,
            content=content,
            actor=actor,
            count=len(records),
            total=0,
        )
        now = timezone.now()
        new = [m.pk for m in mandates if m.status == MandateStatus.PENDING]
        ending = [m.pk for m in mandates if m.status == MandateStatus.CANCELLING]
        Mandate.objects.filter(pk__in=new).update(
            status=MandateStatus.ACTIVE, lodged_at=now, lodged_in=bacs_file
        )
        Mandate.objects.filter(pk__in=ending).update(
            status=MandateStatus.CANCELLED, cancelled_at=now, cancelled_in=bacs_file
        )
        MembershipChange.objects.bulk_create(
            [
                _history(
                    m.membership_id,
                    actor,
                    m.get_status_display(),
                    "Direct Debit lodged with your bank"
                    if m.status == MandateStatus.PENDING
                    else "Direct Debit cancelled",
                    effective_on=processing_date,
                )
                for m in mandates
            ]
        )
    return bacs_file


# --- The collection file ----------------------------------------------------------------------


def collections_due(today: date):
    """Scheduled bureau Direct Debit collections on active mandates whose input day is
    today or past and that are in no file yet."""
    return Collection.objects.filter(
        method=Method.DIRECT_DEBIT,
        status=CollectionStatus.SCHEDULED,
        bacs_file=None,
        mandate__provider=Provider.BUREAU,
        mandate__status=MandateStatus.ACTIVE,
        due_on__lte=latest_due_date(today),
    )


@dataclass
class _Tally:
    count: int = 0
    total: int = 0


def _plain(fernet, value: str) -> str:
    """A value of an encrypted field read raw (no per-row key lookup), decrypted."""
    from portal import crypto

    if not value or not value.startswith(crypto.PREFIX):
        return value or ""
    return fernet.decrypt(value[len(crypto.PREFIX) :].encode()).decode()


def collection_file_write(*, actor=None, today: date | None = None) -> BacsFile | None:
    """One Standard 18 file of every collection due (its transaction code, its amount in
    pence, the mandate's reference), balanced by the contra; the collections are submitted
    with it, in one transaction. The collections are claimed for the file by one UPDATE
    (which locks them), then streamed out in chunks, so half a million collections are
    never models at once. None when nothing is due."""
    from django.db.models import TextField
    from django.db.models.functions import Cast

    from portal import crypto

    from .bacs import standard18

    today = today or timezone.localdate()
    with transaction.atomic():
        _lock("collection")
        due = collections_due(today)
        if not due.exists():
            return None
        serial = _next_serial(BacsFileKind.COLLECTION)
        processing_date = processing_date_for(today)
        bacs_file = BacsFile.objects.create(
            kind=BacsFileKind.COLLECTION,
            serial=serial,
            processing_date=processing_date,
            created_by=actor,
            content="",
            sha256="",
        )
        claimed = due.update(status=CollectionStatus.SUBMITTED, bacs_file=bacs_file)
        # The bank details come raw (Cast: no field converter) and are decrypted here with
        # the key set looked up once.
        rows = (
            Collection.objects.filter(bacs_file=bacs_file)
            .order_by("pk")
            .values_list(
                "kind",
                "amount_pence",
                "mandate__reference",
                Cast("mandate__sort_code", TextField()),
                Cast("mandate__account_number", TextField()),
                Cast("mandate__account_holder", TextField()),
            )
        )
        if connection.vendor == "postgresql":
            rows = rows.iterator(chunk_size=CHUNK)
        tally = _Tally()
        fernet = crypto.fernet()

        def records():
            Record = standard18.Record
            for kind, amount, reference, sort_code, account, holder in rows:
                tally.count += 1
                tally.total += amount
                yield Record(
                    dest_sort_code=_plain(fernet, sort_code),
                    dest_account=_plain(fernet, account),
                    transaction_code=kind,
                    amount_pence=amount,
                    reference=reference,
                    dest_name=_plain(fernet, holder),
                )

        content = standard18.write_collections(
            originator(),
            records(),
            processing_date=processing_date,
            file_serial=serial,
            created_on=today,
        )
        if tally.count != claimed:  # cannot happen inside the transaction; never half-done
            raise RuntimeError("The collection file does not hold every collection claimed.")
        bacs_file.content = content
        bacs_file.sha256 = hashlib.sha256(content.encode()).hexdigest()
        bacs_file.record_count = tally.count
        bacs_file.total_pence = tally.total
        bacs_file.save(update_fields=["content", "sha256", "record_count", "total_pence"])
    return bacs_file


def files_write(*, actor=None, today: date | None = None) -> list[BacsFile]:
    """The day's files: AUDDIS first (so that new instructions are lodged), then
    collections."""
    written = [auddis_file_write(actor=actor, today=today)]
    written.append(collection_file_write(actor=actor, today=today))
    return [f for f in written if f is not None]


# --- Reason codes -----------------------------------------------------------------------------
# What each code means and what the portal does come from the Bacs layer's tables
# (`subscriptions.bacs.reports.ARUDD_REASONS`, `ADDACS_REASONS`, `AUDDIS_REASONS`).


def _reason(kind: str, code: str):
    from .bacs import reports

    table = {
        "arudd": reports.ARUDD_REASONS,
        "addacs": reports.ADDACS_REASONS,
        "auddis": reports.AUDDIS_REASONS,
    }[kind]
    found = table.get(code)
    if found is None:
        return reports.Reason(f"Unknown reason code {code or '(blank)'}", reports.CONTACT_MEMBER)
    return found


def _code(item) -> str:
    return str(_get(item, "return_code", "reason_code", default="")).strip().upper()


def _get(item, *names, default=None):
    for name in names:
        value = getattr(item, name, None)
        if value not in (None, ""):
            return value
    return default


# --- Importing reports ------------------------------------------------------------------------


@dataclass
class _Import:
    report: BacsReport
    actor: object
    applied: dict = field(default_factory=lambda: defaultdict(int))
    exceptions: list = field(default_factory=list)
    history: list = field(default_factory=list)
    notices: list = field(default_factory=list)  # (user_id, kind, context)

    def exception(
        self, item, message, *, mandate=None, mandate_id=None, collection_id=None, code=""
    ):
        self.applied["exceptions"] += 1
        self.exceptions.append(
            BacsException(
                report=self.report,
                mandate_id=mandate.pk if mandate is not None else mandate_id,
                collection_id=collection_id,
                reference=str(_get(item, "reference", default=""))[:18],
                code=code[:2],
                message=message[:300],
            )
        )


@dataclass
class ImportResult:
    report: BacsReport
    created: bool  # False: the same file was imported before; nothing changed

    @property
    def already_imported_message(self) -> str:
        return f"This report was already imported on {self.report.uploaded_at:%-d %B %Y}."


@contextmanager
def _collector_paused():
    """Python's cyclic garbage collector paused while a report is read and applied: an
    ARUDD report of 10,000 items makes some hundreds of thousands of short-lived tuples and
    strings, none in a cycle, and the collector's repeated passes over them were a quarter
    of the import's time (bench/README.md). The size limit bounds what is held meanwhile;
    anything cyclic left is collected once it runs again."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def report_import(*, actor, data: bytes, filename: str = "") -> ImportResult:
    """Import one bureau report. The same file again returns the report it made and changes
    nothing; a file that cannot be read raises BureauError (nothing saved) naming the line."""
    if len(data) > REPORT_MAX_BYTES:
        raise BureauError(f"The file is larger than {REPORT_MAX_BYTES // (1024 * 1024)} MB.")
    with _collector_paused():
        return _report_import(actor, data, filename)


def _report_import(actor, data: bytes, filename: str) -> ImportResult:
    from .bacs import reports

    digest = hashlib.sha256(data).hexdigest()
    existing = BacsReport.objects.filter(sha256=digest).first()
    if existing is not None:
        return ImportResult(existing, created=False)
    try:
        parsed = reports.parse(data)
    except reports.ReportError as error:
        line = getattr(error, "line", None)
        message = getattr(error, "message", None) or str(error)
        where = f" (line {line})" if line else ""
        raise BureauError(f"The report could not be read{where}: {message}", line) from error
    kind = str(getattr(parsed, "kind", "")).lower()
    if kind not in ReportKind.values:
        raise BureauError(f"This is not a report the portal imports ({kind or 'unknown'}).")
    sun = str(getattr(parsed, "service_user_number", "") or "")
    if sun and sun != settings.BACS_SERVICE_USER_NUMBER:
        raise BureauError(
            f"The report is for service user number {sun}, not the union's "
            f"({settings.BACS_SERVICE_USER_NUMBER})."
        )
    items = list(parsed.items)
    with transaction.atomic():
        _lock("report")
        if BacsReport.objects.filter(sha256=digest).exists():  # a concurrent upload won
            return ImportResult(BacsReport.objects.get(sha256=digest), created=False)
        report = BacsReport.objects.create(
            kind=kind,
            sha256=digest,
            filename=(filename or "")[:200],
            uploaded_by=actor,
            content=data.decode("utf-8", errors="replace"),
            report_date=getattr(parsed, "report_date", None),
            item_count=len(items),
        )
        work = _Import(report=report, actor=actor)
        {"arudd": _apply_arudd, "addacs": _apply_addacs, "auddis": _apply_auddis}[kind](work, items)
        BacsException.objects.bulk_create(work.exceptions, batch_size=CHUNK)
        MembershipChange.objects.bulk_create(work.history, batch_size=CHUNK)
        report.applied = {k: v for k, v in work.applied.items() if v}
        report.save(update_fields=["applied"])
        _send_notices(work.notices)
    return ImportResult(report, created=True)


def _mandates_by_reference(items) -> dict[str, Mandate]:
    refs = {_ref(i) for i in items}
    refs.discard("")
    found = {}
    ref_list = sorted(refs)
    for start in range(0, len(ref_list), CHUNK):
        for m in (
            Mandate.objects.select_for_update()
            .filter(reference__in=bulk.any_of(ref_list[start : start + CHUNK], "text"))
            .defer("account_holder", "sort_code", "account_number")
        ):
            found[m.reference] = m
    return found


def _cancel_scheduled(mandate_ids) -> int:
    if not mandate_ids:
        return 0
    return Collection.objects.filter(
        mandate_id__in=list(mandate_ids), status=CollectionStatus.SCHEDULED
    ).update(status=CollectionStatus.CANCELLED)


def _notice(work, mandate, kind, **context):
    work.notices.append((mandate.membership_id, kind, context))


def _send_notices(notices) -> None:
    if not notices:
        return
    from portal.accounts.models import Membership
    from portal.communications.notifications import absolute_url, notifications_send

    users = {
        m.pk: m.user
        for m in Membership.objects.filter(pk__in={n[0] for n in notices}).select_related("user")
    }
    url = absolute_url(reverse("membership:subscription"))
    notifications_send(
        [
            (users[membership_id], kind, {**context, "url": url})
            for membership_id, kind, context in notices
        ]
    )


def _end_mandates(work: _Import, ending: dict, *, status: str, notice: str, words: str) -> None:
    """Mandates the payer's bank ended (refused, cancelled, account closed): the mandate
    failed or cancelled with the reason, its scheduled collections cancelled, the member
    told to set up a new one, and the history written."""
    now = timezone.now()
    by_reason: dict[str, list[int]] = defaultdict(list)
    for mandate, reason in ending.values():
        by_reason[reason[:200]].append(mandate.pk)
    for reason, pks in by_reason.items():
        Mandate.objects.filter(pk__in=pks).update(
            status=status, end_reason=reason, cancelled_at=now
        )
    for mandate, reason in ending.values():
        work.history.append(
            _history(
                mandate.membership_id, work.actor, mandate.get_status_display(), words + reason
            )
        )
        _notice(work, mandate, notice, reason=reason)
    work.applied["collections_cancelled"] += _cancel_scheduled(ending)


def _ref(item) -> str:
    return str(_get(item, "reference", default="")).strip().upper()


def _apply_auddis(work: _Import, items) -> None:
    mandates = _mandates_by_reference(items)
    failed: dict[int, tuple[Mandate, str]] = {}
    for item in items:
        ref, code = _ref(item), _code(item)
        reason = _reason("auddis", code).meaning
        mandate = mandates.get(ref)
        if mandate is None:
            work.exception(
                item,
                f"Instruction refused ({reason}): no mandate has the reference {ref}.",
                code=code,
            )
            continue
        if mandate.provider != Provider.BUREAU:
            work.exception(
                item, "The mandate is not collected through the bureau.", mandate=mandate, code=code
            )
            continue
        if mandate.status == MandateStatus.FAILED or mandate.pk in failed:
            work.applied["already_refused"] += 1
            continue
        if mandate.status not in (MandateStatus.ACTIVE, MandateStatus.PENDING):
            work.exception(
                item,
                f"Instruction refused ({reason}) for the mandate {ref}, which is "
                f"{mandate.get_status_display().lower()}.",
                mandate=mandate,
                code=code,
            )
            continue
        failed[mandate.pk] = (mandate, reason)
        work.applied["refused"] += 1
    _end_mandates(
        work,
        failed,
        status=MandateStatus.FAILED,
        notice="subscription_bureau_refused",
        words="Refused by your bank: ",
    )


def _apply_addacs(work: _Import, items) -> None:
    from .bacs import reports

    mandates = _mandates_by_reference(items)
    cancelled: dict[int, tuple[Mandate, str]] = {}
    for item in items:
        ref, code = _ref(item), _code(item)
        reason = _reason("addacs", code)
        meaning, action = reason.meaning, reason.action
        mandate = mandates.get(ref)
        if mandate is None:
            work.exception(item, f"{meaning}: no mandate has the reference {ref}.", code=code)
            continue
        if action == reports.CANCEL_MANDATE:
            if mandate.pk in cancelled:
                continue
            if mandate.status in (MandateStatus.CANCELLED, MandateStatus.FAILED):
                work.exception(
                    item,
                    f"{meaning}: the mandate {ref} is already "
                    f"{mandate.get_status_display().lower()}; no live mandate to cancel.",
                    mandate=mandate,
                    code=code,
                )
                continue
            cancelled[mandate.pk] = (mandate, meaning)
            work.applied["cancelled"] += 1
        elif action == reports.UPDATE_BANK_DETAILS:
            sort_code = str(_get(item, "new_sort_code", default="")).replace("-", "")
            account = str(_get(item, "new_account_number", default=""))
            name = _get(item, "new_account_name")
            if (
                not sort_code
                or not account
                or mandate.status
                not in (
                    MandateStatus.ACTIVE,
                    MandateStatus.PENDING,
                )
            ):
                work.exception(
                    item,
                    f"{meaning}: the advice gives no new account, or the mandate {ref} is "
                    "not live; check it with the bureau.",
                    mandate=mandate,
                    code=code,
                )
                continue
            # update() passes the plain text through the fields: stored encrypted.
            Mandate.objects.filter(pk=mandate.pk).update(
                sort_code=sort_code,
                account_number=account,
                account_last2=account[-2:],
                **({"account_holder": str(name)} if name else {}),
            )
            work.history.append(
                _history(
                    mandate.membership_id,
                    work.actor,
                    f"Account ending {mandate.account_last2}",
                    f"Your bank moved your Direct Debit to the account ending {account[-2:]}",
                )
            )
            work.applied["bank_details_changed"] += 1
        elif action == reports.REINSTATE:
            if (
                mandate.status != MandateStatus.CANCELLED
                or mandate.membership.mandates.filter(
                    status__in=[MandateStatus.PENDING, MandateStatus.ACTIVE]
                )
                .exclude(pk=mandate.pk)
                .exists()
            ):
                work.exception(
                    item,
                    f"{meaning}: the mandate {ref} is {mandate.get_status_display().lower()}, "
                    "or the member has another live mandate; the officer decides.",
                    mandate=mandate,
                    code=code,
                )
                continue
            Mandate.objects.filter(pk=mandate.pk).update(
                status=MandateStatus.ACTIVE, cancelled_at=None, end_reason=""
            )
            work.history.append(
                _history(mandate.membership_id, work.actor, "Cancelled", "Reinstated by your bank")
            )
            work.applied["reinstated"] += 1
        else:  # amended, disputed, unknown: a person looks
            work.exception(item, f"{meaning}: check the mandate {ref}.", mandate=mandate, code=code)
    _end_mandates(
        work,
        cancelled,
        status=MandateStatus.CANCELLED,
        notice="subscription_bureau_cancelled",
        words="Cancelled by your bank: ",
    )


def _apply_arudd(work: _Import, items) -> None:
    from .bacs import reports

    # The mandates and their collections as plain rows (locked): thousands of model
    # instances were a fifth of the import's time.
    mandates = {}
    refs = sorted({_ref(i) for i in items} - {""})
    for start in range(0, len(refs), CHUNK):
        for m in (
            Mandate.objects.select_for_update()
            .filter(reference__in=bulk.any_of(refs[start : start + CHUNK], "text"))
            .values_list("pk", "reference", "status", named=True)
        ):
            mandates[m.reference] = m
    ids = [m.pk for m in mandates.values()]
    by_key: dict[tuple, list] = defaultdict(list)
    for start in range(0, len(ids), CHUNK):
        for c in (
            Collection.objects.select_for_update(of=("self",))
            .filter(
                mandate_id__in=bulk.any_of(ids[start : start + CHUNK]),
                method=Method.DIRECT_DEBIT,
                bacs_file__isnull=False,
            )
            .annotate(file_date=F("bacs_file__processing_date"))
            .order_by("pk")
            .values_list(
                "pk", "mandate_id", "amount_pence", "status", "due_on", "file_date", named=True
            )
        ):
            by_key[(c.mandate_id, c.amount_pence)].append(c)
    returned = []  # (collection id, code, reason, may_represent)
    dead: dict[int, str] = {}  # the reason, by mandate id
    seen = set()
    for item in items:
        ref, code = _ref(item), _code(item)
        reason = _reason("arudd", code)
        if code not in reports.ARUDD_REASONS:  # a bureau's own code: its description says
            words = str(_get(item, "return_description", default="")).strip()
            reason = reports.Reason(words or reason.meaning, getattr(item, "action", reason.action))
        amount = int(_get(item, "amount_pence", default=0))
        on = _get(item, "original_processing_date")
        mandate = mandates.get(ref)
        if mandate is None:
            work.exception(
                item,
                f"Unpaid ({reason.meaning}) for £{amount / 100:.2f}: no mandate has the "
                f"reference {ref}.",
                code=code,
            )
            continue
        candidates = [
            c
            for c in by_key.get((mandate.pk, amount), [])
            if on is None or on in (c.file_date, c.due_on)
        ]
        collection = next((c for c in candidates if c.pk not in seen), None)
        if collection is None:
            work.exception(
                item,
                f"Unpaid ({reason.meaning}) for £{amount / 100:.2f} processed on "
                f"{on or 'an unknown date'}: the mandate {ref} has no collection of that "
                "amount in that file.",
                mandate_id=mandate.pk,
                code=code,
            )
            continue
        seen.add(collection.pk)
        if collection.status not in (CollectionStatus.SUBMITTED, CollectionStatus.PAID):
            work.exception(
                item,
                f"Unpaid ({reason.meaning}): the collection is already "
                f"{CollectionStatus(collection.status).label.lower()}.",
                mandate_id=mandate.pk,
                collection_id=collection.pk,
                code=code,
            )
            continue
        returned.append((collection.pk, code, reason.meaning, reason.action == reports.RE_PRESENT))
        if reason.action == reports.CANCEL_MANDATE and mandate.status in LIVE:
            dead[mandate.pk] = reason.meaning
    _collections_returned(work, returned)
    work.applied["mandates_cancelled"] += len(dead)
    ending = Mandate.objects.defer("account_holder", "sort_code", "account_number").in_bulk(dead)
    _end_mandates(
        work,
        {pk: (ending[pk], why) for pk, why in dead.items()},
        status=MandateStatus.CANCELLED,
        notice="subscription_bureau_cancelled",
        words="Cancelled by your bank: ",
    )


def _collections_returned(work: _Import, returned) -> None:
    """The returned collections through the arrears rules (re-presented once where the
    code allows, else owed, and the member told), all at once."""
    from . import arrears

    arrears.collections_returned_unpaid(
        [
            arrears.Returned(collection_id, code, reason, may_represent)
            for collection_id, code, reason, may_represent in returned
        ],
        actor=work.actor,
    )
    work.applied["unpaid"] += len(returned)


def exception_resolve(*, actor, exception: BacsException, note: str) -> None:
    note = (note or "").strip()
    if not note:
        raise BureauError("Say how the exception was resolved.")
    BacsException.objects.filter(pk=exception.pk, resolved_at=None).update(
        resolved_at=timezone.now(), resolved_by=actor, resolution=note[:300]
    )
