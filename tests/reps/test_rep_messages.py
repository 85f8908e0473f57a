"""Message my members (/rep/message/): a rep's message to colleagues at their workplace who
agreed to rep contact, approved by a regional officer (never the rep), withdrawn by an
edit after approval, sent with an unsubscribe link; the rep follows its state on /rep/."""

from __future__ import annotations

import email
import email.policy

import pytest
from django.urls import reverse

from portal.accounts.choices import Channel, CommunicationKind
from portal.accounts.roles import Role
from portal.accounts.services import consent_set
from portal.communications import services as comms
from portal.communications.models import Communication, Delivery, Kind, Status
from portal.communications.rendering import Composer, Recipient
from portal.communications.selectors import audience_for
from tests.factories import EmployerFactory, MembershipFactory, region, staff_user
from tests.reps.test_reps import client_for, make_rep

pytestmark = pytest.mark.django_db

URL = "/rep/message/"


def agree(membership):
    consent_set(
        user=membership.user,
        granted={(CommunicationKind.REP_CONTACT, Channel.EMAIL)},
        kinds=[CommunicationKind.REP_CONTACT],
        source="preferences",
    )


@pytest.fixture
def school():
    return EmployerFactory(name="Hill School")


@pytest.fixture
def rep(school):
    membership = MembershipFactory(employer=school, workplace_postcode="N1 9GU")
    make_rep(membership)
    return membership


@pytest.fixture
def colleagues(school):
    agreed = MembershipFactory(employer=school, workplace_postcode="N1 9GU")
    agree(agreed)
    silent = MembershipFactory(employer=school, workplace_postcode="N1 9GU")
    elsewhere = MembershipFactory(employer=school, workplace_postcode="LS1 4AP")
    agree(elsewhere)
    return agreed, silent, elsewhere


def regional_caseworker(slug="london"):
    user, _ = staff_user(Role.CASEWORKER)
    user.regions.add(region(slug))
    return user


def write(client, rep, **overrides):
    data = {
        "workplace": str(rep.workplace_id),
        "subject": "Meeting on Tuesday",
        "body": "Dear {first_name},\n\nWe meet in the staff room at 4pm.",
    }
    data.update(overrides)
    return client.post(URL, data)


def test_the_message_waits_for_the_region_and_the_rep_sees_its_state(rep, colleagues):
    client = client_for(rep.user)
    page = client.get(URL).content.decode()
    assert "1 colleague agreed to hear from you" in page
    response = write(client, rep)
    assert response.status_code == 302 and response["Location"] == reverse("reps:home")
    message = Communication.objects.get()
    assert (message.kind, message.workplace_id, message.status) == (
        Kind.REP_CONTACT,
        rep.workplace_id,
        Status.AWAITING_APPROVAL,
    )
    assert message.created_by == rep.user
    home = client.get(reverse("reps:home")).content.decode()
    assert "Meeting on Tuesday" in home and "Waiting for the regional office" in home


def test_only_colleagues_at_the_workplace_who_agreed_are_reached(rep, colleagues):
    agreed, silent, elsewhere = colleagues
    write(client_for(rep.user), rep)
    message = Communication.objects.get()
    assert list(audience_for(message)) == [agreed.user]


def test_the_rep_never_approves_and_another_region_cannot(rep, colleagues):
    write(client_for(rep.user), rep)
    message = Communication.objects.get()
    with pytest.raises(comms.CommunicationError):
        comms.communication_approve(communication=message, by=rep.user)
    with pytest.raises(comms.CommunicationError):
        comms.communication_approve(communication=message, by=regional_caseworker("wales"))
    plain_staff, _ = staff_user(Role.CASEWORKER)  # no region
    with pytest.raises(comms.CommunicationError):
        comms.communication_approve(communication=message, by=plain_staff)
    message.refresh_from_db()
    assert message.status == Status.AWAITING_APPROVAL and message.approved_by is None


def test_a_regional_caseworker_approves_and_it_is_sent_with_unsubscribe(rep, colleagues):
    agreed, *_ = colleagues
    write(client_for(rep.user), rep)
    message = Communication.objects.get()
    officer = regional_caseworker("london")
    comms.communication_approve(communication=message, by=officer)
    sender, _ = staff_user(Role.COMMUNICATIONS_OFFICER)
    comms.communication_start(communication=message, by=sender)
    message.refresh_from_db()
    assert message.recipient_count == 1
    assert list(Delivery.objects.filter(communication=message).values_list("user", flat=True)) == [
        agreed.user_id
    ]
    composer = Composer(kind=message.kind, subject=message.subject, body=message.body)
    who = Recipient(delivery_id=1, user_id=agreed.user_id, email="a@example.org", first_name="A")
    parsed = email.message_from_bytes(
        composer.message_for(who).prepared, policy=email.policy.default
    )
    assert "/unsubscribe/" in parsed["List-Unsubscribe"]


