"""Ballot secrecy, read from the database schema itself: nothing that records a vote (the
tallies) or a receipt refers to a person or to the participation row, and no time finer
than the day is kept about voting. And 50 parallel votes by one member count once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from ballots import services
from ballots.models import Elector, Participation, Receipt, Tally
from portal.accounts.models import User
from tests.factories import MembershipFactory

from .conftest import make_ballot

PEOPLE_TABLES = {User._meta.db_table, Participation._meta.db_table, Elector._meta.db_table}


def columns(table):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, data_type, column_default FROM information_schema.columns "
            "WHERE table_name = %s",
            [table],
        )
        return cursor.fetchall()


def foreign_keys(table):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ccu.table_name FROM information_schema.table_constraints tc "
            "JOIN information_schema.constraint_column_usage ccu "
            "ON tc.constraint_name = ccu.constraint_name "
            "WHERE tc.table_name = %s AND tc.constraint_type = 'FOREIGN KEY'",
            [table],
        )
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.django_db
def test_no_column_or_key_links_a_vote_or_a_receipt_to_a_voter():
    for model in (Tally, Receipt):
        table = model._meta.db_table
        assert not foreign_keys(table) & PEOPLE_TABLES, table
        for name, data_type, default in columns(table):
            assert "user" not in name and "participation" not in name and "elector" not in name
            assert "time" not in data_type and data_type != "date", (table, name)
            # No sequence: an id would number receipts in the order people voted.
            assert not (default or "").startswith("nextval"), (table, name)
    # Who voted keeps the day only.
    kinds = {name: data_type for name, data_type, _ in columns(Participation._meta.db_table)}
    assert kinds["voted_on"] == "date"
    assert not any("time" in t for t in kinds.values())
    # And nothing in the participation row points at a tally or a receipt.
    assert not foreign_keys(Participation._meta.db_table) & {
        Tally._meta.db_table,
        Receipt._meta.db_table,
    }


@pytest.mark.django_db
def test_a_vote_rewrites_every_option_row_so_row_versions_do_not_tell_the_choice(officers):
    pair = officers
    member = MembershipFactory()
    ballot = make_ballot(pair)
    yes, no = ballot.options.all()

    def versions():
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT option_id, shard, xmin::text FROM {Tally._meta.db_table} "  # noqa: S608
                "WHERE ballot_id = %s AND workplace_id IS NULL",
                [ballot.pk],
            )
            return {(o, shard): x for o, shard, x in cursor.fetchall()}

    before = versions()
    services.ballot_vote(ballot_id=ballot.pk, user=member.user, option_id=no.pk)
    after = versions()
    changed = {key for key in after if after[key] != before[key]}
    # One shard's rows, both options, written by the same transaction: which option changed
    # cannot be read from the row versions.
    assert {o for o, _ in changed} == {yes.pk, no.pk}
    assert len({shard for _, shard in changed}) == 1
    assert len({after[key] for key in changed}) == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_fifty_parallel_votes_by_one_member_count_once():
    from portal.accounts.roles import Role
    from tests.factories import staff_user

    pair = (staff_user(Role.BALLOTS_OFFICER)[0], staff_user(Role.BALLOTS_OFFICER)[0])
    member = MembershipFactory()
    others = [MembershipFactory() for _ in range(3)]
    ballot = make_ballot(pair)
    options = list(ballot.options.all())
    barrier = threading.Barrier(50)
    results, errors = [], []

    def cast(i):
        try:
            barrier.wait(timeout=20)
            results.append(
                services.ballot_vote(
                    ballot_id=ballot.pk, user=member.user, option_id=options[i % 2].pk
                )
            )
        except services.BallotError as error:
            errors.append(error.message)
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=cast, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(results) == 1
    assert errors == [str(services.ALREADY_VOTED)] * 49
    for m in others:
        services.ballot_vote(ballot_id=ballot.pk, user=m.user, option_id=options[0].pk)
    participations = Participation.objects.filter(ballot=ballot).count()
    assert participations == 4
    overall = Tally.objects.filter(ballot=ballot, workplace=None)
    assert sum(overall.values_list("votes", flat=True)) == participations
    assert Receipt.objects.filter(ballot=ballot).count() == participations
