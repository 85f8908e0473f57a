"""Notifications (case updates, invitations, reminders): one delivery record each, the same
sending path, and never anything confidential in the email."""

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from portal.accounts.models import EqualityMonitoring
from portal.communications import services
from portal.communications.models import Delivery, DeliveryStatus
from portal.communications.notifications import absolute_url, notification_send
from portal.communications.rendering import notification_message
from portal.communications.sending import NO_TEMPLATE

from .helpers import member

pytestmark = pytest.mark.django_db
TEMPLATES = Path(django_settings.BASE_DIR) / "templates" / "communications" / "notifications"
KIND = "case_update"  # a service notice about the member's own case


def confidential_details(user):
    """What is known about a member that no notification may carry."""
    EqualityMonitoring.objects.create(
        user=user, ethnicity="asian", sexual_orientation="gay_lesbian"
    )
    m = user.membership
    return [user.email, user.last_name, m.number, m.workplace_postcode, m.employer.name, "asian"]


def test_a_notification_is_recorded_and_sent_after_commit(
    mailoutbox, django_capture_on_commit_callbacks
):
    person = member()
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(
            user=person, kind=KIND, context={"kind": "Newsletter", "url": absolute_url("/x/")}
        )
        assert not mailoutbox  # nothing leaves before the transaction commits
    (message,) = mailoutbox
    assert message.to == [person.email]
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.notification, delivery.communication) == (
        DeliveryStatus.SENT,
        KIND,
        None,
    )
    assert delivery.context == {"kind": "Newsletter", "url": "http://127.0.0.1:8000/x/"}


@pytest.mark.parametrize(
    "context",
    [
        {"note": "The member says her head teacher shouted at her\nin front of pupils."},
        {"text": "x" * 301},
        {"body": ["a", "list"]},
        {"user": "someone else"},
        {"bad key": "x"},
    ],
)
def test_context_that_could_carry_content_is_refused(context):
    person = member()
    with pytest.raises(ValueError, match="never the content"):
        notification_send(user=person, kind=KIND, context=context)
    assert not Delivery.objects.exists()


def test_templates_see_the_first_name_and_nothing_else_about_the_recipient(settings):
    person = member()
    secrets = confidential_details(person)
    settings.TEMPLATES = [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "OPTIONS": {
                "loaders": [
                    (
                        "django.template.loaders.locmem.Loader",
                        {
                            "communications/notifications/nosy_subject.txt": "Hi {{ user }}",
                            "communications/notifications/nosy_body.txt": (
                                "{{ user.first_name }}|{{ user.email }}|{{ user.last_name }}|"
                                "{{ user.membership.number }}|{{ user.equality.ethnicity }}|"
                                "{{ user.membership.workplace_postcode }}|{{ user.pk }}"
                            ),
                        },
                    )
                ]
            },
        }
    ]
    delivery = Delivery.objects.create(
        user=person, email=person.email, kind="service", notification="nosy", context={}
    )
    message = notification_message(delivery)
    assert message.body == f"{person.first_name}||||||"
    assert message.subject == f"Hi {person.first_name}"
    for secret in secrets[1:]:
        assert secret not in message.body + message.subject


def template_kinds():
    return sorted(p.name[: -len("_subject.txt")] for p in TEMPLATES.glob("*_subject.txt"))


@pytest.mark.parametrize("kind", template_kinds())
def test_no_notification_template_carries_the_member_s_details(kind):
    person = member()
    secrets = confidential_details(person)
    names = set()
    for path in TEMPLATES.glob(f"{kind}_*"):
        names |= set(re.findall(r"{{\s*([a-z_]+)", path.read_text()))
    context = {name: f"REF-{i}" for i, name in enumerate(sorted(names - {"user"}))}
    delivery = Delivery.objects.create(
        user=person, email=person.email, kind="service", notification=kind, context=context
    )
    message = notification_message(delivery)
    text = message.subject + message.body
    for secret in secrets[1:]:
        assert secret not in text, f"{kind} shows {secret!r}"
    assert "\n" not in message.subject


def test_a_missing_template_fails_the_delivery_with_the_reason(
    django_capture_on_commit_callbacks, mailoutbox
):
    person = member()
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(user=person, kind="case_no_such_kind", context={})
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.error == NO_TEMPLATE.format(kind="case_no_such_kind")
    assert not mailoutbox


def test_inactive_accounts_get_no_notification(django_capture_on_commit_callbacks):
    person = member()
    person.is_active = False
    person.save()
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(user=person, kind=KIND, context={})
    assert not Delivery.objects.exists()


def test_a_bad_kind_is_refused():
    with pytest.raises(ValueError, match=services.NOTIFICATION_KIND_INVALID):
        notification_send(user=member(), kind="../../secrets", context={})