def test_a_communications_officer_may_approve_and_an_edit_withdraws_it(rep, colleagues):
    write(client_for(rep.user), rep)
    message = Communication.objects.get()
    approver, _ = staff_user(Role.COMMUNICATIONS_OFFICER)
    comms.communication_approve(communication=message, by=approver)
    editor, _ = staff_user(Role.COMMUNICATIONS_OFFICER)
    message.refresh_from_db()
    message.body = message.body + "\n\nBring a colleague."
    comms.communication_save(communication=message, by=editor)
    message.refresh_from_db()
    assert message.status == Status.DRAFT and message.approved_by is None
    home = client_for(rep.user).get(reverse("reps:home")).content.decode()
    assert "Returned to you by the office" in home


def test_the_admin_composer_does_not_offer_the_rep_kind():
    from portal.communications.models import COMPOSABLE_KINDS

    assert Kind.REP_CONTACT not in {k for k, _ in COMPOSABLE_KINDS}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"subject": ""}, "subject"),
        ({"body": ""}, "body"),
        ({"subject": "x" * 201}, "subject"),
        ({"body": "Hello {iban}"}, "body"),
        ({"body": "Hello\x00there"}, "body"),
        ({"workplace": "abc"}, "workplace"),
        ({"workplace": "999999"}, "workplace"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_saved(rep, colleagues, overrides, field):
    response = write(client_for(rep.user), rep, **overrides)
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not Communication.objects.exists()


def test_another_schools_workplace_is_refused(rep, colleagues):
    other = MembershipFactory(employer=EmployerFactory(name="Far School"))
    response = write(client_for(rep.user), rep, workplace=str(other.workplace_id))
    assert response.status_code == 400
    assert not Communication.objects.exists()


def test_a_member_who_is_not_a_rep_gets_404(colleagues):
    agreed, *_ = colleagues
    client = client_for(agreed.user)
    assert client.get(URL).status_code == 404
    assert client.post(URL, {"subject": "x", "body": "y"}).status_code == 404
    assert not Communication.objects.exists()


def test_the_regional_caseworker_approves_in_the_admin_and_it_is_sent(rep, colleagues):
    agreed, *_ = colleagues
    write(client_for(rep.user), rep)
    message = Communication.objects.get()
    path = f"/admin/reps/repmessage/{message.pk}/change/"
    wales = client_for(regional_caseworker("wales"))
    assert f"{message.pk}/change/" not in wales.get("/admin/reps/repmessage/").content.decode()
    assert wales.get(path).status_code in (302, 404)
    london = client_for(regional_caseworker("london"))
    page = london.get(path)
    assert page.status_code == 200 and "Meeting on Tuesday" in page.content.decode()
    refused = london.post(path, {"decision": "maybe"})
    assert refused.status_code == 200
    message.refresh_from_db()
    assert message.status == Status.AWAITING_APPROVAL
    response = london.post(path, {"decision": "approve"})
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.status in (Status.SENDING, Status.SENT) and message.recipient_count == 1
    assert message.approved_by.regions.filter(slug="london").exists()
    assert list(Delivery.objects.filter(communication=message).values_list("user", flat=True)) == [
        agreed.user_id
    ]


def test_the_region_returns_a_message_to_the_rep(rep, colleagues):
    write(client_for(rep.user), rep)
    message = Communication.objects.get()
    london = client_for(regional_caseworker("london"))
    path = f"/admin/reps/repmessage/{message.pk}/change/"
    assert london.post(path, {"decision": "return"}).status_code == 302
    message.refresh_from_db()
    assert message.status == Status.DRAFT and not Delivery.objects.exists()


def test_the_regions_caseworkers_are_told_a_message_waits_and_no_one_else(
    rep, colleagues, django_capture_on_commit_callbacks
):
    from django.core import mail

    london, wales = regional_caseworker("london"), regional_caseworker("wales")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        write(client_for(rep.user), rep)
    message = Communication.objects.get()
    told = Delivery.objects.filter(notification="staff_rep_message_to_approve")
    assert set(told.values_list("user", flat=True)) == {london.pk}
    (notice,) = [m for m in mail.outbox if m.to == [london.email]]
    assert "waits for your approval" in notice.subject
    assert f"/admin/reps/repmessage/{message.pk}/change/" in notice.body
    assert "Hill School" in notice.body
    # The notice says where to read it, not what it says.
    assert "staff room" not in notice.body and "Meeting on Tuesday" not in notice.body
    assert not [m for m in mail.outbox if m.to == [wales.email]]
