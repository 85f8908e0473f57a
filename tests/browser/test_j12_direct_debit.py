"""Journey 12, the member's Direct Debit, by mouse, keyboard only and on a 390 px phone: a
visitor joins, confirms the email address and is led from the dashboard to set up a Direct
Debit (a sort code no bank uses is refused first, with nothing saved), then sees the mandate
reference and the first collection on What I pay; a member paying by Direct Debit changes
bank details, and the old mandate is replaced. Never more than the last two digits of an
account number on screen."""

import re

import pytest
from django.utils import timezone

from portal.accounts.models import Membership
from subscriptions import mandates
from subscriptions.models import Mandate
from tests.factories import PASSWORD
from tests.subscriptions.member_support import (
    GOOD_ACCOUNT,
    GOOD_SORT_CODE,
    OTHER_ACCOUNT,
    use_recording_provider,
)

from .harness import KEYBOARD, MOUSE, PHONE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

JOIN_PASSWORD = "a-long-enough-passphrase-7"


@pytest.fixture
def provider(monkeypatch, settings):
    """The configured provider when it is there (the Bacs bureau); a recording one if not."""
    try:
        import subscriptions.bureau  # noqa: F401
    except ImportError:
        yield from use_recording_provider(monkeypatch, settings)
    else:
        yield None


def confirmation_path(message) -> str:
    found = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", message.body)
    assert found, message.body
    return found.group(1)


def fits_on_a_phone(you):
    if you.mode == PHONE:
        width = you.page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, width


def no_full_account_number(text: str):
    assert not re.search(r"(?<!\d)\d{8}(?!\d)", text), "an 8-digit number is on screen"


@pytest.mark.parametrize("mode", [MOUSE, KEYBOARD, PHONE])
def test_a_visitor_joins_and_sets_up_a_direct_debit(portal, provider, mode):
    journey = portal.journey("j12-join-dd", mode)
    visitor = portal.actor(journey, "visitor")
    email = f"dd.joiner.{mode}@example.org"
    visitor.goto("/join/", "join")
    visitor.fill("#id_first_name", "Dee")
    visitor.fill("#id_last_name", "Debit")
    visitor.fill("#id_email", email)
    visitor.fill("#id_password1", JOIN_PASSWORD)
    visitor.fill("#id_password2", JOIN_PASSWORD)
    visitor.fill("#id_employer", "Riverside Primary School")
    visitor.select("#id_job_role", "Teacher")
    visitor.choose("#id_hours_0")
    visitor.fill("#id_workplace_postcode", "N1 9GU")
    visitor.select("#id_region", "London")
    visitor.submit("main form button[type=submit]")
    assert visitor.path == "/join/confirm/"
    visitor.check("join-confirm")
    assert "set up a monthly Direct Debit" in visitor.text()
    visitor.submit("main form[action='/join/confirm/'] button[type=submit]")
    visitor.check("check-email")
    message = [m for m in portal.mail() if email in m.to][0]
    visitor.goto(confirmation_path(message), "confirm-email")
    visitor.submit("main form button[type=submit]")
    assert visitor.path == "/me/"
    visitor.check("dashboard")
    assert "Next step: set up your Direct Debit" in visitor.text()

    visitor.press("#dd-next-step a[href='/me/subscription/direct-debit/']")
    assert visitor.path == "/me/subscription/direct-debit/"
    visitor.check("direct-debit")
    text = visitor.text()
    assert "This Guarantee is offered by all banks and building societies" in text
    assert "999123" in text
    fits_on_a_phone(visitor)

    # A sort code no bank uses: refused, the summary first, nothing saved.
    visitor.fill("#id_account_holder", "Dee Debit")
    visitor.fill("#id_sort_code", "00-00-00")
    visitor.fill("#id_account_number", "12345678")
    visitor.choose("#id_confirm")
    visitor.submit("main form button[type=submit]")
    visitor.check("direct-debit-errors", status=400)
    summary = visitor.page.locator(".error-summary")
    assert summary.is_visible() and "No bank uses this sort code" in summary.inner_text()
    if mode != PHONE:
        assert visitor.page.evaluate("document.activeElement.matches('[data-error-summary]')")
    assert not Mandate.objects.exists()
    assert visitor.page.input_value("#id_account_holder") == "Dee Debit"
    assert visitor.page.input_value("#id_account_number") == "", "bank numbers not echoed"

    visitor.fill("#id_sort_code", "20 29 59")
    visitor.fill("#id_account_number", GOOD_ACCOUNT)
    if not visitor.page.is_checked("#id_confirm"):
        visitor.choose("#id_confirm")
    visitor.submit("main form button[type=submit]")
    assert visitor.path == "/me/subscription/"
    visitor.check("subscription")
    mandate = Mandate.objects.get(membership=Membership.objects.get(user__email=email))
    text = visitor.text()
    assert mandate.reference in text
    assert "account ending 72" in text
    assert mandate.first_collection_on.strftime("%-d %B %Y") in text
    no_full_account_number(text)
    fits_on_a_phone(visitor)
    sent = [m for m in portal.mail() if email in m.to and mandate.reference in m.subject]
    assert len(sent) == 1 and GOOD_ACCOUNT not in sent[0].body


@pytest.mark.parametrize("mode", [MOUSE, KEYBOARD, PHONE])
def test_a_member_changes_bank_details(portal, provider, mode):
    journey = portal.journey("j12-change-bank", mode)
    member = portal.member(job_role="teacher", hours="full_time", user__first_name="Bea")
    old = mandates.mandate_set_up(
        actor=member,
        membership=member.membership,
        account_holder="Bea Banks",
        sort_code=GOOD_SORT_CODE,
        account_number=GOOD_ACCOUNT,
    )
    # Lodged with the bank by an earlier AUDDIS file: changing bank cancels it with a 0C.
    Mandate.objects.filter(pk=old.pk).update(status="active", lodged_at=timezone.now())
    you = portal.actor(journey, "member")
    you.log_in(member.email, PASSWORD)
    you.goto("/me/subscription/", "subscription")
    assert "account ending 72" in you.text()
    you.press("main a[href='/me/subscription/direct-debit/']")
    you.check("change-bank")
    text = you.text()
    assert "Your Direct Debit from the account ending 72 will be replaced" in text

    you.fill("#id_account_holder", "Bea Banks")
    you.fill("#id_sort_code", "08-99-99")
    you.fill("#id_account_number", "66374959")  # one digit wrong
    you.choose("#id_confirm")
    you.submit("main form button[type=submit]")
    you.check("change-bank-errors", status=400)
    assert "does not belong with this sort code" in you.page.inner_text(".error-summary")
    old.refresh_from_db()
    assert old.status == "active" and Mandate.objects.count() == 1

    you.fill("#id_sort_code", "08-99-99")
    you.fill("#id_account_number", OTHER_ACCOUNT)
    if not you.page.is_checked("#id_confirm"):
        you.choose("#id_confirm")
    you.submit("main form button[type=submit]")
    assert you.path == "/me/subscription/"
    you.check("subscription-changed")
    text = you.text()
    how = you.page.inner_text("section#how-you-pay")
    assert "account ending 58" in how and "account ending 72" not in how
    assert "Being set up" in how
    no_full_account_number(text)
    old.refresh_from_db()
    assert old.status == "cancelling"
    fits_on_a_phone(you)
