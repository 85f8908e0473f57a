"""Casework's panel on an employer's admin page: the employer's open cases that the officer
may see (casework.access), in one query; nothing for anyone who is not a case officer."""

from __future__ import annotations

from django.template.loader import render_to_string

from portal.accounts.employer_panels import register_employer_panel

from . import access
from .models import OPEN_STATUSES

SHOWN = 100


@register_employer_panel("cases", order=10)
def employer_open_cases(request, employer):
    if not access.is_case_officer(request.user):
        return None
    cases = list(
        access.cases_visible_to(request.user)
        .filter(employer=employer, status__in=OPEN_STATUSES)
        .only("pk", "reference", "category", "status", "collective", "submitted_at")
        .order_by("-submitted_at", "-pk")[: SHOWN + 1]
    )
    return render_to_string(
        "admin/casework/employer_cases.html",
        {"cases": cases[:SHOWN], "more": len(cases) > SHOWN, "employer": employer},
    )
