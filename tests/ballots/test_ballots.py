"""Ballots: the two-person rule, audiences, one vote, results after the close, suppression,
receipts, notices, the register export, and bad input on every form and parameter."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ballots import selectors, services
from ballots.models import (
    TALLY_SHARDS,
    Audience,
    Ballot,
    BallotStatus,
    Elector,
    Participation,
    Receipt,
    RegisterExport,
    Tally,
)
from portal.accounts.choices import MembershipStatus, Nation, Section
from portal.accounts.models import ContactDetails
from portal.accounts.roles import Role
from portal.communications.models import Delivery
from tests.factories import MembershipFactory, region, staff_user

from .conftest import close, make_ballot, members_at, workplace

pytestmark = pytest.mark.django_db


def vote(client, ballot, option):
    """A vote as the browser makes it: the POST, then the receipt page it redirects to."""
    return client.post(
        reverse("ballots:detail", args=[ballot.pk]), {"choice": option.pk}, follow=True
    )


# -- two-person rule ------------------------------------------------------------------------


def test_the_writer_cannot_approve_and_an_edit_withdraws_the_approval(officers):
    writer, approver = officers
    ballot = make_ballot(officers, opened=False, opens_at=timezone.now() + timedelta(days=1))
    with pytest.raises(services.BallotError, match="Someone else"):
        services.ballot_approve(ballot=ballot, by=writer)
    services.ballot_approve(ballot=ballot, by=approver)
    ballot.refresh_from_db()
    assert ballot.status == BallotStatus.APPROVED
    # The approver edits it, then tries to approve their own change: refused.
    ballot.question = "Changed after approval?"
    services.ballot_save(ballot=ballot, by=approver, options=["Yes", "No"])
    ballot.refresh_from_db()
    assert ballot.status == BallotStatus.DRAFT and ballot.approved_by is None
    with pytest.raises(services.BallotError, match="Someone else"):
        services.ballot_approve(ballot=ballot, by=approver)
    with pytest.raises(services.BallotError, match="Someone else"):
        services.ballot_approve(ballot=ballot, by=writer)  # who wrote it, never
    third, _ = staff_user(Role.BALLOTS_OFFICER)
    services.ballot_approve(ballot=ballot, by=third)
    ballot.refresh_from_db()
    assert ballot.status == BallotStatus.APPROVED and ballot.approved_by == third


def test_edit_then_approve_yourself_through_the_admin_is_refused(client, officers):
    writer, approver = officers
    ballot = make_ballot(officers, opened=False, opens_at=timezone.now() + timedelta(days=1))
    services.ballot_approve(ballot=ballot, by=approver)
    client.force_login(approver)
    url = reverse("admin:ballots_ballot_change", args=[ballot.pk])
    form = {
        "kind": "indicative",
        "question": "Edited by the approver",
        "options_text": "Yes\nNo",
        "audience": "everyone",
        "opens_at": (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT09:00"),
        "closes_at": (timezone.localtime() + timedelta(days=9)).strftime("%Y-%m-%dT09:00"),
    }
    assert client.post(url, form).status_code == 302
    ballot.refresh_from_db()
    assert ballot.status == BallotStatus.DRAFT and ballot.updated_by == approver
    changelist = reverse("admin:ballots_ballot_changelist")
    response = client.post(
        changelist, {"action": "approve_selected", "_selected_action": [ballot.pk]}, follow=True
    )
    assert str(services.SELF_APPROVAL) in response.content.decode()
    ballot.refresh_from_db()
    assert ballot.status == BallotStatus.DRAFT


def test_an_opened_ballot_is_frozen(officers):
    ballot = make_ballot(officers)
    assert ballot.status == BallotStatus.OPEN
    ballot.question = "Sneaky change"
    with pytest.raises(services.BallotError):
        services.ballot_save(ballot=ballot, by=officers[0], options=["Yes", "No"])


@pytest.mark.parametrize(
    ("options", "fields", "field"),
    [
        (["Only one"], {}, "options"),
        (["Yes", "yes"], {}, "options"),
        (["Yes", "No"], {"audience": Audience.WORKPLACE}, "audience_workplace"),
        (["Yes", "No"], {"audience": Audience.SECTION}, "audience_section"),
        (["Yes", "No"], {"audience_nation": Nation.WALES}, "audience_nation"),
    ],
)
def test_bad_ballots_are_refused_with_the_field(officers, options, fields, field):
    now = timezone.now()
    ballot = Ballot(
        question="Q?",
        audience=fields.pop("audience", Audience.EVERYONE),
        opens_at=now,
        closes_at=now + timedelta(days=1),
        **fields,
    )
    with pytest.raises(services.BallotError) as error:
        services.ballot_save(ballot=ballot, by=officers[0], options=options)
    assert error.value.field == field
    assert not Ballot.objects.exists()


def test_the_admin_form_shows_errors_at_their_fields_and_saves_nothing(client, officers):
    client.force_login(officers[0])
    response = client.post(
        reverse("admin:ballots_ballot_add"),
        {
            "kind": "indicative",
            "question": "Q?",
            "options_text": "Yes",
            "audience": "workplace",
            "opens_at": "2026-12-10T09:00",
            "closes_at": "2026-12-09T09:00",
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert {"options_text", "audience_workplace", "closes_at"} <= set(errors)
    assert not Ballot.objects.exists()


def test_a_member_without_the_role_cannot_write_or_approve(client, officers):
    ballot = make_ballot(officers, opened=False)
    publisher, _ = staff_user(Role.PUBLISHER)
    client.force_login(publisher)
    assert client.get(reverse("admin:ballots_ballot_changelist")).status_code == 403
    with pytest.raises(services.BallotError):
        services.ballot_approve(ballot=ballot, by=publisher)


# -- audiences ------------------------------------------------------------------------------


def test_each_audience_freezes_the_right_active_members(officers):
    school = workplace("N1 9GU")
    other = workplace("LS1 1UR")
    here = members_at(school, 3)
    there = members_at(other, 2)
    lapsed = members_at(school, 1, status=MembershipStatus.LAPSED)[0]
    leader = MembershipFactory(job_role="headteacher", region=region("wales"))

    def electors(**kw):
        ballot = make_ballot(officers, **kw)
        return set(Elector.objects.filter(ballot=ballot).values_list("user_id", flat=True))

    everyone = electors()
    assert {m.user_id for m in here + there} | {leader.user_id} <= everyone
    assert lapsed.user_id not in everyone
    assert electors(audience=Audience.WORKPLACE, audience_workplace=school) == {
        m.user_id for m in here
    }
    assert electors(audience=Audience.EMPLOYER, audience_employer=other.employer) == {
        m.user_id for m in there
    }
    assert electors(audience=Audience.SECTION, audience_section=Section.LEADERSHIP) == {
        leader.user_id
    }
    assert electors(audience=Audience.NATION, audience_nation=Nation.WALES) == {leader.user_id}
    # Each elector's workplace is the one they had when it opened.
    ballot = Ballot.objects.filter(audience=Audience.WORKPLACE).get()
    assert set(Elector.objects.filter(ballot=ballot).values_list("workplace_id", flat=True)) == {
        school.pk
    }
    assert ballot.electorate == 3


def test_a_member_outside_the_audience_gets_a_404(client, officers):
    school = workplace("N1 9GU")
    inside = members_at(school, 1)[0]
    outside = MembershipFactory()
    ballot = make_ballot(officers, audience=Audience.WORKPLACE, audience_workplace=school)
    client.force_login(outside.user)
    url = reverse("ballots:detail", args=[ballot.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"choice": ballot.options.first().pk}).status_code == 404
    assert not Participation.objects.exists()
    client.force_login(inside.user)
    assert client.get(url).status_code == 200


def test_joining_after_the_opening_does_not_add_an_elector(client, officers):
    ballot = make_ballot(officers)
    late = MembershipFactory()
    client.force_login(late.user)
    assert client.get(reverse("ballots:detail", args=[ballot.pk])).status_code == 404


def test_workplace_tallies_only_where_the_electorate_is_ten_or_more(officers):
    big = workplace("N1 9GU")
    small = workplace("LS1 1UR")
    members_at(big, 10)
    members_at(small, 9)
    ballot = make_ballot(officers)
    places = set(Tally.objects.filter(ballot=ballot).values_list("workplace_id", flat=True))
    assert places == {None, big.pk}
    # 2 options × (16 ballot-wide shards + big)
    assert Tally.objects.filter(ballot=ballot).count() == 2 * (TALLY_SHARDS + 1)


# -- voting ---------------------------------------------------------------------------------


def test_a_member_votes_once_and_a_second_vote_is_refused(client, officers):
    member = MembershipFactory()
    ballot = make_ballot(officers)
    yes, no = ballot.options.all()
    client.force_login(member.user)
    page = client.get(reverse("ballots:detail", args=[ballot.pk]))
    assert b'type="radio"' in page.content and b"<fieldset" in page.content
    first = vote(client, ballot, yes)
    assert first.redirect_chain == [(reverse("ballots:voted", args=[ballot.pk]), 302)]
    assert first.status_code == 200 and "no-store" in first["Cache-Control"]
    receipt = first.context["receipt"]
    assert receipt.encode() in first.content
    # The receipt is shown once: a reload of that page goes back to the ballot page.
    reload = client.get(reverse("ballots:voted", args=[ballot.pk]))
    assert reload.status_code == 302
    assert reload["Location"] == reverse("ballots:detail", args=[ballot.pk])
    second = vote(client, ballot, no)
    assert second.status_code == 400
    assert str(services.ALREADY_VOTED).encode() in second.content
    assert Participation.objects.filter(ballot=ballot).count() == 1
    assert Receipt.objects.filter(ballot=ballot).count() == 1
    overall = {
        o.pk: sum(Tally.objects.filter(option=o, workplace=None).values_list("votes", flat=True))
        for o in (yes, no)
    }
    assert overall == {yes.pk: 1, no.pk: 0}
    # The ballot page says they voted and does not show the receipt again.
    again = client.get(reverse("ballots:detail", args=[ballot.pk]))
    assert b"You have voted" in again.content and receipt.encode() not in again.content
    assert Participation.objects.get().voted_on == timezone.localdate()


@pytest.mark.parametrize("choice", ["", "abc", "999999", "1 OR 1=1", "\x00"])
def test_bad_choices_are_refused_and_nothing_is_counted(client, officers, choice):
    member = MembershipFactory()
    ballot = make_ballot(officers)
    client.force_login(member.user)
    response = client.post(reverse("ballots:detail", args=[ballot.pk]), {"choice": choice})
    assert response.status_code == 400
    assert b"Choose one of the options" in response.content
    # The options are shown again to choose from.
    for option in ballot.options.all():
        assert f'value="{option.pk}"'.encode() in response.content
    assert not Participation.objects.exists() and not Receipt.objects.exists()
    assert sum(Tally.objects.values_list("votes", flat=True)) == 0


def test_an_option_of_another_ballot_is_refused(client, officers):
    member = MembershipFactory()
    ballot = make_ballot(officers)
    other = make_ballot(officers, question="Other?")
    client.force_login(member.user)
    response = vote(client, ballot, other.options.first())
    assert response.status_code == 400
    assert not Participation.objects.exists()


@pytest.mark.parametrize("path", ["/ballots/abc/", "/ballots/0/", "/ballots/99999999/"])
def test_bad_ballot_ids_are_404(client, path):
    member = MembershipFactory()
    client.force_login(member.user)
    assert client.get(path).status_code == 404


def test_a_ballot_not_yet_open_is_not_shown_or_votable(client, officers):
    member = MembershipFactory()
    ballot = make_ballot(officers, opens_at=timezone.now() + timedelta(hours=2))
    assert ballot.status == BallotStatus.APPROVED
    client.force_login(member.user)
    assert client.get(reverse("ballots:detail", args=[ballot.pk])).status_code == 404
    with pytest.raises(services.BallotError):
        services.ballot_vote(ballot_id=ballot.pk, user=member.user, option_id=1)


# -- results --------------------------------------------------------------------------------


def test_results_are_hidden_until_the_close_everywhere(client, officers):
    member = MembershipFactory()
    ballot = make_ballot(officers)
    client.force_login(member.user)
    vote(client, ballot, ballot.options.first())
    for name in ("results_csv", "results_pdf", "receipts"):
        assert client.get(reverse(f"ballots:{name}", args=[ballot.pk])).status_code == 404
    assert b"Turnout" not in client.get(reverse("ballots:detail", args=[ballot.pk])).content
    client.force_login(officers[1])
    change = client.get(reverse("admin:ballots_ballot_change", args=[ballot.pk]))
    assert b"Results appear after the ballot closes" in change.content
    assert b"Turnout" not in change.content
    close(ballot)
    change = client.get(reverse("admin:ballots_ballot_change", args=[ballot.pk]))
    assert b"Turnout 1 of" in change.content
    client.force_login(member.user)
    page = client.get(reverse("ballots:detail", args=[ballot.pk]))
    assert page.status_code == 200 and b"Turnout: 1 of" in page.content
    csv = client.get(reverse("ballots:results_csv", args=[ballot.pk]))
    assert csv.status_code == 200 and "All voters,1,1,0" in csv.content.decode()
    pdf = client.get(reverse("ballots:results_pdf", args=[ballot.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # A closed ballot takes no vote.
    assert vote(client, ballot, ballot.options.first()).status_code == 400


def test_results_by_workplace_suppress_small_groups(officers):
    big = workplace("N1 9GU")
    medium = workplace("LS1 1UR")
    small = workplace("CF10 1AA")
    voters = members_at(big, 12) + members_at(medium, 10) + members_at(small, 3)
    ballot = make_ballot(officers)
    yes, no = ballot.options.all()
    # big: 7 yes 5 no; medium: 10 voters, 6 yes 4 no; small: 3 yes.
    choices = [yes] * 7 + [no] * 5 + [yes] * 6 + [no] * 4 + [yes] * 3
    for membership, option in zip(voters, choices, strict=True):
        services.ballot_vote(ballot_id=ballot.pk, user=membership.user, option_id=option.pk)
    results = selectors.ballot_results(close(ballot))
    assert results.turnout == 25
    assert [(c.votes, c.percent) for c in results.options] == [(16, 64.0), (9, 36.0)]
    shown = {row.label: row for row in results.workplaces}
    # The small workplace's 3 voters cannot stand alone, so the smallest shown workplace
    # (medium, 10) joins them in "others": 13 voters.
    assert set(shown) == {big.name}
    big_row = shown[big.name]
    assert big_row.voters == 12
    assert [c.votes for c in big_row.cells] == [7, 5]
    assert results.others.voters == 13
    # Others: 9 yes, 4 no; 4 is under 5, and the total minus 9 would reveal it: both hidden.
    assert [c.votes for c in results.others.cells] == [None, None]


def test_a_count_under_five_is_hidden_with_its_complement(officers):
    big = workplace("N1 9GU")
    voters = members_at(big, 12)
    small = members_at(workplace("LS1 1UR"), 10)
    ballot = make_ballot(officers)
    yes, no = ballot.options.all()
    for i, membership in enumerate(voters + small):
        option = no if i in (0, 1, 2) else yes
        services.ballot_vote(ballot_id=ballot.pk, user=membership.user, option_id=option.pk)
    results = selectors.ballot_results(close(ballot))
    rows = {row.label: row for row in results.workplaces}
    # 9 yes and 3 no: the 3 is hidden, and so is the 9 (12 - 9 would give it away).
    assert [c.votes for c in rows[big.name].cells] == [None, None]
    assert rows[big.name].voters == 12


# -- receipts -------------------------------------------------------------------------------


def test_receipts_list_matches_the_turnout_and_a_voter_can_check_theirs(client, officers):
    members = [MembershipFactory() for _ in range(3)]
    ballot = make_ballot(officers)
    codes = []
    for m in members:
        client.force_login(m.user)
        codes.append(vote(client, ballot, ballot.options.first()).context["receipt"])
    close(ballot)
    url = reverse("ballots:receipts", args=[ballot.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["codes"] == sorted(codes)
    assert len(page.context["codes"]) == page.context["turnout"] == 3
    assert b"Yes" not in page.content.split(b"All counted codes")[1]  # codes only
    found = client.get(url, {"code": codes[0].lower().replace("-", "")})
    assert found.context["found"] is True
    missing = client.get(url, {"code": "AAAA-AAAA-AAAA"})
    assert missing.context["found"] is False
    for bad in ("x", "AAAA-AAAA-AAA!", "A" * 50, "\x00"):
        response = client.get(url, {"code": bad})
        assert response.status_code == 400
        assert b"A receipt code is 12 letters and digits" in response.content


# -- lists ----------------------------------------------------------------------------------


def test_my_ballots_lists_open_voted_and_closed_in_constant_queries(
    client, officers, django_assert_max_num_queries
):
    member = MembershipFactory()
    client.force_login(member.user)

    def page():
        return client.get(reverse("ballots:list"))

    make_ballot(officers)
    page()
    with django_assert_max_num_queries(12) as few:
        assert page().status_code == 200
    for i in range(6):
        b = make_ballot(officers, question=f"Question {i}?")
        if i % 2:
            services.ballot_vote(ballot_id=b.pk, user=member.user, option_id=b.options.first().pk)
        if i % 3 == 0:
            close(b)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = page()
    lists = response.context["lists"]
    assert len(lists.open_to_vote) + len(lists.voted_open) + len(lists.closed) == 7
    assert lists.voted_open and lists.closed


def test_the_list_answers_200_for_staff_without_a_membership(client, officers):
    client.force_login(officers[0])
    assert client.get(reverse("ballots:list")).status_code == 200


# -- notices --------------------------------------------------------------------------------


def test_electors_are_told_once_when_it_opens(officers, django_capture_on_commit_callbacks):
    members = [MembershipFactory() for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        ballot = make_ballot(officers)
    told = Delivery.objects.filter(notification="ballot_open")
    assert set(told.values_list("user_id", flat=True)) >= {m.user_id for m in members}
    count = told.count()
    assert count == ballot.electorate
    services.ballots_run_due()  # the sweep finds nothing left to tell
    services.ballot_notify_electors(ballot_id=ballot.pk)
    assert told.count() == count
    for delivery in told:
        assert set(delivery.context) == {"ballot", "kind", "closes", "url"}


# -- a rep's proposal -----------------------------------------------------------------------


def test_a_rep_proposes_and_a_regional_officer_approves(client, officers):
    school = workplace("N1 9GU")
    rep = members_at(school, 1, is_rep=True)[0]
    members_at(school, 2)
    caseworker, _ = staff_user(Role.CASEWORKER)
    caseworker.regions.add(rep.region)
    elsewhere, _ = staff_user(Role.CASEWORKER)
    elsewhere.regions.add(region("wales"))
    client.force_login(rep.user)
    now = timezone.localtime()
    data = {
        "kind": "survey",
        "question": "Is the staffroom too cold?",
        "options": "Yes\nNo\n",
        "opens_at": (now + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
    }
    response = client.post(reverse("ballots:propose"), data)
    assert response.status_code == 200, response.content
    ballot = Ballot.objects.get()
    assert ballot.audience_workplace == school and ballot.proposed_by_rep
    assert not Delivery.objects.filter(notification="staff_ballot_to_approve", user=elsewhere)
    with pytest.raises(services.BallotError):
        services.ballot_approve(ballot=ballot, by=elsewhere)
    services.ballot_approve(ballot=ballot, by=caseworker)
    assert Ballot.objects.get().status == BallotStatus.APPROVED
    assert Delivery.objects.filter(notification="staff_ballot_to_approve", user=caseworker)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"options": "Only one"}, "options"),
        ({"question": ""}, "question"),
        ({"kind": "statutory"}, "kind"),
        ({"opens_at": "tomorrow"}, "opens_at"),
        ({"closes_at": "2020-01-01T09:00"}, "closes_at"),
    ],
)
def test_bad_proposals_are_refused_and_nothing_saved(client, change, field):
    school = workplace("N1 9GU")
    rep = members_at(school, 1, is_rep=True)[0]
    client.force_login(rep.user)
    now = timezone.localtime()
    data = {
        "kind": "survey",
        "question": "Q?",
        "options": "Yes\nNo",
        "opens_at": (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
        **change,
    }
    response = client.post(reverse("ballots:propose"), data)
    assert response.status_code == 400
    assert field in response.context["form"].errors or response.context["form"].non_field_errors()
    assert not Ballot.objects.exists()


def test_only_a_rep_may_propose(client):
    member = MembershipFactory()
    client.force_login(member.user)
    assert client.get(reverse("ballots:propose")).status_code == 404


# -- the statutory register -----------------------------------------------------------------


def test_the_membership_officer_exports_the_register_and_it_is_recorded(client):
    school = workplace("N1 9GU")
    members = members_at(school, 2)
    ContactDetails.objects.create(
        user=members[0].user,
        address_line_1="1 High Street",
        town="London",
        postcode="N1 9GU",
        country="GB",
    )
    officer, _ = staff_user(Role.MEMBERSHIP_OFFICER)
    client.force_login(officer)
    url = reverse("admin:ballots_registerexport_export")
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "audience": "workplace",
            "workplace": school.pk,
            "purpose": "Strike ballot, scrutineer X",
            "file_format": "csv",
        },
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "1 High Street, London, N1 9GU" in text and members[1].number in text
    assert f"{school.name},2" in text
    record = RegisterExport.objects.get()
    assert record.by == officer and record.electors == 2 and record.file_format == "csv"
    pdf = client.post(
        url, {"audience": "workplace", "workplace": school.pk, "purpose": "P", "file_format": "pdf"}
    )
    assert pdf.content.startswith(b"%PDF")
    assert RegisterExport.objects.count() == 2


@pytest.mark.parametrize(
    "data",
    [
        {"audience": "workplace", "purpose": "P", "file_format": "csv"},
        {"audience": "everyone", "section": "teachers", "purpose": "P", "file_format": "csv"},
        {"audience": "galaxy", "purpose": "P", "file_format": "csv"},
        {"audience": "everyone", "purpose": "", "file_format": "csv"},
        {"audience": "everyone", "purpose": "P", "file_format": "xls"},
        {"audience": "workplace", "workplace": "abc", "purpose": "P", "file_format": "csv"},
    ],
)
def test_bad_register_requests_are_refused_and_not_recorded(client, data):
    officer, _ = staff_user(Role.MEMBERSHIP_OFFICER)
    client.force_login(officer)
    response = client.post(reverse("admin:ballots_registerexport_export"), data)
    assert response.status_code == 400
    assert b"There is a problem" in response.content
    assert not RegisterExport.objects.exists()


@pytest.mark.parametrize("role", [Role.BALLOTS_OFFICER, Role.CASEWORKER, Role.CASEWORK_MANAGER])
def test_nobody_else_exports_the_register(client, role):
    user, _ = staff_user(role)
    client.force_login(user)
    url = reverse("admin:ballots_registerexport_export")
    assert client.get(url).status_code == 403
    assert (
        client.post(url, {"audience": "everyone", "purpose": "P", "file_format": "csv"}).status_code
        == 403
    )
    assert not RegisterExport.objects.exists()


def test_a_vote_is_one_write_and_the_page_does_not_grow_with_the_ballot(
    client, officers, django_assert_max_num_queries
):
    """Voting is the ballot's hot path: the session, the member, the ballot (with whether
    they are an elector), and one statement that checks the option and writes everything
    (the options are not read for the form). A ballot with more options or electors costs
    the same."""
    few = MembershipFactory()
    many = MembershipFactory()
    small = make_ballot(officers)
    large = make_ballot(officers, options=[f"Option {n}" for n in range(8)])
    for member, ballot in ((few, small), (many, large)):
        client.force_login(member.user)
        option = ballot.options.order_by("position").last()
        assert client.get(ballot.get_absolute_url()).status_code == 200  # the page, then the vote
        with django_assert_max_num_queries(4):
            answer = client.post(ballot.get_absolute_url(), {"choice": option.pk})
        assert answer.status_code == 302, "the vote redirects to its receipt"
        counted = Tally.objects.filter(option=option, workplace=None)
        assert sum(counted.values_list("votes", flat=True)) == 1
    assert Participation.objects.count() == 2 and Receipt.objects.count() == 2


def test_the_receipt_is_for_the_voter_alone_and_cannot_be_forged(client, officers):
    voter, other = MembershipFactory(), MembershipFactory()
    ballot = make_ballot(officers)
    client.force_login(voter.user)
    client.post(ballot.get_absolute_url(), {"choice": ballot.options.first().pk})
    # Another account logging in in the same browser before the receipt page opens.
    client.force_login(other.user)
    page = client.get(reverse("ballots:voted", args=[ballot.pk]))
    assert page.status_code == 302 and page["Location"] == ballot.get_absolute_url()
    # A cookie written by hand is not a receipt.
    client.force_login(voter.user)
    client.cookies[f"ballot_receipt_{ballot.pk}"] = "FAKE-RECEIPT"
    page = client.get(reverse("ballots:voted", args=[ballot.pk]))
    assert page.status_code == 302 and b"FAKE-RECEIPT" not in page.content
    # Nor is the page there for someone who is not an elector (joined after the opening).
    client.force_login(MembershipFactory().user)
    assert client.get(reverse("ballots:voted", args=[ballot.pk])).status_code == 404


def test_the_data_export_lists_the_members_ballots_and_that_they_voted_never_how(client, officers):
    import json

    from portal.accounts.exports import export_member_data

    member = MembershipFactory()
    voted_in = make_ballot(officers, question="Should we ask for more planning time?")
    not_yet = make_ballot(officers, question="Should the branch meet on Tuesdays?")
    choice = voted_in.options.order_by("position").first()
    client.force_login(member.user)
    receipt = vote(client, voted_in, choice).context["receipt"]
    exported = export_member_data(member.user)["ballots"]
    rows = {row["question"]: row for row in exported["ballots"]}
    assert rows[voted_in.question]["voted"] is True
    assert rows[voted_in.question]["voted_on"] == timezone.localdate().isoformat()
    assert rows[not_yet.question]["voted"] is False and rows[not_yet.question]["voted_on"] is None
    text = json.dumps(exported)
    assert receipt not in text and receipt.replace("-", "") not in text
    assert "receipt code" in exported["note"]
    assert choice.label not in text  # how they voted is nowhere to export
    # A member who joined after both opened was never an elector: nothing to list.
    assert export_member_data(MembershipFactory().user)["ballots"]["ballots"] == []
