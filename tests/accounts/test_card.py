"""The membership card: valid to the end of the membership year while the membership is
active; a page and a tagged PDF; nothing valid for an applicant, a lapsed or a resigned
member."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse

from portal.accounts.choices import MembershipStatus
from portal.accounts.membership import card_valid_until, membership_year_end
from tests.factories import MembershipFactory
from tests.standards.conftest import pdf_catalog_bytes, pdf_info, pdf_text

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("today", "end"),
    [
        (date(2026, 9, 1), date(2027, 8, 31)),
        (date(2026, 12, 2), date(2027, 8, 31)),
        (date(2027, 8, 31), date(2027, 8, 31)),
        (date(2027, 1, 1), date(2027, 8, 31)),
    ],
)
def test_the_membership_year_ends_on_31_august(today, end):
    assert membership_year_end(today) == end


@pytest.mark.parametrize(
    ("status", "valid"),
    [
        (MembershipStatus.ACTIVE, True),
        (MembershipStatus.APPLICANT, False),
        (MembershipStatus.LAPSED, False),
        (MembershipStatus.RESIGNED, False),
    ],
)
def test_only_an_active_membership_has_a_valid_card(status, valid):
    result = card_valid_until(status=status, today=date(2026, 12, 2))
    assert (result == date(2027, 8, 31)) if valid else result is None


def test_the_card_page_and_its_pdf(client):
    membership = MembershipFactory(user__first_name="Asha", user__last_name="Patel")
    client.force_login(membership.user)
    page = client.get(reverse("accounts:card"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Asha Patel" in html and membership.number in html
    assert membership.get_section_display() in html
    assert "31 August" in html and reverse("accounts:card_pdf") in html
    response = client.get(reverse("accounts:card_pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    content = response.content
    info = pdf_info(content)
    assert info["Tagged"] == "yes"
    assert info["Pages"] == "1"
    assert info["Title"] == "Membership card: Asha Patel"
    assert info["Author"] == "Education Union"
    assert re.search(r"242\.6\d* x 153\.0\d* pts", info["Page size"]), info["Page size"]
    text = " ".join(pdf_text(content).split())
    for expected in ("Asha Patel", membership.number, "Valid until", "31 August"):
        assert expected in text
    assert re.search(rb"/Lang ?\(en-GB\)", pdf_catalog_bytes(content))


@pytest.mark.parametrize(
    "status", [MembershipStatus.LAPSED, MembershipStatus.RESIGNED, MembershipStatus.APPLICANT]
)
def test_a_member_whose_membership_is_not_active_sees_the_card_is_not_valid(client, status):
    membership = MembershipFactory(status=status)
    client.force_login(membership.user)
    html = client.get(reverse("accounts:card")).content.decode()
    assert "This card is not valid" in html and "Not valid" in html
    assert reverse("accounts:card_pdf") not in html
    assert client.get(reverse("accounts:card_pdf")).status_code == 404


def test_an_account_without_membership_has_no_card(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    assert client.get(reverse("accounts:card")).status_code == 302
    assert client.get(reverse("accounts:card_pdf")).status_code == 404
