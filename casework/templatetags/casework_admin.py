"""The officer's own work on the admin home, and the warnings only administrators need."""

from __future__ import annotations

from django import template
from django.urls import reverse

from portal.accounts.roles import is_administrator

from .. import access, scanning
from ..selectors import officer_work_counts

register = template.Library()

UNSCANNED_WARNING = (
    "Attachments are not checked for viruses: ClamAV (clamd) is not configured. Open files "
    "from members with care."
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
    """Django's `result_list`, with the queue's rows written by casework.queue.queue_rows,
    each row's cells joined once (the table of 50 rows is then one loop, not two)."""
    from django.contrib.admin.templatetags.admin_list import result_list
    from django.core.exceptions import ImproperlyConfigured
    from django.utils.safestring import SafeString

    from ..queue import queue_rows

    if cl.formset:
        raise ImproperlyConfigured("The queue's rows are not editable (list_editable).")
    rows = queue_rows(cl)
    result_list_cl = cl.result_list
    cl.result_list = []  # the headers and hidden fields only; the rows are ours
    try:
        context = result_list(cl)
    finally:
        cl.result_list = result_list_cl
    # Each cell is escaped where it is written (casework.queue._cell).
    context["results"] = [SafeString("".join(row)) for row in rows]  # nosec B703
    return context


@register.tag(name="queue_result_list")
def queue_result_list_tag(parser, token):
    from django.contrib.admin.templatetags.base import InclusionAdminNode

    return InclusionAdminNode(
        parser,
        token,
        func=queue_result_list,
        template_name="queue_results.html",
        takes_context=False,
    )


@register.inclusion_tag("admin/casework/case/filter_bar.html")
def queue_filter_bar(cl):
    """The queue's filters as one compact bar of menus above the table (instead of the
    admin's sidebar of stacked lists), sent as one GET form: the same filters, the same
    parameters, the same lookups Django validates."""
    from urllib.parse import parse_qs

    menus = []
    used = set()
    for index, spec in enumerate(cl.filter_specs):
        params = spec.expected_parameters()
        if not params:
            continue
        name = params[0]
        used.update(params)
        options = []
        for position, choice in enumerate(spec.choices(cl)):
            query = parse_qs(choice["query_string"].lstrip("?"))
            value = (query.get(name) or [""])[0]
            if not value and position:
                continue  # "no value" choices of another parameter: in the sidebar only
            options.append(
                {"value": value, "label": choice["display"], "selected": choice["selected"]}
            )
        menus.append(
            {"id": f"queue-filter-{index}", "name": name, "title": spec.title, "options": options}
        )
    hidden = [
        (key, value)
        for key, value in cl.params.items()
        if key not in used and key not in ("p", "all")
    ]
    return {"menus": menus, "hidden": hidden, "active": bool(cl.has_active_filters)}
