"""The retention report: counts by month, section, region and reason, never a small number,
never a figure that can be differenced to one person."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from membership import reports, services
from portal.accounts.choices import JobRole, MembershipStatus, Section
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("count", "shown"),
    [
        (0, "0"),
        (1, "fewer than 5"),
        (4, "fewer than 5"),
        (5, "5"),
        (7, "5"),
        (8, "10"),
        (12, "10"),
        (13, "15"),
    ],
)
def test_small_numbers_are_suppressed_and_the_rest_rounded(count, shown):
    assert reports.shown(count) == shown


@override_settings(MEMBERSHIP_RESIGNATION_NOTICE_DAYS=0)
def test_the_report_counts_joiners_leavers_and_lapses_and_never_shows_one_person(client, officer):
    today = timezone.localdate()
    joiners = [MembershipFactory(joined_on=today) for _ in range(7)]
    for m in joiners[:6]:
        services.membership_resign(actor=m.user, membership=m, reason="cost")
    lapsed = MembershipFactory(joined_on=today - timedelta(days=800))
    lapsed.status = MembershipStatus.LAPSED
    lapsed.save(update_fields=["status"])  # recorded by the database's trigger
    report = reports.retention_report(months=12, today=today)
    rows = dict(report.by_month.rows)
    assert rows["Joiners"][-1] == "5"  # 7, rounded
    assert rows["Leavers"][-1] == "5"  # 6, rounded
    assert rows["Lapses"][-1] == "fewer than 5"
    reason = dict(report.tables[-1].rows)
    assert reason["The cost"] == ["5"]
    every = [v for _l, values in report.by_month.rows for v in values]
    every += [v for t in report.tables for _l, values in t.rows for v in values]
    assert not {"1", "2", "3", "4", "6", "7"} & set(every)
    assert all(bar["h"] == 0 for bar in report.chart["bars"] if bar["series"] == "lapses")

    client.force_login(officer)
    page = client.get("/admin/membership/membershipchange/retention/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "fewer than 5" in text and "<svg" in text and "rounded to the nearest 5" in text


def test_promoted_into_leadership_without_moving_section_is_listed():
    odd = MembershipFactory(job_role=JobRole.HEADTEACHER)
    odd.section = Section.TEACHERS  # as an import that skipped the rule leaves it
    odd.save(update_fields=["section"])
    MembershipFactory(job_role=JobRole.HEADTEACHER)
    assert reports.promoted_without_moving_section() == [odd]


def test_only_those_with_the_permission_see_the_report(client):
    from portal.accounts.roles import Role
    from tests.factories import staff_user

    for role, status in ((Role.RETENTION_OFFICER, 200), (Role.CASEWORKER, 403)):
        user, _ = staff_user(role)
        client.force_login(user)
        assert client.get("/admin/membership/membershipchange/retention/").status_code == status
