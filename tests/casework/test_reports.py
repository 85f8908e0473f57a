"""The casework service reports: figures on a known data set, who sees what, CSV, bad
input, and a query count that does not grow with the number of cases."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casework import reports, services
from casework.access import cases_visible_to
from casework.admin_reports import BAD_MONTH, FROM_AFTER_TO, NOT_A_FORMAT, TOO_LONG
from casework.models import Case, Status
from portal.accounts.roles import Role
from tests.factories import MembershipFactory, region, staff_user

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 6, 15, 12, 0, tzinfo=LONDON)
URL = "/admin/casework/reports/"


def make_case(member, *, submitted, answered_days=None, closed_days=None, **fields):
    """A submitted case whose dates are set as given (days after submission)."""
    case = services.case_submit(
        member=member,
        details=services.CaseDetails(
            category=fields.pop("category", "pay"),
            employer=member.membership.employer,
            what_happened="SECRET-NARRATIVE",
            desired_outcome="Advice",
        ),
    )
    update = {"submitted_at": submitted, "created_at": submitted, **fields}
    if answered_days is not None:
        update["first_response_at"] = submitted + timedelta(days=answered_days)
    if closed_days is not None:
        update.update(
            status=Status.CLOSED,
            closed_at=submitted + timedelta(days=closed_days),
            outcome=fields.get("outcome", "resolved"),
        )
    elif "status" not in fields:
        update["status"] = Status.IN_PROGRESS
    Case.objects.filter(pk=case.pk).update(**update)
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def known(people):
    """Six London cases in May 2026 and one Welsh, with known answers and closings."""
    member, welsh, officer = people["member"], people["welsh"], people["cw_london"]
    may = datetime(2026, 5, 4, 9, 0, tzinfo=LONDON)
    # answered after 1, 2, 3, 4, 10 days; closed after 5, 10, 20 days
    cases = [
        make_case(member, submitted=may, answered_days=1, closed_days=5, assigned_to=officer),
        make_case(member, submitted=may, answered_days=2, closed_days=10, assigned_to=officer),
        make_case(
            member,
            submitted=may,
            answered_days=3,
            closed_days=20,
            assigned_to=officer,
            outcome="withdrawn",
        ),
        make_case(member, submitted=may, answered_days=4, assigned_to=officer),
        make_case(member, submitted=may, answered_days=10, assigned_to=officer),
        # not answered yet, open 40 days at NOW
        make_case(member, submitted=NOW - timedelta(days=40), category="discipline"),
        # Wales: answered after 6 days, open, about 3 days old at NOW
        make_case(welsh, submitted=NOW - timedelta(days=3), answered_days=6),
    ]
    return cases


def report_for(user, **kwargs):
    period = reports.Period(first=date(2026, 1, 1), last=date(2026, 6, 1))
    return reports.casework_report(
        cases_visible_to(user), user=user, period=period, now=NOW, **kwargs
    )


def test_time_to_first_response_and_to_close_median_and_90th_percentile(people, known):
    report = report_for(people["manager"])
    # answered: 1, 2, 3, 4, 10 (May) and 6 (Wales, June)
    assert report.response.n == 6
    assert report.response.median == 3.5
    assert report.response.p90 == 8.0  # 6 + 0.5 * (10 - 6)
    assert report.close.n == 3
    assert report.close.median == 10.0
    assert report.close.p90 == 18.0
    may = report.response_by_month[4]
    assert may.label == "May 2026" and may.n == 5 and may.median == 3.0
    assert report.close_by_month[4].n == 3  # closed 9, 14 and 24 May
    assert sum(r.n for r in report.close_by_month) == 3


def test_open_cases_by_age_band_and_outcomes(people, known):
    report = report_for(people["manager"])
    # open: two May cases (~42 days), one 40 days, one 3 days
    assert report.age.counts == {"0–7 days": 1, "8–30 days": 0, "31–90 days": 3, "over 90": 0}
    assert report.outcomes.counts["resolved"] == 2
    assert report.outcomes.counts["withdrawn"] == 1
    by_category = {r.label: r for r in report.breakdowns["category"]["age"]}
    assert by_category["Discipline"].n == 1
    by_region = {r.label: r for r in report.breakdowns["region"]["response"]}
    assert by_region["London"].n == 5 and by_region["Wales"].n == 1


def test_by_officer_names_for_managers_only(people, known):
    manager_view = report_for(people["manager"])
    labels = {r.label for r in manager_view.breakdowns["officer"]["response"]}
    assert "Lon Don" in labels and reports.NO_OFFICER in labels


def test_anonymised_cases_after_retention_are_counted(people, known):
    old = known[0]
    Case.objects.filter(pk=old.pk).update(
        closed_at=NOW - timedelta(days=40), submitted_at=NOW - timedelta(days=50)
    )
    services.cases_apply_retention(now=NOW + timedelta(days=365 * 7))
    old.refresh_from_db()
    assert old.member_id is None and old.personal_content_removed_at is not None
    report = report_for(people["manager"])
    assert report.anonymised >= 1
    assert report.close.n == 3  # still counted
    labels = {r.label for r in report.breakdowns["officer"]["close"]}
    assert reports.NO_OFFICER in labels


def test_a_caseworker_sees_only_their_cases_with_small_groups_hidden(people, known):
    cw = people["cw_london"]
    cw.user_permissions.add(_reports_permission())
    cw = type(cw).objects.get(pk=cw.pk)
    report = report_for(cw)
    assert report.response.n == 5  # London only: the Welsh case is not theirs
    by_region = {r.label: r for r in report.breakdowns["region"]["close"]}
    assert by_region["London"].suppressed  # 3 closed: fewer than 5
    assert by_region["London"].n == 0 and by_region["London"].median is None
    officers = {r.label: r for r in report.breakdowns["officer"]["response"]}
    assert "You" in officers and "Lon Don" not in officers
    assert not officers["You"].suppressed  # 5 cases
    # categories are not withheld
    assert not any(r.suppressed for r in report.breakdowns["category"]["close"])


def _reports_permission():
    from django.contrib.auth.models import Permission

    return Permission.objects.get(codename="view_casework_reports")


def test_the_page_needs_the_permission_and_shows_charts_and_tables(client, people, known):
    client.force_login(people["cw_london"])
    assert client.get(URL).status_code == 403
    client.force_login(people["manager"])
    page = client.get(URL, {"from": "2026-01", "to": "2026-06"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Time to first response" in html and "Time to close" in html
    assert html.count('role="img"') == 4 and "<title id=" in html and "<desc id=" in html
    assert "<table>" in html and "May 2026" in html
    assert "SECRET-NARRATIVE" not in html
    member = people["member"]
    assert member.get_full_name() not in html and member.email not in html


def test_a_caseworker_with_the_permission_gets_a_scoped_page(client, people, known):
    cw = people["cw_london"]
    cw.user_permissions.add(_reports_permission())
    client.force_login(cw)
    page = client.get(URL, {"from": "2026-01", "to": "2026-06"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Wales" not in html
    assert f'<td colspan="3">{reports.SMALL_CELL_WORDS}</td>' in html


def test_csv_has_the_figures_and_never_a_members_name(client, people, known):
    client.force_login(people["manager"])
    response = client.get(URL, {"from": "2026-01", "to": "2026-06", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    header = rows[0]
    assert header[:7] == [
        "measure",
        "breakdown",
        "group",
        "month",
        "cases",
        "median days",
        "90th percentile days",
    ]
    overall = [r for r in rows if r[0] == "time to first response" and r[1] == "all"][0]
    assert overall[4:7] == ["6", "3.5", "8.0"]
    assert any(r[1] == "officer" and r[2] == "Lon Don" for r in rows)
    assert any(r[1] == "region by month" and r[3] == "2026-05" for r in rows)
    text = response.content.decode()
    for member in (people["member"], people["welsh"]):
        assert member.get_full_name() not in text and member.email not in text
    assert "SECRET-NARRATIVE" not in text


def test_csv_for_a_caseworker_has_no_officer_names(client, people, known):
    cw = people["cw_london"]
    cw.user_permissions.add(_reports_permission())
    client.force_login(cw)
    text = client.get(URL, {"format": "csv", "from": "2026-01", "to": "2026-06"}).content
    text = text.decode()
    assert "Lon Don" not in text and ",You," in text
    assert reports.SMALL_CELL_WORDS in text


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "2026-13"}, BAD_MONTH),
        ({"from": "June"}, BAD_MONTH),
        ({"to": "2026-6"}, BAD_MONTH),
        ({"from": "1999-01"}, BAD_MONTH),
        ({"from": "2026-06", "to": "2026-01"}, FROM_AFTER_TO),
        ({"from": "2020-01", "to": "2026-01"}, TOO_LONG),
        ({"format": "xlsx"}, NOT_A_FORMAT),
        ({"from": "'; DROP TABLE casework_case; --"}, None),
    ],
)
def test_bad_parameters_are_a_400_with_the_reason(client, people, params, message):
    client.force_login(people["manager"])
    response = client.get(URL, params)
    assert response.status_code == 400
    if message:
        assert message in response.content.decode()
    assert Case.objects.count() >= 0


def test_the_default_period_is_the_last_twelve_months():
    period = reports.default_period(date(2026, 6, 15))
    assert period.first == date(2025, 7, 1)
    assert period.last == date(2026, 6, 1)
    assert len(period.months) == 12


def test_the_query_count_does_not_grow_with_the_cases(client, people):
    client.force_login(people["manager"])
    member = people["member"]
    other = MembershipFactory(region=region("wales"))
    officer, _ = staff_user(Role.CASEWORKER, first_name="Extra", last_name="Officer")
    start = timezone.now() - timedelta(days=60)
    make_case(
        member, submitted=start, answered_days=1, closed_days=3, assigned_to=people["cw_london"]
    )
    client.get(URL)  # warm caches (permissions, content types)
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL).status_code == 200
    for i in range(12):
        make_case(
            other.user if i % 2 else member,
            submitted=start + timedelta(days=i),
            answered_days=i % 3,
            closed_days=5 + i if i % 3 else None,
            assigned_to=officer if i % 2 else people["cw_london"],
            category=["pay", "discipline", "grievance"][i % 3],
        )
    with CaptureQueriesContext(connection) as many:
        assert client.get(URL).status_code == 200
    assert len(many) == len(few)


def test_the_first_response_is_the_first_answer_or_move_on_from_new(people, submit):
    officer, member = people["cw_london"], people["member"]
    written = submit(member)
    assert written.first_response_at is None
    services.case_officer_message(case=written, by=officer, body="Hello")
    written.refresh_from_db()
    first = written.first_response_at
    assert first is not None
    services.case_officer_message(case=written, by=officer, body="Again")
    written.refresh_from_db()
    assert written.first_response_at == first  # set once, never moved
    taken = submit(member)
    services.case_assign(case=taken, officer=officer, by=officer)
    taken.refresh_from_db()
    assert taken.first_response_at is not None
    noted = submit(member)
    services.case_internal_note(case=noted, by=officer, body="A note is not an answer")
    noted.refresh_from_db()
    assert noted.first_response_at is None


def test_the_migration_backfills_the_first_response_from_the_timeline(people, submit):
    import importlib

    from django.apps import apps
    from django.db import connection

    officer, member = people["cw_london"], people["member"]
    case = submit(member)
    services.case_assign(case=case, officer=officer, by=officer)
    services.case_officer_message(case=case, by=officer, body="Hello")
    assigned = case.events.get(kind="assigned").created_at
    untouched = submit(member)
    Case.objects.update(first_response_at=None)
    migration = importlib.import_module("casework.migrations.0010_complaints")
    with connection.schema_editor() as editor:
        migration.backfill(apps, editor)
    case.refresh_from_db()
    untouched.refresh_from_db()
    assert case.first_response_at == assigned
    assert untouched.first_response_at is None


def test_sqlite_takes_the_same_continuous_percentiles_as_postgresql():
    """`make run` (SQLite) has no PERCENTILE_CONT: the figures are taken in Python the
    way PostgreSQL takes them."""
    from casework.reports import _percentile_cont

    assert _percentile_cont([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert round(_percentile_cont([1.0, 2.0, 3.0, 4.0], 0.9), 6) == 3.7
    assert _percentile_cont([5.0], 0.9) == 5.0
