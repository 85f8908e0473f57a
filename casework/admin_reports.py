"""The service reports page in the admin (/admin/casework/reports/): a period form, the
figures of casework.reports over the cases the officer may see, SVG charts with their
tables, and the same figures as CSV."""

from __future__ import annotations

import csv
import re
from datetime import date

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from . import access, reports
from .charts import bar_chart
from .models import Outcome

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
BAD_MONTH = "Give a month as YYYY-MM, for example 2026-01."
FROM_AFTER_TO = "The first month must not be after the last."
TOO_LONG = "Choose at most 36 months."
NOT_A_FORMAT = "Choose the page or CSV."
MAX_MONTHS = 36


def _month(value: str) -> date:
    match = MONTH.match(value.strip())
    if not match:
        raise forms.ValidationError(BAD_MONTH)
    year, month = int(match[1]), int(match[2])
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise forms.ValidationError(BAD_MONTH)
    return date(year, month, 1)


class ReportPeriodForm(forms.Form):
    """?from=YYYY-MM&to=YYYY-MM (both optional: the last 12 months) and ?format=csv."""

    def __init__(self, data, *, today: date):
        super().__init__(data)
        default = reports.default_period(today)
        self.default = default
        self.fields["from"] = forms.CharField(
            required=False, label="From month", help_text="YYYY-MM", max_length=7
        )
        self.fields["to"] = forms.CharField(
            required=False, label="To month", help_text="YYYY-MM", max_length=7
        )
        self.fields["format"] = forms.ChoiceField(
            required=False, choices=[("", "Page"), ("html", "Page"), ("csv", "CSV")]
        )
        self.fields["format"].error_messages["invalid_choice"] = NOT_A_FORMAT

    def clean_from(self):
        value = self.cleaned_data.get("from") or ""
        return _month(value) if value else self.default.first

    def clean_to(self):
        value = self.cleaned_data.get("to") or ""
        return _month(value) if value else self.default.last

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("from"), cleaned.get("to")
        if first and last:
            if first > last:
                raise forms.ValidationError(FROM_AFTER_TO)
            if (last.year - first.year) * 12 + last.month - first.month + 1 > MAX_MONTHS:
                raise forms.ValidationError(TOO_LONG)
        return cleaned

    def period(self) -> reports.Period:
        return reports.Period(first=self.cleaned_data["from"], last=self.cleaned_data["to"])


def _charts(report: reports.Report) -> dict:
    months = report.period.months
    return {
        "response": bar_chart(
            chart_id="chart-response",
            title="Time to first response, median days, by month of submission",
            desc="Median days from a case's submission to the officer's first response, "
            "for each month of the period. The table beside the chart gives the numbers.",
            bars=[
                (f"{m:%b %y}", r.median)
                for m, r in zip(months, report.response_by_month, strict=True)
            ],
        ),
        "close": bar_chart(
            chart_id="chart-close",
            title="Time to close, median days, by month of closing",
            desc="Median days from submission to closing, for the cases closed in each month. "
            "The table beside the chart gives the numbers.",
            bars=[
                (f"{m:%b %y}", r.median) for m, r in zip(months, report.close_by_month, strict=True)
            ],
        ),
        "age": bar_chart(
            chart_id="chart-age",
            title="Open cases by age",
            desc="How many cases are open now, by days since submission. The table beside the "
            "chart gives the numbers.",
            bars=[(label, report.age.counts.get(label, 0)) for label, _, _ in reports.AGE_BANDS],
        ),
        "outcomes": bar_chart(
            chart_id="chart-outcomes",
            title="Outcomes of the cases closed in the period",
            desc="How many cases closed in the period with each outcome. The table beside the "
            "chart gives the numbers.",
            bars=[(Outcome(o).label, report.outcomes.counts.get(o, 0)) for o in Outcome.values],
        ),
    }


def reports_view(request, admin_site):
    user = request.user
    if not (access.is_case_officer(user) and user.has_perm("casework.view_casework_reports")):
        raise PermissionDenied
    form = ReportPeriodForm(request.GET, today=timezone.localdate())
    if not form.is_valid():
        context = {
            **admin_site.each_context(request),
            "title": "Casework service reports",
            "form": form,
            "report": None,
        }
        return TemplateResponse(request, "admin/casework/reports.html", context, status=400)
    period = form.period()
    csv_wanted = form.cleaned_data.get("format") == "csv"
    report = reports.casework_report(
        access.cases_visible_to(user), user=user, period=period, monthly_breakdowns=csv_wanted
    )
    if csv_wanted:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="casework-report-{period.first:%Y-%m}-{period.last:%Y-%m}.csv"'
        )
        writer = csv.writer(response)
        for row in reports.report_csv_rows(report):
            writer.writerow(row)
        return response
    query = f"?from={period.first:%Y-%m}&to={period.last:%Y-%m}"
    context = {
        **admin_site.each_context(request),
        "title": "Casework service reports",
        "form": form,
        "report": report,
        "charts": _charts(report),
        "months": list(
            zip(
                report.period.months,
                report.response_by_month,
                report.close_by_month,
                report.outcomes_by_month,
                strict=True,
            )
        ),
        "outcome_labels": [(o, Outcome(o).label) for o in Outcome.values],
        "age_labels": [label for label, _, _ in reports.AGE_BANDS],
        "dimensions": [
            (name, reports.DIMENSION_TITLES[name], report.breakdowns[name])
            for name in reports.DIMENSIONS
        ],
        "small_cell": reports.SMALL_CELL_WORDS,
        "csv_url": reverse("admin:casework_reports") + query + "&format=csv",
    }
    return TemplateResponse(request, "admin/casework/reports.html", context)
