"""The membership card (`/me/card/`): what it shows, whether it is valid, and its PDF, made
by WeasyPrint through `portal.pdf` (tagged, PDF/UA-1) like the standards' PDFs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language

from portal.pdf import html_to_pdf

from .membership import card_valid_until
from .models import Membership


@dataclass(frozen=True)
class MembershipCard:
    name: str
    number: str
    section: str
    status: str
    status_label: str
    valid_until: date | None

    @property
    def valid(self) -> bool:
        return self.valid_until is not None


def membership_card_for(membership: Membership, *, today: date | None = None) -> MembershipCard:
    today = today or timezone.localdate()
    return MembershipCard(
        name=membership.user.get_full_name() or membership.user.email,
        number=membership.number,
        section=membership.get_section_display(),
        status=membership.status,
        status_label=membership.get_status_display(),
        valid_until=card_valid_until(status=membership.status, today=today),
    )


def card_pdf_html(card: MembershipCard) -> str:
    return render_to_string(
        "accounts/card_pdf.html",
        {
            "card": card,
            "union_name": getattr(settings, "PORTAL_UNION_NAME", "Education Union"),
            "language": get_language() or "en-gb",
        },
    )


def card_pdf_bytes(card: MembershipCard) -> bytes:
    if not card.valid:
        raise ValueError("Only a valid membership card is printed.")
    return html_to_pdf(card_pdf_html(card))
