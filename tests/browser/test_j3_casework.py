"""Journey 3 (and 8, 9 for it): a member asks for help with an attachment; an officer of
the member's region finds it in the admin queue and replies; the member reads the reply and
answers; the officer closes the case with an outcome. By mouse, by keyboard only and on a
phone."""

from pathlib import Path

import pytest

from casework.models import Case, Status
from portal.accounts.roles import Role
from tests.factories import PASSWORD, region

from .harness import KEYBOARD, MOUSE, PHONE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SAVE_AND_CONTINUE = "input[name=_continue]"


def assert_error_summary_has_focus(actor):
    focused = actor.focused()
    assert actor.page.evaluate("document.activeElement.matches('[data-error-summary]')"), (
        f"focus is on {focused.get('describe')}, not on the error summary"
    )
    assert focused["indicator"], "the focused error summary shows no focus indicator"


@pytest.mark.parametrize("mode", [MOUSE, KEYBOARD, PHONE])
def test_ask_for_help_reply_answer_and_close(portal, mode):
    journey = portal.journey("j3-case", mode)
    member = portal.member(region=region("london"), user__first_name="Ann", user__last_name="Lee")
    officer, secret = portal.officer(
        Role.CASEWORKER, regions=("london",), first_name="Lon", last_name="Don"
    )

    # The member asks for help, with a file.
    you = portal.actor(journey, "member")
    you.log_in(member.email, PASSWORD, prefix="member-")
    you.check("member-dashboard")
    you.press("nav a[href='/cases/']")
    you.check("cases-empty")
    assert "You have not asked for help yet" in you.text()
    you.press("main a[href='/cases/new/']")
    you.check("ask")
    you.submit("button[name=action][value=submit]")
    you.check("ask-errors", status=400)
    assert_error_summary_has_focus(you)
    you.select("#id_category", "Grievance")
    you.fill("#id_what_happened", "My line manager shouts at me in front of pupils.")
    you.fill("#id_desired_outcome", "It stops, and an apology.")
    if mode == PHONE:
        # The file button is large enough to hit with a thumb: the whole width, 48px high.
        box = you.page.locator("#id_attachments").bounding_box()
        assert box and box["width"] >= 390 - 2 * 16 - 2 and box["height"] >= 44, box
    you.fill_date("#id_problem_started_on", "2025-01-10")
    you.upload(
        "#id_attachments", [{"name": "diary.pdf", "mime": "application/pdf", "data": PDF_BYTES}]
    )
    you.submit("button[name=action][value=submit]")
    case = Case.objects.get(member=member)
    assert you.path == f"/cases/{case.reference}/sent/"
    you.check("ask-sent")
    assert case.reference in you.text()
    you.press(f"main a[href='/cases/{case.reference}/']")
    you.check("case-new")
    assert "diary.pdf" in you.text()

    # The officer of the region finds it in the queue and replies.
    staff = portal.actor(journey, "officer")
    staff.log_in(officer.email, PASSWORD, secret=secret, prefix="officer-")
    assert staff.path == "/admin/", "staff land in the admin after logging in"
    staff.check("admin-index")
    staff.press("#content-main a[href='/admin/casework/case/']")
    staff.check("admin-queue")
    staff.press("#content-main .queue-views a[href*='assigned=none']")
    staff.check("admin-queue-unassigned")
    assert case.reference in staff.page.inner_text("#result_list")
    staff.fill("#searchbar", case.reference)
    staff.submit("#changelist-search input[type=submit]")
    staff.check("admin-search")
    link = f"#result_list a[href*='/admin/casework/case/{case.pk}/change/']"
    assert staff.page.locator(link).count() == 1
    staff.press(link)
    staff.check("admin-case")
    assert "My line manager shouts at me" in staff.page.inner_text("#content-main")
    with staff.page.expect_download() as download:
        staff.press(
            f"#content-main a[href^='/admin/casework/case/{case.pk}/files/']", navigates=False
        )
    assert download.value.suggested_filename == "diary.pdf"
    assert Path(download.value.path()).read_bytes() == PDF_BYTES
    staff.select_value("#id_assign_to", str(officer.pk))
    staff.fill("#id_message", "I will help you.\nWhen did it start?")
    staff.choose("#id_await_reply")
    staff.submit(SAVE_AND_CONTINUE)
    staff.check("admin-case-replied")
    case.refresh_from_db()
    assert (case.assigned_to, case.status) == (officer, Status.WAITING_MEMBER)

    # The member reads the reply and answers.
    you.press("nav a[href='/cases/']")
    you.check("cases-waiting")
    assert "Waiting for you" in you.text()
    headers = you.page.locator("main table th").all_inner_texts()
    assert "Last update" in headers, headers
    if mode == PHONE:
        # The whole row, status included, fits the phone's screen: no scrolling the table.
        fits = "w => w.scrollWidth <= w.clientWidth"
        assert you.page.locator("main .table-wrap").evaluate(fits)
    you.press(f"main a[href='/cases/{case.reference}/']")
    you.check("case-with-reply")
    text = you.text()
    # The reply is announced at the top, newest first, in member words, line breaks kept.
    assert "New reply from Lon Don" in text
    assert "We are waiting for your reply" in text and "Waiting on member" not in text
    items = you.page.locator("ol.timeline > li").all_inner_texts()
    reply = next(i for i, t in enumerate(items) if "Lon Don wrote" in t)
    assert reply < next(i for i, t in enumerate(items) if "You sent your request" in t), items
    assert "I will help you.\nWhen did it start?" in items[reply], items[reply]
    assert "the officer handling your case" in text
    you.fill("#id_message", "In January,\nafter the inspection.")
    you.submit("main form:has(#id_message) button[type=submit]")
    you.check("case-answered")
    first = you.page.locator("ol.timeline > li").first.inner_text()
    assert "You wrote" in first and "In January,\nafter the inspection." in first, first
    assert "New reply" not in you.text()

    # The officer closes it with an outcome.
    staff.goto(f"/admin/casework/case/{case.pk}/change/")
    staff.check("admin-case-answered")
    assert "In January," in staff.page.inner_text("#content-main")
    staff.select("#id_new_status", "Closed")
    staff.select("#id_outcome", "Resolved")
    staff.fill("#id_outcome_note", "Informal resolution agreed with the head.")
    staff.submit(SAVE_AND_CONTINUE)
    staff.check("admin-case-closed")
    case.refresh_from_db()
    assert (case.status, case.outcome) == (Status.CLOSED, "resolved")

    you.page.reload()
    you.check("case-closed")
    text = you.text()
    assert "Resolved" in text
    assert "Informal resolution agreed with the head." in text
