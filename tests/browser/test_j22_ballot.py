"""Issue 17: an officer writes an indicative ballot in the admin and a second officer
approves it, which opens it for the members at one school; a member votes once (a second
vote, from a tab opened before the first, is refused with a clear message), reads the result
after the close and finds their receipt code in the counted list; a rep proposes a ballot
for their own workplace. By mouse, by keyboard only and on a phone."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ballots.models import Ballot, BallotStatus, Participation
from portal.accounts.roles import Role
from portal.accounts.services import workplace_for
from tests.factories import PASSWORD, EmployerFactory

from .harness import KEYBOARD, MOUSE, PHONE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

QUESTION = "Would you support a ballot on the new appraisal policy?"


@pytest.mark.parametrize("mode", [MOUSE, KEYBOARD, PHONE])
def test_an_officer_opens_a_ballot_members_vote_once_and_read_the_result(portal, mode):
    journey = portal.journey("j22-ballot", mode)
    school = workplace_for(employer=EmployerFactory(name="Hillside Academy"), postcode="N7 8AB")
    voter = portal.member(employer=school.employer, workplace=school, workplace_postcode="N7 8AB")
    portal.member(employer=school.employer, workplace=school, workplace_postcode="N7 8AB")
    writer, writer_secret = portal.officer(Role.BALLOTS_OFFICER, first_name="Imani")
    approver, approver_secret = portal.officer(Role.BALLOTS_OFFICER, first_name="Tomos")

    officer = portal.actor(journey, "officer")
    officer.log_in(writer.email, PASSWORD, secret=writer_secret, prefix="officer-")
    officer.check("admin-index")
    officer.press("#content-main a[href='/admin/ballots/ballot/']")
    officer.check("admin-ballots")
    officer.press(".object-tools a[href='/admin/ballots/ballot/add/']")
    officer.check("admin-ballot-add")
    now = timezone.localtime()
    later = now + timedelta(days=7)
    officer.fill("#id_question", QUESTION)
    officer.page.fill("#id_options_text", "Yes\nNo") if mode != KEYBOARD else _type_options(officer)
    officer.select("#id_audience", "A workplace")
    officer.fill("#id_audience_workplace", str(school.pk))
    officer.page.fill("#id_opens_at", now.strftime("%Y-%m-%dT%H:%M"))
    officer.page.fill("#id_closes_at", later.strftime("%Y-%m-%dT17:00"))
    officer.submit("input[name=_save]")
    officer.check("admin-ballot-saved")
    ballot = Ballot.objects.get(question=QUESTION)
    assert ballot.status == BallotStatus.DRAFT and ballot.created_by == writer

    second = portal.actor(journey, "approver")
    second.log_in(approver.email, PASSWORD, secret=approver_secret, prefix="approver-")
    second.goto("/admin/ballots/ballot/?status__exact=draft", "admin-ballots-to-approve")
    second.choose(f"input[name=_selected_action][value='{ballot.pk}']")
    second.select("select[name=action]", "Approve the selected ballots")
    second.submit("button[name=index]")
    second.check("admin-ballot-approved")
    ballot.refresh_from_db()
    assert ballot.status == BallotStatus.OPEN and ballot.electorate == 2
    assert ballot.approved_by == approver

    member = portal.actor(journey, "member")
    member.log_in(voter.email, PASSWORD, prefix="member-")
    member.goto("/ballots/", "ballots")
    member.press(f"main a[href='/ballots/{ballot.pk}/']")
    member.check("ballot")
    # The same member has the ballot open on another device too, from before voting.
    again = portal.actor(journey, "member-again")
    again.log_in(voter.email, PASSWORD, prefix="again-")
    again.goto(f"/ballots/{ballot.pk}/")
    first = ballot.options.get(position=1)
    member.choose(f"input[name=choice][value='{first.pk}']")
    member.submit("main form button[type=submit]")
    member.check("ballot-voted")
    receipt = member.page.inner_text("#receipt-code").strip()
    assert len(receipt) == 14
    second_option = ballot.options.get(position=2)
    again.choose(f"input[name=choice][value='{second_option.pk}']")
    again.submit("main form button[type=submit]")
    again.check("ballot-second-vote", status=400)
    assert "You have already voted in this ballot" in again.text()
    assert Participation.objects.filter(ballot=ballot).count() == 1

    # The close passes.
    Ballot.objects.filter(pk=ballot.pk).update(
        opens_at=timezone.now() - timedelta(days=8), closes_at=timezone.now() - timedelta(minutes=1)
    )
    member.goto(f"/ballots/{ballot.pk}/", "ballot-results")
    text = member.text()
    assert "Turnout: 1 of 2 members (50.0%)" in text
    member.press(f"a[href='/ballots/{ballot.pk}/receipts/']")
    member.check("ballot-receipts")
    member.fill("#id_code", receipt)
    member.submit("main form button[type=submit]")
    member.check("ballot-receipt-found")
    assert "Your code is in the list" in member.text()

    rep_user = portal.member(
        employer=school.employer, workplace=school, workplace_postcode="N7 8AB", is_rep=True
    )
    rep = portal.actor(journey, "rep")
    rep.log_in(rep_user.email, PASSWORD, prefix="rep-")
    rep.goto("/ballots/", "rep-ballots")
    rep.press("a[href='/ballots/propose/']")
    rep.check("rep-propose")
    rep.submit("main form button[type=submit]")
    rep.check("rep-propose-errors", status=400)
    rep.choose("input[name=kind][value=survey]")
    rep.fill("#id_question", "Is the staffroom warm enough?")
    if mode == KEYBOARD:
        rep.tab_to("#id_options")
        rep.page.keyboard.insert_text("Yes\nNo")
    else:
        rep.page.fill("#id_options", "Yes\nNo")
    start = timezone.localtime() + timedelta(days=1)
    rep.page.fill("#id_opens_at", start.strftime("%Y-%m-%dT09:00"))
    rep.page.fill("#id_closes_at", (start + timedelta(days=5)).strftime("%Y-%m-%dT17:00"))
    rep.submit("main form button[type=submit]")
    rep.check("rep-proposed")
    proposal = Ballot.objects.get(question="Is the staffroom warm enough?")
    assert proposal.proposed_by_rep and proposal.audience_workplace_id == school.pk


def _type_options(actor):
    actor.tab_to("#id_options_text")
    actor.page.keyboard.insert_text("Yes\nNo")
