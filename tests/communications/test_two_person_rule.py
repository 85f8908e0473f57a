"""The two-person rule survives an edit: whoever wrote any part of a communication cannot
approve it, and an edit after submission withdraws the approval."""

import pytest
from django.urls import reverse

from portal.accounts import demo as accounts_demo
from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.communications import services
from portal.communications.models import Communication, CommunicationEdit, Kind, Status
from tests.factories import staff_user

from .helpers import NEWSLETTER, compose, member, officers

pytestmark = pytest.mark.django_db

PHISH = "Your membership has lapsed: confirm your bank details at http://evil.example/"


def do(client, communication, action, **data):
    return client.post(
        reverse("admin:communications_communication_do", args=[communication.pk, action]), data
    )


def change_url(communication):
    return reverse("admin:communications_communication_change", args=[communication.pk])


def form_data(c, **changes):
    data = {
        "kind": c.kind,
        "subject": c.subject,
        "body": c.body,
        # The Welsh subject and body are on the form too, as a browser sends them.
        "subject_cy": c.subject_cy or "",
        "body_cy": c.body_cy or "",
        "statuses": c.statuses,
        "sections": c.sections,
        "nations": c.nations,
    }
    data.update(changes)
    return data


@pytest.fixture
def demo_officers():
    accounts_demo.seed()
    return (
        User.objects.get(email="comms@demo.example"),
        User.objects.get(email="comms2@demo.example"),
    )


def test_the_second_officer_rewrites_a_draft_then_cannot_approve_it_in_the_admin(
    client, demo_officers
):
    """The reported attack, as the demo officers: comms2 rewrites comms's draft into a
    phishing message, submits it and tries to approve it."""
    comms, comms2 = demo_officers
    member(consents=[NEWSLETTER])
    client.force_login(comms)
    response = client.post(
        reverse("admin:communications_communication_add"),
        {
            "kind": Kind.NEWSLETTER,
            "subject": "Spring news",
            "body": "Dear {first_name}, our spring news.",
            "statuses": ["active"],
        },
    )
    assert response.status_code == 302
    c = Communication.objects.get()

    client.force_login(comms2)
    response = client.post(change_url(c), form_data(c, body=PHISH))
    assert response.status_code == 302
    assert do(client, c, "submit").status_code == 302
    page = client.get(change_url(c)).content.decode()
    assert ">Approve<" not in page
    assert "You wrote or changed it" in page
    assert "comms2@demo.example" in page or comms2.get_full_name() in page  # "Written by"
    response = do(client, c, "approve")
    assert response.status_code == 400
    assert services.EDITOR_APPROVAL in response.content.decode()
    assert do(client, c, "send_now").status_code == 400
    c.refresh_from_db()
    assert (c.status, c.approved_by) == (Status.AWAITING_APPROVAL, None)

    # The author did not write the phishing text, but did write part of it: nobody who
    # wrote any of it approves it.
    client.force_login(comms)
    assert do(client, c, "approve").status_code == 400
    assert Communication.objects.get(pk=c.pk).status == Status.AWAITING_APPROVAL
    editors = set(CommunicationEdit.objects.filter(communication=c).values_list("by", flat=True))
    assert editors == {comms.pk, comms2.pk}


def test_returning_to_draft_editing_and_approving_yourself_is_refused(client, demo_officers):
    """comms2 approved comms's text; then comms2 sends it back to draft, edits it and
    submits again: comms2's earlier approval is gone and comms2 cannot give a new one."""
    comms, comms2 = demo_officers
    c = compose(comms)
    services.communication_submit(communication=c, by=comms)
    services.communication_approve(communication=c, by=comms2)
    client.force_login(comms2)
    assert do(client, c, "return_to_draft").status_code == 302
    assert client.post(change_url(c), form_data(c, subject=PHISH[:80])).status_code == 302
    assert do(client, c, "submit").status_code == 302
    assert do(client, c, "approve").status_code == 400
    c.refresh_from_db()
    assert (c.status, c.approved_by, c.subject) == (Status.AWAITING_APPROVAL, None, PHISH[:80])


