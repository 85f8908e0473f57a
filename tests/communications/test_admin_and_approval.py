"""The communications officer's admin: composing, approval by a second officer, sending
now or later, tests to oneself, pause and resume, and what other roles cannot do."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.accounts.roles import Role
from portal.communications import services
from portal.communications.models import Communication, Delivery, DeliveryStatus, Kind, Status
from portal.communications.rendering import UNKNOWN_FIELD_ERROR
from tests.factories import staff_user

from .helpers import NEWSLETTER, approve, compose, member, officers

pytestmark = pytest.mark.django_db


def do(client, communication, action, **data):
    return client.post(
        reverse("admin:communications_communication_do", args=[communication.pk, action]), data
    )


def change_url(communication):
    return reverse("admin:communications_communication_change", args=[communication.pk])


def test_the_comms_role_sees_communications_in_the_admin(client):
    author, _ = officers()
    client.force_login(author)
    page = client.get(reverse("admin:index")).content.decode()
    assert "Member communications" in page and "Communications" in page


def test_other_staff_cannot_open_communications(client):
    publisher, _ = staff_user(Role.PUBLISHER)
    client.force_login(publisher)
    assert client.get(reverse("admin:communications_communication_changelist")).status_code == 403
    author, _ = officers()
    c = compose(author)
    assert do(client, c, "submit").status_code in (403, 404)
    assert Communication.objects.get(pk=c.pk).status == Status.DRAFT


def test_composing_in_the_admin(client):
    author, _ = officers()
    client.force_login(author)
    response = client.post(
        reverse("admin:communications_communication_add"),
        {
            "kind": Kind.NEWSLETTER,
            "subject": "Wales leadership news for {first_name}",
            "body": "Dear {first_name}, **welcome**.",
            "sections": ["leadership"],
            "nations": ["wales"],
            "statuses": ["active"],
        },
    )
    assert response.status_code == 302
    c = Communication.objects.get()
    assert (c.created_by, c.status, c.sections, c.nations) == (
        author,
        Status.DRAFT,
        ["leadership"],
        ["wales"],
    )


@pytest.mark.parametrize(
    "field,value",
    [
        ("subject", "Hello {password}"),
        ("body", "Your {user.email} and {first_name}"),
        ("body", "Dear {{ first_name }}"),
    ],
)
def test_only_the_safe_personalisation_fields_are_accepted(client, field, value):
    author, _ = officers()
    client.force_login(author)
    data = {"kind": Kind.CAMPAIGN, "subject": "Hi", "body": "Text", "statuses": ["active"]}
    data[field] = value
    response = client.post(reverse("admin:communications_communication_add"), data)
    html = response.content.decode()
    assert response.status_code == 200 and "errornote" in html
    assert UNKNOWN_FIELD_ERROR.split(":")[0] in html
    assert not Communication.objects.exists()


def test_template_syntax_in_a_body_is_only_text(mailoutbox, django_capture_on_commit_callbacks):
    author, _ = officers()
    with pytest.raises(services.CommunicationError):
        compose(author, body="{{ settings.SECRET_KEY }}")
    c = compose(author, body="{% debug %} {% load static %} {first_name}")
    with django_capture_on_commit_callbacks(execute=True):
        services.communication_send_test(communication=c, user=author)
    (message,) = mailoutbox
    assert "{% debug %} {% load static %}" in message.body
    assert author.first_name in message.body


def test_no_one_approves_their_own_communication(client):
    author, approver = officers()
    c = compose(author)
    services.communication_submit(communication=c, by=author)
    with pytest.raises(services.CommunicationError, match=services.SELF_APPROVAL):
        services.communication_approve(communication=c, by=author)
    client.force_login(author)
    page = client.get(change_url(c)).content.decode()
    assert "another communications officer must approve it" in page
    assert ">Approve<" not in page
    response = do(client, c, "approve")
    assert response.status_code == 400
    assert services.SELF_APPROVAL in response.content.decode()
    assert Communication.objects.get(pk=c.pk).status == Status.AWAITING_APPROVAL


def test_a_second_officer_approves_then_it_can_be_sent(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    author, approver = officers()
    readers = [
        member(job_role="headteacher", region="wales", consents=[NEWSLETTER]) for _ in range(3)
    ]
    member(consents=[NEWSLETTER])  # not in Wales's Leadership section
    c = compose(author, sections=["leadership"], nations=["wales"])
    client.force_login(author)
    assert do(client, c, "send_now").status_code == 400  # not approved yet
    with django_capture_on_commit_callbacks(execute=True):
        assert do(client, c, "submit").status_code == 302
    assert [m.to for m in mailoutbox] == [[approver.email]]  # asked to approve
    client.force_login(approver)
    assert do(client, c, "approve").status_code == 302
    c.refresh_from_db()
    assert (c.status, c.approved_by) == (Status.APPROVED, approver)
    with django_capture_on_commit_callbacks(execute=True):
        assert do(client, c, "send_now", confirmed="yes").status_code == 302
    c.refresh_from_db()
    assert c.status == Status.SENT and c.recipient_count == 3
    assert sorted(m.to[0] for m in mailoutbox[1:]) == sorted(u.email for u in readers)
    page = client.get(change_url(c)).content.decode()
    assert "<dt>Sent</dt><dd>3</dd>" in page
    records = client.get(
        reverse("admin:communications_delivery_changelist"), {"communication__id__exact": c.pk}
    ).content.decode()
    assert all(u.email in records for u in readers)


def test_an_approved_communication_cannot_be_edited_until_returned_to_draft(client):
    author, approver = officers()
    c = compose(author)
    approve(c, author, approver)
    client.force_login(author)
    post = {"kind": Kind.NEWSLETTER, "subject": "Changed", "body": "x", "statuses": ["active"]}
    assert client.post(change_url(c), post).status_code == 403
    assert Communication.objects.get(pk=c.pk).subject != "Changed"
    assert do(client, c, "return_to_draft").status_code == 302
    c.refresh_from_db()
    assert c.status == Status.DRAFT and c.approved_by is None  # must be approved again
    assert client.post(change_url(c), post).status_code == 302
    assert Communication.objects.get(pk=c.pk).subject == "Changed"


def test_scheduling(client):
    author, approver = officers()
    member(consents=[NEWSLETTER])
    c = compose(author)
    approve(c, author, approver)
    client.force_login(approver)
    for bad in ("", "tomorrow", "2020-01-01T09:00", "2026-13-45T99:99"):
        response = do(client, c, "schedule", scheduled_for=bad)
        assert response.status_code == 400, bad
        assert Communication.objects.get(pk=c.pk).status == Status.APPROVED
    when = timezone.localtime() + timedelta(days=1)
    assert (
        do(client, c, "schedule", scheduled_for=when.strftime("%Y-%m-%dT%H:%M")).status_code == 302
    )
    c.refresh_from_db()
    assert c.status == Status.SCHEDULED and c.scheduled_for.date() == when.date()
    assert services.communications_start_due() == []  # not yet
    assert not Delivery.objects.filter(communication=c).exists()
    assert services.communications_start_due(now=c.scheduled_for + timedelta(minutes=1)) == [c.pk]
    c.refresh_from_db()
    assert c.status == Status.SENDING and c.recipient_count == 1


def test_a_test_goes_to_the_officer_only(client, mailoutbox, django_capture_on_commit_callbacks):
    author, _ = officers()
    member(consents=[NEWSLETTER])
    c = compose(author, subject="Hello {first_name}")
    client.force_login(author)
    with django_capture_on_commit_callbacks(execute=True):
        assert do(client, c, "test").status_code == 302
    (message,) = mailoutbox
    assert message.to == [author.email]
    assert message.subject == f"[Test] Hello {author.first_name}"
    test = Delivery.objects.get()
    assert test.is_test and test.status == DeliveryStatus.SENT
    assert Communication.objects.get(pk=c.pk).status == Status.DRAFT


def test_pause_resume_and_cancel(client, django_capture_on_commit_callbacks):
    author, approver = officers()
    for _ in range(3):
        member(consents=[NEWSLETTER])
    c = compose(author)
    approve(c, author, approver)
    with django_capture_on_commit_callbacks():  # no worker: rows stay queued
        services.communication_start(communication=c, by=approver)
    client.force_login(approver)
    # Refreshing is the officer's choice (an automatic refresh fails WCAG 2.2.1).
    head = client.get(change_url(c)).content.decode().split("<body")[0]
    assert 'http-equiv="refresh"' not in head
    page = client.get(change_url(c), {"refresh": "1"}).content.decode()
    assert '<meta http-equiv="refresh" content="5">' in page
    assert do(client, c, "cancel").status_code == 400  # pause first
    assert do(client, c, "pause").status_code == 302
    assert do(client, c, "pause").status_code == 400
    with django_capture_on_commit_callbacks() as callbacks:
        assert do(client, c, "resume").status_code == 302
    assert len(callbacks) == 1  # the dispatch, once committed
    do(client, c, "pause")
    assert do(client, c, "cancel").status_code == 302
    rows = Delivery.objects.filter(communication=c)
    assert set(rows.values_list("status", flat=True)) == {"cancelled"}
    assert do(client, c, "resume").status_code == 400


def test_actions_answer_only_post_and_unknown_ones_are_refused(client):
    author, _ = officers()
    c = compose(author)
    client.force_login(author)
    url = reverse("admin:communications_communication_do", args=[c.pk, "submit"])
    assert client.get(url).status_code == 405
    assert do(client, c, "explode").status_code == 400
    missing = reverse("admin:communications_communication_do", args=[c.pk + 999, "submit"])
    assert client.post(missing).status_code == 404


def test_admin_lists_do_not_grow_queries(client, django_assert_max_num_queries):
    author, approver = officers()
    client.force_login(author)
    urls = [
        reverse("admin:communications_communication_changelist"),
        reverse("admin:communications_delivery_changelist"),
    ]

    def seed(n):
        for _ in range(n):
            c = compose(author)
            Delivery.objects.create(
                communication=c, user=member(), email="x@example.org", kind=c.kind
            )

    seed(2)
    counts = []
    for url in urls:
        with django_assert_max_num_queries(30) as few:
            assert client.get(url).status_code == 200
        counts.append(len(few.captured_queries))
    seed(15)
    for url, count in zip(urls, counts, strict=True):
        with django_assert_max_num_queries(count):
            client.get(url)
