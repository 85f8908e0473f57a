"""The officer's own work on the admin home, and the warnings only administrators need."""

from __future__ import annotations

from django import template
from django.urls import reverse

from portal.accounts.roles import Role

from .. import access, scanning
from ..selectors import officer_work_counts

register = template.Library()

UNSCANNED_WARNING = (
    "Attachments are not checked for viruses: ClamAV (clamd) is not configured. Open files "
    "from members with care."
)


def is_administrator(user) -> bool:
    return bool(
        user.is_authenticated
        and (user.is_superuser or user.groups.filter(name=Role.ADMINISTRATOR).exists())
    )


@register.inclusion_tag("admin/casework/my_work.html", takes_context=True)
def casework_my_work(context):
    user = context["request"].user
    queue = reverse("admin:casework_case_changelist")
    mine = f"{queue}?assigned=me&open=open"
    work = None
    if access.is_case_officer(user):
        counts = officer_work_counts(user)
        work = [
            ("My open cases", counts["open"], mine),
            ("Urgent", counts["urgent"], f"{mine}&flag=urgent"),
            ("Overdue", counts["overdue"], f"{mine}&flag=overdue"),
            ("Replies waiting", counts["replied"], f"{mine}&flag=replied"),
            ("Unassigned", counts["unassigned"], f"{queue}?assigned=none&open=open"),
        ]
    scanner_warning = (
        UNSCANNED_WARNING if is_administrator(user) and not scanning.is_configured() else ""
    )
    return {"work": work, "scanner_warning": scanner_warning}
