"""The annual statement of subscriptions paid: the right lines and total for the UK tax
year (6 April to 5 April), 400 for a malformed year, 404 for a year with nothing, and only
ever the logged-in member's own payments."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest

from subscriptions.models import CardPayment
from tests.factories import MembershipFactory
from tests.subscriptions.member_support import collection

pytestmark = pytest.mark.django_db


def pdf_text(tmp_path, content: bytes) -> str:
    pdf = tmp_path / "statement.pdf"
    pdf.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture
def membership(db):
    membership = MembershipFactory(user__first_name="Ada", user__last_name="Lovelace")
    # Tax year 2025–26: 6 April 2025 to 5 April 2026.
    collection(membership, due_on=dt.date(2025, 3, 3), amount_pence=1000)  # the year before
    collection(membership, due_on=dt.date(2025, 4, 7), amount_pence=2500)
    collection(membership, due_on=dt.date(2025, 5, 1), amount_pence=2500)
    collection(membership, due_on=dt.date(2025, 6, 2), amount_pence=2500, status="unpaid")
    collection(membership, due_on=dt.date(2026, 4, 1), amount_pence=2600)
    collection(membership, due_on=dt.date(2026, 5, 1), amount_pence=2600)  # the year after
    CardPayment.objects.create(
        membership=membership,
        amount_pence=2500,
        provider="demo",
        intent_id="pi_test_1",
        status="succeeded",
        settled_at=dt.datetime(2025, 7, 10, 12, tzinfo=dt.UTC),
    )
    CardPayment.objects.create(
        membership=membership,
        amount_pence=9900,
        provider="demo",
        intent_id="pi_test_2",
        status="failed",
        created_at=dt.datetime(2025, 8, 10, 12, tzinfo=dt.UTC),
    )
    return membership


def test_the_statement_lists_the_tax_year_and_totals_it(client, membership, tmp_path):
    client.force_login(membership.user)
    response = client.get("/me/subscription/statement/2025/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "subscriptions-2025-26.pdf" in response["Content-Disposition"]
    text = pdf_text(tmp_path, response.content)
    assert "6 April 2025 to 5 April 2026" in text
    assert "Ada Lovelace" in text and membership.number in text
    for line in ("7 April 2025", "1 May 2025", "10 July 2025", "1 April 2026"):
        assert line in text
    assert "3 March 2025" not in text and "1 May 2026" not in text
    assert "2 June 2025" not in text, "an unpaid collection is not a payment"
    assert "£99.00" not in text, "a failed card payment is not a payment"
    assert "£101.00" in text  # 25 + 25 + 25 (card) + 26


def test_the_page_links_each_tax_year_with_payments(client, membership):
    client.force_login(membership.user)
    html = client.get("/me/subscription/").content.decode()
    for year in ("2024", "2025", "2026"):
        assert f"/me/subscription/statement/{year}/" in html
    assert "/me/subscription/statement/2023/" not in html


@pytest.mark.parametrize("year", ["20x5", "25", "202526", "1999", "2100", "-2025", "２０２５"])
def test_a_malformed_year_answers_400(client, membership, year):
    client.force_login(membership.user)
    response = client.get(f"/me/subscription/statement/{year}/")
    assert response.status_code == 400
    assert "That is not a tax year" in response.content.decode()


def test_a_year_with_nothing_paid_answers_404(client, membership):
    client.force_login(membership.user)
    assert client.get("/me/subscription/statement/2019/").status_code == 404


def test_another_member_gets_only_their_own_statement(client, membership):
    other = MembershipFactory()
    client.force_login(other.user)
    assert client.get("/me/subscription/statement/2025/").status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, membership):
    response = client.get("/me/subscription/statement/2025/")
    assert response.status_code == 302 and "/login/" in response["Location"]
