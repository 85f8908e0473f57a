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


def queue_result_list(cl):
    """Django's `result_list`, with the queue's rows written by casework.admin.queue_rows."""
    from django.contrib.admin.templatetags.admin_list import result_list

    from ..admin import queue_rows

    if cl.formset:
        return result_list(cl)
    rows = queue_rows(cl)
    result_list_cl = cl.result_list
    cl.result_list = []  # the headers and hidden fields only; the rows are ours
    try:
        context = result_list(cl)
    finally:
        cl.result_list = result_list_cl
    context["results"] = rows
    return context


@register.tag(name="queue_result_list")
def queue_result_list_tag(parser, token):
    from django.contrib.admin.templatetags.base import InclusionAdminNode

    return InclusionAdminNode(
        parser,
        token,
        func=queue_result_list,
        template_name="change_list_results.html",
        takes_context=False,
    )
