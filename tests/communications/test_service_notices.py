"""Only notices of fixed kinds, from the union's own texts, pass members' opt-outs: anything
written by hand needs consent. Consultation invitations and reminders follow a consent of
their own, on unless the member turns it off."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from consultations import services as consultation_services
from portal.accounts.choices import Channel, CommunicationKind
from portal.accounts.models import ConsentEvent, ConsentState
from portal.communications import services
from portal.communications.models import Communication, Delivery, DeliveryStatus, Kind
from portal.communications.notices import NOTICE_KIND_UNKNOWN, NoticeKind, notice_for
from portal.communications.notifications import notification_send
from portal.communications.selectors import SKIPPED_NO_CONSENT
from tests.consultations.conftest import make_consultation

from .helpers import member, officers
from .test_notifications import template_kinds

pytestmark = pytest.mark.django_db
CONSULTATIONS = CommunicationKind.CONSULTATIONS


def test_an_officer_cannot_compose_a_service_message_in_the_admin(client):
    """The reported hole: a "service message" written by hand went to every member,
    whatever they had chosen."""
    author, _ = officers()
    member()  # opted in to nothing
    client.force_login(author)
    response = client.post(
        reverse("admin:communications_communication_add"),
        {
            "kind": Kind.SERVICE,
            "subject": "Important: your membership",
            "body": "Anything at all.",
            "statuses": ["active"],
        },
    )
    assert response.status_code == 200 and "errornote" in response.content.decode()
    assert not Communication.objects.exists()
    page = client.get(reverse("admin:communications_communication_add")).content.decode()
    assert 'value="service"' not in page


def test_the_services_refuse_a_hand_written_service_message_too():
    author, _ = officers()
    with pytest.raises(services.CommunicationError, match="goes only to members who opted in"):
        services.communication_save(
            communication=Communication(kind=Kind.SERVICE, subject="Hi", body="Text"), by=author
        )
    assert not Communication.objects.exists()


def test_an_old_service_message_reaches_only_campaign_consent(django_capture_on_commit_callbacks):
    """One composed as a service message before the rule (the data migration turns those
    not yet sent into campaigns) still cannot be started as one."""
    author, approver = officers()
    member(consents=[CommunicationKind.CAMPAIGN])
    member()
    old = Communication.objects.create(
        kind=Kind.SERVICE,
        subject="Old",
        body="x",
        created_by=author,
        status="approved",
        approved_by=approver,
    )
    with pytest.raises(services.CommunicationError, match="goes only to members who opted in"):
        services.communication_start(communication=old, by=approver)


def test_every_notification_template_is_a_notice_of_a_fixed_kind():
    for kind in template_kinds():
        assert notice_for(kind).category in NoticeKind.values, kind


@pytest.mark.parametrize("kind", ["announcement", "urgent_news", "membership_", "service"])
def test_a_notice_of_no_fixed_kind_is_refused(kind):
    with pytest.raises(ValueError, match="not a notice of a fixed kind"):
        notification_send(user=member(), kind=kind, context={})
    assert not Delivery.objects.exists()
    assert "fixed kind" in NOTICE_KIND_UNKNOWN


def test_case_notices_go_whatever_the_member_chose(mailoutbox, django_capture_on_commit_callbacks):
    person = member()  # no consent to anything
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(user=person, kind="case_update", context={"reference": "CW-1"})
    (message,) = mailoutbox
    assert message.to == [person.email]
    assert "List-Unsubscribe" not in message.extra_headers


def test_staff_work_notices_go_to_staff_accounts_only(django_capture_on_commit_callbacks):
    person = member()
    officer, _ = officers()
    with django_capture_on_commit_callbacks(execute=True):
        for user in (person, officer):
            notification_send(user=user, kind="communication_approval_requested", context={})
    assert list(Delivery.objects.values_list("user", flat=True)) == [officer.pk]


def test_consultation_invitations_are_on_unless_turned_off_in_preferences(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    stays, leaves = member(), member()
    client.force_login(leaves)
    page = client.get(reverse("accounts:preferences")).content.decode()
    assert "Consultations and surveys" in page
    assert re.search(r'name="consultations__email"[^>]*checked', page), "on by default"
    response = client.post(reverse("accounts:preferences"), {})  # every box unticked
    assert response.status_code == 302
    state = ConsentState.objects.get(user=leaves, kind=CONSULTATIONS, channel=Channel.EMAIL)
    assert not state.granted
    assert ConsentEvent.objects.filter(user=leaves, kind=CONSULTATIONS, granted=False).exists()
    page = client.get(reverse("accounts:preferences")).content.decode()
    assert not re.search(r'name="consultations__email"[^>]*checked', page)

    consultation = make_consultation()
    with django_capture_on_commit_callbacks(execute=True):
        consultation_services.consultation_send_invitations(consultation=consultation)
    assert [m.to for m in mailoutbox] == [[stays.email]]
    skipped = Delivery.objects.get(user=leaves)
    assert skipped.status == DeliveryStatus.SKIPPED
    assert skipped.error == SKIPPED_NO_CONSENT.format(kind="consultations and surveys")


def test_a_consultation_invitation_carries_a_one_click_unsubscribe(
    mailoutbox, django_capture_on_commit_callbacks
):
    person = member()
    consultation = make_consultation()
    with django_capture_on_commit_callbacks(execute=True):
        consultation_services.consultation_send_invitations(consultation=consultation)
    (message,) = mailoutbox
    url = re.fullmatch(r"<(https?://[^>]+)>", message.extra_headers["List-Unsubscribe"]).group(1)
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert url in message.body and "/me/preferences/" in message.body
    path = url.split("://", 1)[1].split("/", 1)[1]
    response = Client(enforce_csrf_checks=True).post(
        "/" + path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert "consultations and surveys" in response.content.decode()
    assert not ConsentState.objects.get(user=person, kind=CONSULTATIONS).granted
    with django_capture_on_commit_callbacks(execute=True):
        consultation_services.consultation_send_reminders(consultation=consultation)
    assert len(mailoutbox) == 1  # no reminder after unsubscribing


def test_turning_consultations_back_on(client):
    person = member()
    ConsentState.objects.create(
        user=person, kind=CONSULTATIONS, channel=Channel.EMAIL, granted=False
    )
    client.force_login(person)
    client.post(reverse("accounts:preferences"), {"consultations__email": "on"})
    assert ConsentState.objects.get(user=person, kind=CONSULTATIONS).granted


def test_a_member_who_never_chose_gets_no_consent_rows_from_saving_preferences(client):
    person = member()
    client.force_login(person)
    client.post(reverse("accounts:preferences"), {"consultations__email": "on"})
    assert not ConsentState.objects.filter(user=person).exists()
