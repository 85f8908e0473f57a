"""How long the collection engine takes over many members (not a test).

    createdb -h 127.0.0.1 -U postgres portal_wt_coll_bench
    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_wt_coll_bench \
        .venv/bin/python -m bench.collections_bench 5000

Migrates the database, adds N full-time members paying by Direct Debit (bulk inserts; their
encrypted bank details encrypted once), then times `collections_schedule` (a first
collection for everyone, so every member is also sent the advance notice), a second run
(nothing to do), the next month (regular collections, no notices) and
`collections_adjust_for_rate_changes`.

Measured on 2 December 2026 with 5,000 members, DEBUG=1, under `nice -n 19` on a shared
machine (load about 8): first collections with notices 60.5 s (5,067 queries: one
notification row each), nothing to do 7.5 s (36 queries), the next month's 5,000 regular
collections 12.6 s (57 queries), re-quoting 5,000 scheduled collections 9.8 s (33 queries).
The regular monthly run is about 2.5 ms a member, in chunks of 1,000: some 20 minutes for
500,000 members; the queries grow with the chunks, not the members.
"""

from __future__ import annotations

import os
import sys
import time


def main(n: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from datetime import date

    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from portal.accounts.choices import Hours, JobRole, MembershipStatus
    from portal.accounts.membership import derive_fee_band, derive_section
    from portal.accounts.models import Employer, Membership, Region, User
    from subscriptions.collections import (
        collections_adjust_for_rate_changes,
        collections_schedule,
    )
    from subscriptions.models import Collection, Mandate, Method, PaymentArrangement

    region = Region.objects.get(slug="london")
    employer, _ = Employer.objects.get_or_create(name="Bench School", town="London")
    start = User.objects.count()
    users = User.objects.bulk_create(
        [User(email=f"bench{start + i}@bench.example", first_name="B") for i in range(n)],
        batch_size=2000,
    )
    band = derive_fee_band(JobRole.TEACHER, Hours.FULL_TIME)
    members = Membership.objects.bulk_create(
        [
            Membership(
                user=u,
                number=f"B{start + i:09d}",
                status=MembershipStatus.ACTIVE,
                employer=employer,
                job_role=JobRole.TEACHER,
                hours=Hours.FULL_TIME,
                section=derive_section(JobRole.TEACHER),
                fee_band=band,
                workplace_postcode="N1 9GU",
                nation=region.nation,
                region=region,
            )
            for i, u in enumerate(users)
        ],
        batch_size=2000,
    )
    PaymentArrangement.objects.bulk_create(
        [PaymentArrangement(membership=m, method=Method.DIRECT_DEBIT) for m in members],
        batch_size=2000,
    )
    sample = Mandate(account_holder="Bench", sort_code="200000", account_number="55779911")
    Mandate.objects.bulk_create(
        [
            Mandate(
                membership=m,
                provider="bureau",
                reference=f"BENCH{m.pk:012d}",
                account_holder=sample.account_holder,
                sort_code=sample.sort_code,
                account_number=sample.account_number,
                account_last2="11",
                status="active",
            )
            for m in members
        ],
        batch_size=2000,
    )
    today = date(2027, 1, 10)
    for label, fn in (
        ("schedule (first collections and notices)", lambda: collections_schedule(today=today)),
        ("schedule again (nothing to do)", lambda: collections_schedule(today=today)),
        (
            "next month (regular collections, same amount: no notices)",
            lambda: collections_schedule(today=date(2027, 2, 5)),
        ),
        ("adjust for rate changes", lambda: collections_adjust_for_rate_changes(today=today)),
    ):
        connection.queries_log.clear()
        t = time.perf_counter()
        result = fn()
        took = time.perf_counter() - t
        print(f"{label}: {result} in {took:.1f} s, {len(connection.queries)} queries", flush=True)
    print("collections:", Collection.objects.count())


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