def test_an_audience_change_is_an_edit_too(client, demo_officers):
    """Changing only who it goes to (a many-to-many field) is recorded as an edit."""
    from tests.factories import region

    comms, comms2 = demo_officers
    c = compose(comms)
    client.force_login(comms2)
    wales = region("wales")
    response = client.post(change_url(c), form_data(c, regions=[wales.pk]))
    assert response.status_code == 302
    assert list(c.regions.all()) == [wales]
    edit = CommunicationEdit.objects.filter(communication=c, by=comms2).get()
    assert edit.changed == ["regions"]
    services.communication_submit(communication=c, by=comms)
    with pytest.raises(services.CommunicationError, match=services.EDITOR_APPROVAL):
        services.communication_approve(communication=c, by=comms2)


def test_through_the_service_an_edit_after_submission_withdraws_the_approval():
    author, approver = officers()
    editor, _ = staff_user(Role.COMMUNICATIONS_OFFICER)
    c = compose(author)
    services.communication_submit(communication=c, by=author)
    services.communication_approve(communication=c, by=approver)
    c.refresh_from_db()
    assert c.status == Status.APPROVED

    c.body = PHISH
    services.communication_save(communication=c, by=editor)
    c.refresh_from_db()
    assert (c.status, c.approved_by, c.approved_at, c.submitted_at) == (
        Status.DRAFT,
        None,
        None,
        None,
    )
    with pytest.raises(services.CommunicationError, match=services.NOT_APPROVED):
        services.communication_start(communication=c, by=approver)
    services.communication_submit(communication=c, by=editor)
    with pytest.raises(services.CommunicationError, match=services.EDITOR_APPROVAL):
        services.communication_approve(communication=c, by=editor)
    # The officer who approved the first text wrote none of the new one: they may approve it.
    services.communication_approve(communication=c, by=approver)
    assert Communication.objects.get(pk=c.pk).approved_by == approver


def test_an_edit_while_scheduled_cancels_the_schedule():
    from datetime import timedelta

    from django.utils import timezone

    author, approver = officers()
    c = compose(author)
    services.communication_submit(communication=c, by=author)
    services.communication_approve(communication=c, by=approver)
    services.communication_schedule(
        communication=c, by=approver, when=timezone.now() + timedelta(days=1)
    )
    c.refresh_from_db()
    c.subject = "Changed at the last minute"
    services.communication_save(communication=c, by=author)
    c.refresh_from_db()
    assert (c.status, c.scheduled_for, c.approved_by) == (Status.DRAFT, None, None)
    assert services.communications_start_due(now=timezone.now() + timedelta(days=2)) == []


def test_a_started_communication_cannot_be_edited(django_capture_on_commit_callbacks):
    author, approver = officers()
    member(consents=[NEWSLETTER])
    c = compose(author)
    services.communication_submit(communication=c, by=author)
    services.communication_approve(communication=c, by=approver)
    with django_capture_on_commit_callbacks():
        services.communication_start(communication=c, by=approver)
    c.refresh_from_db()
    c.body = PHISH
    with pytest.raises(services.CommunicationError, match=services.NOT_EDITABLE):
        services.communication_save(communication=c, by=author)
    assert Communication.objects.get(pk=c.pk).body != PHISH


def test_editors_are_not_asked_to_approve(mailoutbox, django_capture_on_commit_callbacks):
    author, approver = officers()
    editor, _ = staff_user(Role.COMMUNICATIONS_OFFICER)
    c = compose(author)
    c.subject = "Edited"
    services.communication_save(communication=c, by=editor)
    with django_capture_on_commit_callbacks(execute=True):
        services.communication_submit(communication=c, by=author)
    assert [m.to for m in mailoutbox] == [[approver.email]]
