"""Views of the officers' queue: the built-in ones every officer has ("my urgent",
"hearings this week"…) and the ones an officer saves for themselves."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from .models import QueueView

# name, query string: the queue's own filter parameters.
BUILT_IN = [
    (_("My open cases"), "assigned=me&open=open"),
    (_("My urgent"), "assigned=me&flag=urgent&open=open"),
    (_("Unassigned"), "assigned=none&open=open"),
    (_("Hearings this week"), "hearing=7&open=open"),
    (_("Replies waiting"), "flag=replied&open=open"),
    (_("Overdue"), "flag=overdue&open=open"),
]

VIEW_NAME_REQUIRED = _("Give the view a name.")
VIEW_NAME_TAKEN = _("You already have a view with this name.")
VIEW_NEEDS_FILTERS = _("Choose some filters first: this view would show the whole queue.")
VIEW_LIMIT = 20
VIEW_TOO_MANY = _("You have %(n)s saved views already: delete one first.") % {"n": VIEW_LIMIT}


def clean_query(query: str, allowed: set[str]) -> str:
    """The filters of a query string that the queue knows, in a stable order; the search
    term, the page and anything unknown are left out."""
    pairs = [
        (key, value[:100])
        for key, value in parse_qsl(query or "", keep_blank_values=False)
        if key in allowed
    ]
    return urlencode(sorted(pairs)[:20])


@transaction.atomic
def queue_view_save(*, officer, name: str, query: str, allowed: set[str]) -> QueueView:
    name = " ".join((name or "").split())[:60]
    if not name:
        raise ValidationError({"name": [VIEW_NAME_REQUIRED]})
    cleaned = clean_query(query, allowed)
    if not cleaned:
        raise ValidationError({"name": [VIEW_NEEDS_FILTERS]})
    if QueueView.objects.filter(officer=officer).count() >= VIEW_LIMIT:
        raise ValidationError({"name": [VIEW_TOO_MANY]})
    try:
        with transaction.atomic():
            return QueueView.objects.create(officer=officer, name=name, query=cleaned)
    except IntegrityError:
        raise ValidationError({"name": [VIEW_NAME_TAKEN]}) from None


def queue_view_delete(*, officer, view_id) -> bool:
    try:
        view_id = int(view_id)
    except (TypeError, ValueError):
        return False
    deleted, _ = QueueView.objects.filter(officer=officer, pk=view_id).delete()
    return bool(deleted)


def queue_views_for(officer, current: str) -> list[dict]:
    """Every view an officer has, built-in first, marked when it is the one shown."""
    views = [{"name": str(name), "query": query, "id": None} for name, query in BUILT_IN] + [
        {"name": v.name, "query": v.query, "id": v.pk}
        for v in QueueView.objects.filter(officer=officer)
    ]
    for view in views:
        view["current"] = view["query"] == current
    return views
