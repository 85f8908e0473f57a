"""The member's Direct Debit page and the payment part of /me/subscription/: bad details
answer 400 with the message and save nothing; the pages never show more of the account
number than its last two digits; the page's queries do not grow with the history."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from subscriptions.models import Mandate, MandateStatus, Method, PaymentArrangement
from tests.factories import MembershipFactory
from tests.subscriptions.member_support import (
    GOOD_ACCOUNT,
    GOOD_SORT_CODE,
    OTHER_ACCOUNT,
    a_membership,
    collection,
    use_recording_provider,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider(monkeypatch, settings):
    yield from use_recording_provider(monkeypatch, settings)


@pytest.fixture
def membership(db):
    return a_membership()


URL = "/me/subscription/direct-debit/"
GOOD = {
    "account_holder": "Ada Lovelace",
    "sort_code": "20-29-59",
    "account_number": GOOD_ACCOUNT,
    "confirm": "on",
}


@pytest.fixture
def client_for(client, membership):
    client.force_login(membership.user)
    return client


def visible_text(response) -> str:
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_the_page_shows_the_guarantee_and_who_collects(client_for):
    page = client_for.get(URL)
    assert page.status_code == 200
    text = page.content.decode()
    assert "csrfmiddlewaretoken" in text
    assert (
        "This Guarantee is offered by all banks and building societies that accept "
        "instructions to pay Direct Debits"
    ) in text
    assert "full and immediate refund" in text
    assert "999123" in text and "EDUCATION UNION" in text
    for name in ("account_holder", "sort_code", "account_number", "confirm"):
        assert f'name="{name}"' in text
    assert "First collection" in text


def test_setting_up_leads_back_to_what_i_pay_with_the_reference(client_for, membership, provider):
    response = client_for.post(URL, GOOD, follow=True)
    assert response.redirect_chain[-1][0] == "/me/subscription/"
    mandate = Mandate.objects.get(membership=membership)
    text = visible_text(response)
    assert mandate.reference in text
    assert "account ending 72" in text
    assert "Being set up" in text
    assert GOOD_ACCOUNT not in response.content.decode()
    assert not re.search(r"(?<!\d)\d{8}(?!\d)", text), "no 8-digit number on the page"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"sort_code": "00-00-00", "account_number": "12345678"}, "No bank uses this sort code"),
        ({"account_number": "63748473"}, "does not belong with this sort code"),
        ({"sort_code": "2029"}, "6 digits"),
        ({"sort_code": ""}, "Enter your sort code"),
        ({"account_number": "12"}, "not the right length"),
        ({"account_number": "abcdefgh"}, "digits only"),
        ({"account_holder": "   "}, "Enter the name of the account holder"),
        ({"account_holder": "x" * 61}, "60 characters or fewer"),
        ({"confirm": ""}, "Tick the box"),
    ],
)
def test_bad_input_answers_400_with_the_message_and_saves_nothing(
    client_for, membership, provider, data, words
):
    response = client_for.post(URL, {**GOOD, **data})
    assert response.status_code == 400
    text = response.content.decode()
    assert words in text
    assert "There is a problem" in text
    assert response.request["PATH_INFO"] == URL
    assert not Mandate.objects.exists()
    assert not PaymentArrangement.objects.filter(method=Method.DIRECT_DEBIT).exists()
    assert provider.calls == []
    # The bank numbers typed are not written back into the page, even into the form.
    assert GOOD_ACCOUNT not in text and "20-29-59" not in text


def test_the_change_of_bank_page_says_what_is_replaced(client_for, membership, provider):
    client_for.post(URL, GOOD)
    page = client_for.get(URL)
    text = page.content.decode()
    assert "Change your bank details" in text
    assert "your Direct Debit from the account ending 72 will be replaced" in text.replace(
        "Your", "your"
    )
    response = client_for.post(
        URL, {**GOOD, "sort_code": "08 99 99", "account_number": OTHER_ACCOUNT}
    )
    assert response.status_code == 302
    statuses = dict(Mandate.objects.values_list("account_last2", "status"))
    assert statuses == {"72": MandateStatus.CANCELLING, "58": MandateStatus.PENDING}


def test_an_ended_membership_is_told_and_cannot_post(client, provider):
    ended = MembershipFactory(status="resigned")
    client.force_login(ended.user)
    assert "has ended" in client.get(URL).content.decode()
    assert client.post(URL, GOOD).status_code == 400
    assert not Mandate.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_member_without_a_method_is_asked_to_set_up_a_direct_debit(client_for):
    text = client_for.get("/me/subscription/").content.decode()
    assert "Set up a Direct Debit" in text and URL in text
    assert "No payments yet." in text


def test_the_dashboard_leads_a_new_member_to_the_direct_debit(client_for, provider):
    text = client_for.get("/me/").content.decode()
    assert "Set up your Direct Debit" in text and URL in text
    client_for.post(URL, GOOD)
    assert "Next step: set up your Direct Debit" not in client_for.get("/me/").content.decode()


def test_the_next_collection_before_any_is_scheduled_is_the_first(client_for, provider):
    client_for.post(URL, GOOD)
    text = visible_text(client_for.get("/me/subscription/"))
    mandate = Mandate.objects.get()
    assert mandate.first_collection_on.strftime("%-d %B %Y") in text
    assert "£25.00 on" in text and "your first collection" in text


def test_history_arrears_and_the_next_scheduled_collection(client_for, membership, provider):
    today = timezone.localdate()
    collection(membership, due_on=today - dt.timedelta(days=60), status="paid")
    collection(membership, due_on=today - dt.timedelta(days=30), status="unpaid", amount_pence=2600)
    collection(
        membership, due_on=today + dt.timedelta(days=20), status="scheduled", amount_pence=2700
    )
    page = client_for.get("/me/subscription/")
    text = visible_text(page)
    assert "Payment history" in text and "<caption>" in page.content.decode()
    assert "Unpaid" in text and "Paid" in text
    assert "You owe £26.00" in text
    assert 'href="/me/subscription/pay/"' in page.content.decode()
    due = (today + dt.timedelta(days=20)).strftime("%-d %B %Y")
    assert f"£27.00 on {due}" in text


def test_the_page_never_shows_the_full_account_number(client_for, membership, provider):
    client_for.post(URL, GOOD)
    for path in ("/me/subscription/", URL, "/me/"):
        html = client_for.get(path).content.decode()
        assert GOOD_ACCOUNT not in html and "20-29-59" not in html and GOOD_SORT_CODE not in html


def test_the_query_count_does_not_grow_with_the_history(client_for, membership, provider):
    client_for.post(URL, GOOD)
    mandate = Mandate.objects.get()
    start = dt.date(2018, 1, 1)

    def add(n, offset):
        for i in range(offset, offset + n):
            year, month = divmod(i, 12)
            collection(membership, due_on=dt.date(start.year + year, month + 1, 1), mandate=mandate)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client_for.get("/me/subscription/").status_code == 200
        return len(captured)

    add(5, 0)
    few = queries()
    add(45, 5)
    assert queries() == few


def test_the_data_download_has_the_payments_without_bank_details(membership, provider):
    from portal.accounts.exports import export_member_data
    from subscriptions import mandates

    mandates.mandate_set_up(
        actor=membership.user,
        membership=membership,
        account_holder="Ada Lovelace",
        sort_code=GOOD_SORT_CODE,
        account_number=GOOD_ACCOUNT,
    )
    collection(membership, due_on=dt.date(2026, 5, 1))
    data = export_member_data(membership.user)["payments"]
    dumped = json.dumps(data)
    assert data["arrangement"]["method"] == "Direct Debit"
    assert data["mandates"][0]["account_ending"] == "72"
    assert data["collections"][0]["amount"] == "25.00"
    assert GOOD_ACCOUNT not in dumped and GOOD_SORT_CODE not in dumped
    assert "Lovelace" not in dumped


def test_the_demo_member_pays_by_direct_debit(client):
    from membership import demo as membership_demo
    from portal.accounts import demo as accounts_demo
    from subscriptions import demo
    from subscriptions.models import Collection

    accounts_demo.seed()
    membership_demo.seed()
    demo.seed_direct_debit()
    demo.seed_direct_debit()  # again: nothing added twice
    membership = Mandate.objects.get().membership
    assert membership.user.email == "member@demo.example"
    assert Mandate.objects.get().status == MandateStatus.ACTIVE
    assert Collection.objects.filter(status="paid").count() >= 4
    assert Collection.objects.filter(status="scheduled").count() == 1
    client.force_login(membership.user)
    page = client.get("/me/subscription/")
    assert page.status_code == 200
    text = visible_text(page)
    assert "Direct Debit" in text and "account ending 72" in text
    assert re.search(
        r"\b\d{1,2} (January|February|March|April|May|June|July|August|"
        r"September|October|November|December) \d{4}\b",
        text,
    )
    assert not re.search(r"(?<!\d)\d{8}(?!\d)", text), "no 8-digit number on the page"
    refused = client.post(
        URL,
        {
            "account_holder": "Test Person",
            "sort_code": "00-00-00",
            "account_number": "12345678",
            "confirm": "on",
        },
    )
    assert refused.status_code == 400 and "No bank uses this sort code" in refused.content.decode()


def test_the_dashboard_says_how_a_direct_debit_payer_pays(client_for, provider):
    client_for.post(URL, GOOD)
    text = visible_text(client_for.get("/me/"))
    assert "by Direct Debit" in text
    assert "Nothing is taken yet." not in text
