"""Journey 8 (issue 21, issue 12 §6): an officer's side of a case. From "replies waiting"
on the admin home to the case; a saved reply chosen in the browser fills the reply; a reply
and an internal note, each with its own file; closing without an outcome is refused with
nothing saved and focus on the outcome; then saved; the member sees the reply and its file,
never the note or the note's file. At 1366×768 and on a 390×844 phone, with no sideways
scrolling; by mouse, keyboard only and on a phone."""

import pytest

from casework import services
from casework.models import Case, CaseAttachment, EventKind, SavedReply, Status
from portal.accounts.roles import Role
from tests.factories import PASSWORD, region

from .harness import KEYBOARD, MOUSE, OVERFLOW_JS, PHONE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SAVE_AND_CONTINUE = "input[name=_continue]"
DESKTOP = {"width": 1366, "height": 768}
SAVED_TITLE = "Acknowledge and ask for documents"


def pdf(name):
    return [{"name": name, "mime": "application/pdf", "data": PDF_BYTES}]


CUT_OFF_JS = """
() => [...document.querySelectorAll("#content-main :is(input, select, textarea)")]
  .filter(el => {
    if (el.offsetParent === null) { return false; }
    const box = el.closest("fieldset") || document.documentElement;
    const edge = Math.min(box.getBoundingClientRect().right, document.documentElement.clientWidth);
    return el.getBoundingClientRect().right > edge + 1;
  })
  .map(el => el.id || el.name)
"""


def no_sideways_scrolling(actor):
    """Nothing wider than the screen, and no field cut off at its right edge."""
    overflow = actor.page.evaluate(OVERFLOW_JS)
    assert overflow is None, f"{actor.path} is wider than the screen: {overflow}"
    cut_off = actor.page.evaluate(CUT_OFF_JS)
    assert not cut_off, f"{actor.path}: fields cut off on the right: {cut_off}"


@pytest.mark.parametrize("mode", [MOUSE, KEYBOARD, PHONE])
def test_officer_replies_and_notes_apart_and_a_refused_close_keeps_nothing(portal, mode):
    journey = portal.journey("j8-case-screen", mode)
    member = portal.member(region=region("london"), user__first_name="Ann", user__last_name="Lee")
    officer, secret = portal.officer(
        Role.CASEWORKER, regions=("london",), first_name="Lon", last_name="Don"
    )
    case = services.case_submit(
        member=member,
        details=services.CaseDetails(
            category="grievance",
            employer=member.membership.employer,
            what_happened="My line manager shouts at me in front of pupils.",
            desired_outcome="It stops.",
        ),
    )
    services.case_assign(case=case, officer=officer, by=officer)
    services.case_officer_message(case=case, by=officer, body="When did it start?")
    services.case_member_reply(case=case, member=member, body="In January.")
    saved = SavedReply.objects.get(title=SAVED_TITLE)
    status_before = Case.objects.get(pk=case.pk).status

    staff = portal.actor(journey, "officer")
    if mode != PHONE:
        staff.page.set_viewport_size(DESKTOP)
    staff.log_in(officer.email, PASSWORD, secret=secret, prefix="officer-")
    staff.check("admin-index")
    work = staff.page.inner_text("#my-work-heading + ul")
    assert "Replies waiting" in work
    staff.press("#content-main a[href*='flag=replied']")
    staff.check("admin-queue-replied")
    link = f"#result_list a[href*='/admin/casework/case/{case.pk}/change/']"
    assert staff.page.locator(link).count() == 1
    staff.press(link)
    staff.check("admin-case")
    no_sideways_scrolling(staff)
    reply = staff.page.locator("fieldset.case-reply")
    note = staff.page.locator("fieldset.case-note")
    assert "Reply to the member" in reply.inner_text()
    assert "only officers see this" in note.inner_text()
    assert reply.evaluate("e => getComputedStyle(e).backgroundColor") != note.evaluate(
        "e => getComputedStyle(e).backgroundColor"
    ), "the internal note is tinted apart from the reply"

    # Choosing a saved reply fills the reply, in the browser (not the no-JavaScript
    # fallback, which answers with an error page first).
    staff.select("#id_saved_reply", SAVED_TITLE)
    assert staff.page.input_value("#id_message") == saved.body
    staff.upload("#id_message_files", pdf("letter-for-member.pdf"))
    staff.fill("#id_note", "Internal: the head's solicitor called me.")
    staff.upload("#id_note_files", pdf("internal-memo.pdf"))
    staff.select("#id_new_status", "Closed")
    staff.submit(SAVE_AND_CONTINUE)

    # Refused: closing needs an outcome. Nothing is saved, the error is at the field and
    # the field has focus.
    staff.check("admin-case-refused")
    no_sideways_scrolling(staff)
    text = staff.page.inner_text("#content-main")
    assert services.OUTCOME_REQUIRED in staff.page.inner_text(".form-row.field-outcome")
    assert "changed successfully" not in staff.page.inner_text("body")
    assert staff.page.evaluate("document.activeElement.id") == "id_outcome"
    assert staff.page.input_value("#id_message") == saved.body, "the reply is kept"
    assert "Internal: the head's solicitor called me." in staff.page.input_value("#id_note")
    case.refresh_from_db()
    assert case.status == status_before != Status.CLOSED
    assert not case.events.filter(kind=EventKind.NOTE).exists()
    assert case.events.filter(kind=EventKind.OFFICER_MESSAGE).count() == 1
    assert not CaseAttachment.objects.filter(case=case).exists()
    assert "Internal: the head" not in text.split("Timeline")[-1].split("Assignment")[0]

    # Corrected: the files are chosen again (a browser never keeps them) and it is saved.
    staff.select("#id_outcome", "Resolved")
    staff.upload("#id_message_files", pdf("letter-for-member.pdf"))
    staff.upload("#id_note_files", pdf("internal-memo.pdf"))
    staff.submit(SAVE_AND_CONTINUE)
    staff.check("admin-case-saved")
    assert "changed successfully" in staff.page.inner_text("body")
    case = Case.objects.get(pk=case.pk)
    assert (case.status, case.outcome) == (Status.CLOSED, "resolved")
    shared = {a.name: a.shared_with_member for a in CaseAttachment.objects.filter(case=case)}
    assert shared == {"letter-for-member.pdf": True, "internal-memo.pdf": False}
    timeline = staff.page.inner_text(".case-timeline")
    assert "only officers see this" in timeline

    # The member reads the reply and its file; the note and its file never reach them.
    you = portal.actor(journey, "member")
    if mode != PHONE:
        you.page.set_viewport_size(DESKTOP)
    you.log_in(member.email, PASSWORD, prefix="member-")
    you.goto(f"/cases/{case.reference}/", "case-closed")
    page = you.text()
    assert "Please send me any letters" in page
    assert "letter-for-member.pdf" in page
    assert "internal-memo.pdf" not in page
    assert "solicitor" not in page
