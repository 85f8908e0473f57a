"""Issue 20, the officer's side of a sensitive case: a casework manager restricts a case to
the officer on it by name in the admin case screen and downloads the case bundle (a PDF), then
opens the manager's summary (the reports page) and downloads its figures as CSV;
another caseworker of the same region then gets "not found" for the case, while the named
officer still opens it. By mouse, keyboard only and at a 390 px phone width."""

import csv

import pytest

from casework import services
from casework.models import Case
from portal.accounts.roles import Role
from tests.factories import PASSWORD, region

from .harness import KEYBOARD, MOUSE, PHONE
from .test_j9_member_record import download

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SAVE_AND_CONTINUE = "input[name=_continue]"


@pytest.mark.parametrize("mode", [MOUSE, KEYBOARD, PHONE])
def test_a_manager_restricts_a_case_and_another_officer_loses_it(portal, mode):
    journey = portal.journey("j24-officer-case", mode)
    member = portal.member(region=region("london"), user__first_name="Ned")
    named, named_secret = portal.officer(
        Role.CASEWORKER, regions=("london",), first_name="Lon", last_name="Don"
    )
    other, other_secret = portal.officer(
        Role.CASEWORKER, regions=("london",), first_name="Kit", last_name="Vale"
    )
    manager, secret = portal.officer(Role.CASEWORK_MANAGER, first_name="Mia", last_name="Grey")
    case = services.case_submit(
        member=member,
        details=services.CaseDetails(
            category="discipline",
            employer=member.membership.employer,
            what_happened="The head has accused me of misconduct.",
            desired_outcome="Representation at the hearing.",
        ),
    )
    services.case_assign(case=case, officer=named, by=manager)
    change = f"/admin/casework/case/{case.pk}/change/"

    staff = portal.actor(journey, "manager")
    staff.log_in(manager.email, PASSWORD, secret=secret, prefix="manager-")
    staff.goto(change, "admin-case")
    box = f"input[name=restrict_to][value='{named.pk}']"
    assert not staff.page.is_checked(box)
    staff.choose(box)
    staff.submit(SAVE_AND_CONTINUE)
    staff.check("admin-case-restricted")
    assert "changed successfully" in staff.page.inner_text("body")
    assert staff.page.is_checked(box)
    case = Case.objects.get(pk=case.pk)
    assert case.restricted
    assert list(case.restricted_to.all()) == [named]
    assert "Restricted to Lon Don" in staff.page.inner_text(".case-timeline")

    bundle = download(staff, f"a[href='/admin/casework/case/{case.pk}/bundle/']")
    assert bundle.suggested_filename == f"{case.reference}-bundle.pdf"
    with open(bundle.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"

    # The manager's summary: the reports page and its figures as CSV, naming nobody.
    staff.goto("/admin/casework/case/summary/")
    assert staff.path.startswith("/admin/casework/reports/"), staff.path
    staff.check("admin-reports")
    figures = download(staff, "a[href*='format=csv']")
    assert figures.suggested_filename.startswith("casework-report-")
    with open(figures.path(), encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:5] == ["measure", "breakdown", "group", "month", "cases"]
    assert len(rows) > 1
    flat = "\n".join(",".join(row) for row in rows)
    assert member.email not in flat and "Ned" not in flat

    # Another caseworker of the region: not found, and not in the queue.
    colleague = portal.actor(journey, "colleague")
    colleague.log_in(other.email, PASSWORD, secret=other_secret, prefix="colleague-")
    colleague.goto(change, "admin-case-not-found", status=404)
    colleague.goto(f"/admin/casework/case/?q={case.reference}", "admin-queue-without")
    assert case.reference not in colleague.page.inner_text("#content-main")

    # The named officer still has it.
    officer = portal.actor(journey, "officer")
    officer.log_in(named.email, PASSWORD, secret=named_secret, prefix="officer-")
    officer.goto(change, "admin-case-named")
    assert case.reference in officer.page.inner_text("#content-main")
