"""The officers' queue: its filters, its paginator, and its page of rows read in two
steps (ids in the queue's order, then only the columns the rows show)."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from django.contrib import admin
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import display_for_field, display_for_value, quote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from portal.admin import CappedPaginator

from .models import (
    Status,
)
from .selectors import (
    replies_waiting,
)


class AssignedFilter(admin.SimpleListFilter):
    title = "assigned"
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        return [("me", "To me"), ("none", "Unassigned"), ("others", "To someone else")]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(assigned_to=request.user)
        if self.value() == "none":
            return queryset.filter(assigned_to__isnull=True)
        if self.value() == "others":
            return queryset.exclude(assigned_to=request.user).exclude(assigned_to__isnull=True)
        return queryset


class OpenFilter(admin.SimpleListFilter):
    title = "open or closed"
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("open", "Open"), ("closed", "Closed")]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.exclude(status=Status.CLOSED)
        if self.value() == "closed":
            return queryset.filter(status=Status.CLOSED)
        return queryset


class HearingFilter(admin.SimpleListFilter):
    title = "hearing"
    parameter_name = "hearing"

    def lookups(self, request, model_admin):
        return [
            ("7", "Within a week"),
            ("28", "Within four weeks"),
            ("any", "Has a date"),
            ("none", "No date"),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        value = self.value()
        if value in ("7", "28"):
            return queryset.filter(
                hearing_date__gte=today, hearing_date__lte=today + timedelta(days=int(value))
            )
        if value == "any":
            return queryset.filter(hearing_date__isnull=False)
        if value == "none":
            return queryset.filter(hearing_date__isnull=True)
        return queryset


class AgeFilter(admin.SimpleListFilter):
    title = "age"
    parameter_name = "age"
    BANDS = {"week": (0, 7), "month": (7, 28), "quarter": (28, 91), "older": (91, None)}

    def lookups(self, request, model_admin):
        return [
            ("week", "Under a week"),
            ("month", "1 to 4 weeks"),
            ("quarter", "1 to 3 months"),
            ("older", "Over 3 months"),
        ]

    def queryset(self, request, queryset):
        band = self.BANDS.get(self.value())
        if band is None:
            return queryset
        now = timezone.now()
        low, high = band
        queryset = queryset.filter(submitted_at__lte=now - timedelta(days=low))
        if high is not None:
            queryset = queryset.filter(submitted_at__gt=now - timedelta(days=high))
        return queryset


class FlagFilter(admin.SimpleListFilter):
    title = "flags"
    parameter_name = "flag"

    def lookups(self, request, model_admin):
        return [
            ("urgent", "Urgent"),
            ("overdue", "Overdue"),
            ("eligibility", "Eligibility"),
            ("restricted", "Restricted"),
            ("complaint", "Complaint"),
            ("collective", "Collective case"),
            ("colleagues", "Colleagues affected"),
            ("replied", "Reply waiting"),
        ]

    def queryset(self, request, queryset):
        filters = {
            "urgent": {"urgent": True},
            "overdue": {"overdue": True},
            "restricted": {"restricted": True},
            "complaint": {"complaint_open": True},
            "collective": {"collective": True},
            "colleagues": {"colleagues_affected": True},
        }
        if self.value() == "eligibility":
            return queryset.exclude(eligibility_concern="")
        if self.value() == "replied":
            return replies_waiting(queryset)
        if self.value() in filters:
            return queryset.filter(**filters[self.value()])
        return queryset


class TribunalLimitFilter(admin.SimpleListFilter):
    title = "Tribunal limit"
    parameter_name = "tribunal"

    def lookups(self, request, model_admin):
        return [
            ("7", "Within 7 days"),
            ("14", "Within 14 days"),
            ("28", "Within 28 days"),
            ("passed", "Passed (case open)"),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        value = self.value()
        if value in ("7", "14", "28"):
            return queryset.filter(
                tribunal_limit_on__gte=today,
                tribunal_limit_on__lte=today + timedelta(days=int(value)),
            )
        if value == "passed":
            return queryset.exclude(status=Status.CLOSED).filter(tribunal_limit_on__lt=today)
        return queryset


# A tribunal limit this close is flagged in the queue.
TRIBUNAL_FLAG_DAYS = 14


# The action checkbox's label: Django's own words, so Django's translations serve it.
SELECT_FOR_ACTION = "Select this object for an action - {}"

# A case reference as the portal writes them (services.next_reference).
REFERENCE_PATTERN = re.compile(r"CW-\d{4}-\d{6}")


class QueuePaginator(CappedPaginator):
    """The queue's paginator: counts no further than the officer can page (see
    portal.admin.CappedPaginator); past the cap the page says "more than"."""


# What the queue's rows show: the case's text (encrypted, and long) is never read for them.
QUEUE_COLUMNS = [
    "reference",
    "urgent",
    "overdue",
    "eligibility_concern",
    "restricted",
    "complaint_open",
    "colleagues_affected",
    "collective",
    "submitted_at",
    "category",
    "region",
    "nation",
    "section",
    "hearing_date",
    "assigned_to",
    "waiting_on",
    "status",
    "tribunal_limit_on",
]


class QueueChangeList(ChangeList):
    """The page's cases in two steps: their ids first, in the queue's order (a walk of one
    index that holds what the access rule and the usual filters read, so that a deep page
    does not visit the table for every case it passes), then the rows of those ids only,
    with only the columns the rows show."""

    def get_results(self, request):
        super().get_results(request)
        rows = self.result_list
        if rows.query.is_sliced:
            ids = list(rows.values_list("pk", flat=True))
            # Through the access rule again (not the filters and search: the ids came
            # through them already).
            rows = self.apply_select_related(
                self.root_queryset.filter(pk__in=ids).order_by(*self.queryset.query.order_by)
            )
        self.result_list = rows.only(*QUEUE_COLUMNS)


def queue_rows(cl):
    """The queue's rows, cell for cell what Django's `items_for_result` writes for them (a
    test compares the two), without its per-cell lookups: what a column needs (its choices'
    labels translated and escaped, its link, its classes) is worked out once per page, not
    once per cell."""
    model_admin, opts = cl.model_admin, cl.opts
    empty = model_admin.get_empty_value_display()
    links = set(cl.list_display_links or ())
    # The link of every row is the same but for the case's id: reversed, and given the
    # queue's filters to come back to, once for the page.
    preserved = {"preserved_filters": cl.preserved_filters, "opts": opts}
    link = _escape(
        add_preserved_filters(
            preserved,
            reverse(
                f"admin:{opts.app_label}_{opts.model_name}_change",
                args=[_PK_PLACEHOLDER],
                current_app=model_admin.admin_site.name,
            ),
        )
    )
    columns = [_column(name, model_admin, opts, empty, links, link) for name in cl.list_display]
    return [[column(obj) for column in columns] for obj in cl.result_list]


def _column(name, model_admin, opts, empty, links, link):
    """A function writing one column's cell for a case."""
    if name == "action_checkbox":
        checkbox, label = model_admin.action_checkbox, gettext(SELECT_FOR_ACTION)
        return lambda obj: _cell("td", "action-checkbox", checkbox(obj, label))
    try:
        field = opts.get_field(name)
    except FieldDoesNotExist:
        method = getattr(model_admin, name)
        classes = _escape(f"field-{name}")

        def text(obj):
            value = method(obj)
            return display_for_value(
                "" if isinstance(value, str) and not value.strip() else value, empty
            )

        return _writer(name, classes, text, links, link)
    if field.is_relation:
        classes = _escape(f"field-{name} nowrap")

        def text(obj):
            value = getattr(obj, name)
            return empty if value is None else value

        return _writer(name, classes, text, links, link)
    nowrap = " nowrap" if isinstance(field, (models.DateField, models.TimeField)) else ""
    classes = _escape(f"field-{name}{nowrap}")
    attname = field.attname
    if field.flatchoices and name not in links:
        # display_for_field's answer for a field with choices: its label, or the empty
        # value's display; translated and escaped once for the page.
        labels = {value: _escape(label) for value, label in field.flatchoices}
        none = _escape(empty)

        def choice(obj):
            value = getattr(obj, attname)
            if isinstance(value, str) and not value.strip():
                value = ""
            try:
                inner = labels.get(value, none)
            except TypeError:  # an unhashable value: as display_for_field would write it
                inner = _escape(display_for_field(value, field, empty))
            return _cell("td", classes, inner)

        return choice
    avoid_link = name in links

    def text(obj):
        value = getattr(obj, attname)
        if isinstance(value, str) and not value.strip():
            value = ""
        return display_for_field(value, field, empty, avoid_link=avoid_link)

    return _writer(name, classes, text, links, link)


def _writer(name, classes, text, links, link):
    if name in links:

        def linked(obj):
            url = link.replace(_PK_PLACEHOLDER, _escape(quote(obj.pk)))
            return _cell("th", classes, f'<a href="{url}">{_escape(text(obj))}</a>')

        return linked
    return lambda obj: _cell("td", classes, _escape(text(obj)))


def _cell(tag: str, classes: str, inner: str) -> SafeString:
    """One cell of a queue row; `classes` and `inner` are escaped by the caller."""
    return SafeString(f'<{tag} class="{classes}">{inner}</{tag}>')  # nosec B703


# Stands for the case's id in the link reversed once per page (no id looks like it).
_PK_PLACEHOLDER = "pk-placeholder"


def _escape(value) -> str:
    """Django's conditional_escape, without its check for lazy arguments on every call
    (a fifth of the rows' time): what is already safe HTML as it is, else escaped."""
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))
