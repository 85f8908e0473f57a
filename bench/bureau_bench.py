"""The Bacs bureau's two heavy jobs, in-process (no web server): writing the collection
file for every member's mandate, and importing a large ARUDD report.

The bench's seed holds members but no mandates: each scenario COPYs one bureau mandate and
one scheduled collection per seeded member (500,000 at scale 1, the encrypted bank details
encrypted once and the ciphertext reused, as the seed does for case text) inside a
transaction that is rolled back at the end, so the seeded database is left as it was. Each
timed run is inside a savepoint rolled back after it, so every run starts from the same
state.

- **collection file**: `subscriptions.bureau.collection_file_write` for all of them, against
  writing the same number of 100-character lines with Python alone (an f-string per line,
  joined): the floor of any Standard 18 writer in Python.
- **ARUDD import**: `subscriptions.bureau.report_import` of an ARUDD report returning 10,000
  of those collections (scaled: 1,000 at 0.1), against `subscriptions.bacs.reports.parse` of
  the same bytes alone.
"""

from __future__ import annotations

import statistics
import time
from datetime import date

COLLECTION_GOAL = 0.3
ARUDD_GOAL = 0.3
DUE = date(2027, 2, 3)
INPUT_DAY = date(2027, 2, 1)


def _timed(fn, arg) -> float:
    began = time.perf_counter()
    fn(arg)
    return time.perf_counter() - began


class _Rollback(Exception):
    pass


def _load(n_wanted: int):
    """One mandate and one scheduled collection per member (up to n_wanted), by COPY, in
    the current transaction. Returns the number loaded."""
    from django.db import connection
    from django.utils import timezone

    from bench.seed import copy_rows, reserve_ids
    from portal.crypto import encrypt_text

    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM accounts_membership ORDER BY id LIMIT %s", [n_wanted])
        members = [r[0] for r in cursor.fetchall()]
    n = len(members)
    sort_code, account, holder = (
        encrypt_text("089999"),
        encrypt_text("66374958"),
        encrypt_text("A MEMBER"),
    )
    raw = connection.connection
    mandate_ids = reserve_ids(raw, "subscriptions_mandate", n)
    now = timezone.now()
    copy_rows(
        raw,
        "subscriptions_mandate",
        [
            "id", "membership_id", "provider", "reference", "account_holder", "sort_code",
            "account_number", "account_last2", "status", "created_at", "end_reason",
            "provider_id",
        ],
        (
            (mid, member, "bureau", f"EDUB{i:010d}", holder, sort_code, account, "58",
             "active", now, "", "")
            for i, (mid, member) in enumerate(zip(mandate_ids, members, strict=True))
        ),
    )  # fmt: skip
    copy_rows(
        raw,
        "subscriptions_collection",
        [
            "membership_id", "method", "mandate_id", "kind", "status", "due_on",
            "period_start", "period_end", "amount_pence", "unpaid_code", "unpaid_reason",
            "provider_id", "created_at",
        ],
        (
            (member, "direct_debit", mid, "17", "scheduled", DUE, date(2027, 2, 1),
             date(2027, 2, 28), 1500 + i % 1000, "", "", "", now)
            for i, (mid, member) in enumerate(zip(mandate_ids, members, strict=True))
        ),
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE subscriptions_mandate")
        cursor.execute("ANALYZE subscriptions_collection")
    return n


def python_lines(n: int) -> str:
    """n 100-character lines written with Python alone."""
    return "".join(
        f"089999663749580{17:02d}20000058951369    {1500 + i % 1000:011d}"
        f"{'EDUCATION UNION':<18}{f'EDUB{i:010d}':<18}{'A MEMBER':<18}\n"
        for i in range(n)
    )


def run(scale: float, runs: int, row) -> None:
    """Adds the two rows through `row(scenario, figure, reference, ratio, goal, passed,
    detail)` (bench.run.Bench.row)."""
    from django.db import transaction

    from subscriptions import bureau
    from subscriptions.bacs import reports
    from subscriptions.models import Collection

    n_wanted = int(500_000 * scale)
    n_arudd = int(10_000 * scale)
    try:
        with transaction.atomic():
            loaded = _load(n_wanted)

            # The collection file.
            ours, ref = [], []
            for _ in range(runs):
                sid = transaction.savepoint()
                began = time.perf_counter()
                written = bureau.collection_file_write(today=INPUT_DAY)
                ours.append(time.perf_counter() - began)
                count = written.record_count
                transaction.savepoint_rollback(sid)
                ref.append(_timed(python_lines, loaded))
            a, b = statistics.median(ours), statistics.median(ref)
            ratio = b / a
            row(
                "bureau collection file",
                f"{a:.2f} s for {count:,} collections ({count / a:,.0f}/s)",
                f"{b:.3f} s for {loaded:,} 100-character lines (Python alone)",
                f"{ratio:.3f}",
                f">= {COLLECTION_GOAL}x",
                ratio >= COLLECTION_GOAL,
                {"ours_s": ours, "reference_s": ref, "collections": count},
            )

            # The ARUDD import: the file written once (kept), then a report returning
            # n_arudd of its collections.
            bacs_file = bureau.collection_file_write(today=INPUT_DAY)
            items = [
                reports.ReturnedDebit(
                    reference=reference,
                    transaction_code=kind,
                    amount_pence=amount,
                    return_code="0",
                    return_description="REFER TO PAYER",
                    original_processing_date=bacs_file.processing_date,
                    payer_name="A MEMBER",
                    payer_sort_code="089999",
                    payer_account_last2="58",
                )
                for reference, kind, amount in Collection.objects.filter(bacs_file=bacs_file)
                .order_by("pk")
                .values_list("mandate__reference", "kind", "amount_pence")[:n_arudd]
            ]
            from django.conf import settings

            data = reports.build_arudd(
                items,
                report_date=date(2027, 2, 8),
                service_user_number=settings.BACS_SERVICE_USER_NUMBER,
            )
            ours, ref = [], []
            for _ in range(runs):
                sid = transaction.savepoint()
                began = time.perf_counter()
                outcome = bureau.report_import(actor=None, data=data, filename="bench.xml")
                ours.append(time.perf_counter() - began)
                applied = outcome.report.applied
                transaction.savepoint_rollback(sid)
                ref.append(_timed(reports.parse, data))
            a, b = statistics.median(ours), statistics.median(ref)
            ratio = b / a
            row(
                "bureau ARUDD import",
                f"{a:.2f} s for {len(items):,} returned debits ({applied})",
                f"{b:.3f} s parsing the same {len(data) / 1e6:.1f} MB alone",
                f"{ratio:.3f}",
                f">= {ARUDD_GOAL}x",
                ratio >= ARUDD_GOAL,
                {"ours_s": ours, "reference_s": ref, "items": len(items), "applied": applied},
            )
            raise _Rollback
    except _Rollback:
        pass
