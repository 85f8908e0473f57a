"""Issue 20, the member's own choices: newsletters by post turned on in the communication
preferences (and the date of the consent shown); equality monitoring answered, then deleted;
a complaint about how a case is handled (an empty one held back by the browser, nothing
sent); the case withdrawn with a reason. By mouse, keyboard only and on a 390 px phone."""

import pytest

from casework import services
from casework.models import Case, Complaint, Status
from portal.accounts.models import ConsentState, EqualityMonitoring
from tests.factories import PASSWORD, region

from .harness import KEYBOARD, MOUSE, PHONE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def fits_on_a_phone(you):
    if you.mode == PHONE:
        assert you.page.evaluate("document.documentElement.scrollWidth") <= 390


@pytest.mark.parametrize("mode", [MOUSE, KEYBOARD, PHONE])
def test_a_member_sets_preferences_equality_complains_and_withdraws(portal, mode):
    journey = portal.journey("j24-member-choices", mode)
    member = portal.member(region=region("london"), user__first_name="Ivy")
    case = services.case_submit(
        member=member,
        details=services.CaseDetails(
            category="pay",
            employer=member.membership.employer,
            what_happened="My pay rise was not applied.",
            desired_outcome="Back pay.",
        ),
    )
    you = portal.actor(journey, "member")
    you.log_in(member.email, PASSWORD)
    you.check("dashboard")

    # Communication preferences: newsletters by post, which nobody has by default.
    you.press("main a[href='/me/preferences/']")
    you.check("preferences")
    box = "#id_newsletter__post"
    assert not you.page.is_checked(box)
    assert you.page.is_checked("#id_consultations__email"), "consultation emails are on"
    you.choose(box)
    you.submit("main form[action='/me/preferences/'] button[type=submit]")
    assert you.path == "/me/preferences/"
    you.check("preferences-saved")
    assert "Your communication preferences are saved." in you.text()
    assert you.page.is_checked(box)
    hint = you.page.locator(f"{box} ~ .hint").inner_text()
    assert hint.startswith("Consent given"), hint
    state = ConsentState.objects.get(user=member, kind="newsletter", channel="post")
    assert state.granted
    assert not ConsentState.objects.filter(user=member, kind="campaign", granted=True).exists()
    fits_on_a_phone(you)

    # Equality monitoring: answered, saved, then deleted.
    you.goto("/me/")
    you.press("main a[href='/me/equality/']")
    you.check("equality")
    assert "Answering is optional" in you.text()
    assert not you.page.locator("button[name=delete]").count(), "nothing to delete yet"
    you.choose("input[name=ethnicity][value=mixed]")
    you.choose("input[name=disabled][value=undisclosed]")
    you.choose("input[name=networks][value=women]")
    you.submit("main form button[type=submit]:not([name=delete])")
    assert you.path == "/me/equality/"
    you.check("equality-saved")
    assert "Your equality monitoring answers are saved." in you.text()
    assert you.page.is_checked("input[name=ethnicity][value=mixed]")
    record = EqualityMonitoring.objects.get(user=member)
    assert (record.ethnicity, record.disabled, record.networks) == (
        "mixed",
        "undisclosed",
        ["women"],
    )
    fits_on_a_phone(you)
    you.submit("button[name=delete]")
    you.check("equality-deleted")
    assert "Your equality monitoring answers are deleted." in you.text()
    assert not EqualityMonitoring.objects.filter(user=member).exists()
    assert not you.page.is_checked("input[name=ethnicity][value=mixed]")

    # A complaint about how the case is handled: an empty one is refused first.
    you.goto(f"/cases/{case.reference}/", "case")
    # The browser itself holds back an empty one (the field is required): nothing is sent.
    you.press("details.complaint summary", navigates=False)
    you.submit("details.complaint button[type=submit]", navigates=False)
    assert you.path == f"/cases/{case.reference}/"
    assert you.page.evaluate("document.querySelector('#id_complaint').validity.valueMissing")
    assert not Complaint.objects.filter(case=case).exists()
    you.fill("#id_complaint", "Nobody has called me back in three weeks.")
    you.submit("details.complaint button[type=submit]")
    you.check("case-complained")
    text = you.text()
    assert "Your complaint is sent to a casework manager, who will contact you." in text
    assert "Your complaints about how your case is handled" in text
    complaint = Complaint.objects.get(case=case)
    assert complaint.body == "Nobody has called me back in three weeks."
    fits_on_a_phone(you)

    # The case withdrawn, with a reason.
    you.press("details.withdraw summary", navigates=False)
    you.fill("#id_reason", "My school has paid it now.")
    you.submit("details.withdraw button[type=submit]")
    you.check("case-withdrawn")
    text = you.text()
    assert "Your request is withdrawn. You can ask for help again at any time." in text
    assert not you.page.locator("details.withdraw").count(), "a closed case has no withdraw"
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert Case.objects.filter(member=member, status=Status.CLOSED).count() == 1
    fits_on_a_phone(you)
