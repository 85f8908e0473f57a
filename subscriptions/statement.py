"""The member's annual statement of subscriptions paid, for their tax return: every
collection paid and card payment in one UK tax year (6 April to 5 April), with the total,
as a PDF through `portal.pdf` (as the membership card is)."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language

from portal.pdf import html_to_pdf

from .member_selectors import Statement, statement_for

FIRST_YEAR, LAST_YEAR = 2000, 2099


class StatementYearInvalid(ValueError):
    """The year in the URL is not a tax year the portal could have a statement for."""


def statement_year(value: str) -> int:
    """The tax year's first calendar year from the URL ("2026"); StatementYearInvalid if it
    is not four digits from 2000 to 2099."""
    if not (isinstance(value, str) and len(value) == 4 and value.isascii() and value.isdigit()):
        raise StatementYearInvalid(value)
    year = int(value)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise StatementYearInvalid(value)
    return year


def statement_html(membership, statement: Statement) -> str:
    return render_to_string(
        "subscriptions/statement_pdf.html",
        {
            "membership": membership,
            "name": membership.user.get_full_name() or membership.user.email,
            "statement": statement,
            "union_name": settings.PORTAL_UNION_NAME,
            "made_on": timezone.localdate(),
            "language": get_language() or "en-gb",
        },
    )


def statement_pdf(membership, year: int) -> bytes | None:
    """The PDF, or None when nothing was paid that tax year."""
    statement = statement_for(membership, year)
    if not statement.lines:
        return None
    return html_to_pdf(statement_html(membership, statement))
