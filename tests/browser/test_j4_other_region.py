"""Journey 4: a caseworker of another region tries to reach a case by every route a browser
offers (its URL, its history, its bundle, the admin's search and list, the file link, the
member's own page and file link): each answers as if the case did not exist. By mouse,
keyboard only and on a 390 px phone."""

import hashlib
from datetime import date

import pytest

from casework import services
from casework.files import CheckedFile
from portal.accounts.roles import Role
from tests.factories import PASSWORD, region

from .harness import KEYBOARD, MOUSE, PHONE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def submit_case(member, what: str, file_name: str):
    data = f"Notes for {what}\n".encode()
    checked = CheckedFile(
        name=file_name,
        content_type="text/plain",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
    )
    return services.case_submit(
        member=member,
        details=services.CaseDetails(
            category="grievance",
            employer=member.membership.employer,
            what_happened=what,
            desired_outcome="Help",
            problem_started_on=date(2025, 1, 10),
            files=[checked],
        ),
    )


@pytest.mark.parametrize("mode", [MOUSE, KEYBOARD, PHONE])
def test_a_caseworker_of_another_region_finds_nothing(portal, mode):
    journey = portal.journey("j4-other-region", mode)
    london_member = portal.member(region=region("london"))
    welsh_member = portal.member(region=region("wales"), workplace_postcode="CF10 4UW")
    case = submit_case(london_member, "London grievance: SECRET-LONDON", "london-notes.txt")
    welsh_case = submit_case(welsh_member, "Welsh grievance", "welsh-notes.txt")
    attachment = case.attachments.get()
    officer, secret = portal.officer(Role.CASEWORKER, regions=("wales",))

    staff = portal.actor(journey, "officer of Wales")
    staff.log_in(officer.email, PASSWORD, secret=secret, prefix="officer-")
    staff.check("admin-index")
    staff.press("#content-main a[href='/admin/casework/case/']")
    staff.check("admin-queue")
    queue = staff.page.inner_text("#changelist")
    assert welsh_case.reference in queue, "the officer's own region is in the queue"
    assert case.reference not in queue

    # A whole reference of the officer's own region opens that case; London's finds nothing.
    staff.fill("#searchbar", welsh_case.reference)
    staff.submit("#changelist-search input[type=submit]")
    staff.check("admin-search-own-region")
    assert staff.path == f"/admin/casework/case/{welsh_case.pk}/change/"
    assert welsh_case.reference in staff.page.inner_text("body")
    staff.goto("/admin/casework/case/")
    staff.fill("#searchbar", case.reference)
    staff.submit("#changelist-search input[type=submit]")
    staff.check("admin-search")
    assert staff.page.locator("#result_list").count() == 0, "no row for the London case"
    assert staff.page.locator(f"a[href*='/casework/case/{case.pk}/']").count() == 0
    assert "SECRET-LONDON" not in staff.page.inner_text("body")

    admin_case = f"/admin/casework/case/{case.pk}"
    for path, name in [
        (f"{admin_case}/change/", "case-url-404"),
        (f"{admin_case}/history/", "case-history-404"),
        (f"{admin_case}/bundle/", "case-bundle-404"),
        (f"{admin_case}/files/{attachment.pk}/", "case-file-404"),
        (f"/cases/{case.reference}/", "member-case-404"),
        (f"/cases/{case.reference}/files/{attachment.pk}/", "member-file-404"),
    ]:
        staff.goto(path, name, status=404)
        text = staff.page.inner_text("body")
        assert "SECRET-LONDON" not in text
        assert "london-notes.txt" not in text
