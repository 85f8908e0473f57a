"""Journey 9, the member's own record (issue 14): the dashboard says a home address is
missing and why; adding one refuses a bad postcode and a bad mobile, then a UK address
without a postcode, each with an error summary that takes focus and nothing saved; then it
is saved and the notice goes. The membership card and its PDF. The data download: prepared,
then downloaded once after the password is asked again, a ZIP with the member's data. By
mouse, keyboard only and on a 390 px phone."""

import io
import json
import zipfile

import pytest

from portal.accounts.models import ContactDetails, ContactDetailsChange, DataExport
from tests.factories import PASSWORD

from .harness import KEYBOARD, PHONE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def focus_is_on_the_error_summary(you) -> None:
    assert you.page.evaluate("document.activeElement.matches('[data-error-summary]')"), (
        you.focused().get("describe")
    )
    assert "There is a problem" in you.text()


def download(you, selector: str):
    """Press a control that answers with a file (no new page): Enter by keyboard."""
    with you.page.expect_download() as info:
        if you.mode == KEYBOARD:
            you.tab_to(selector)
            you.page.keyboard.press("Enter")
        else:
            you.page.click(selector)
    return info.value


@pytest.mark.parametrize("mode", ["mouse", KEYBOARD, PHONE])
def test_a_member_adds_a_home_address_gets_the_card_and_downloads_their_data(portal, mode):
    journey = portal.journey("j9-record", mode)
    member = portal.member(user__first_name="Ifeoma", user__last_name="Nwosu")
    you = portal.actor(journey, "member")
    you.log_in(member.email, PASSWORD)
    assert you.path == "/me/"
    you.check("dashboard-no-address")
    assert "We have no home address for you" in you.text()
    assert "ballots on industrial action are sent by post" in you.text()

    you.press("#home-address-missing a[href='/me/contact/']")
    assert you.path == "/me/contact/"
    you.check("contact")
    you.fill("#id_address_line_1", "21 Chapel Street")
    you.fill("#id_town", "Leeds")
    you.fill("#id_postcode", "LS1 1XQZ")
    you.fill("#id_mobile", "12345")
    you.submit("main form button[type=submit]")
    you.check("contact-errors", status=400)
    focus_is_on_the_error_summary(you)
    text = you.text()
    assert "Postcode: Enter a real postcode, like SW1A 1AA." in text
    assert "Mobile number: Enter a mobile number" in text
    assert you.page.input_value("#id_address_line_1") == "21 Chapel Street", "answers kept"

    you.fill("#id_postcode", "")
    you.fill("#id_mobile", "07400 123456")
    you.submit("main form button[type=submit]")
    you.check("contact-errors-again", status=400)
    focus_is_on_the_error_summary(you)
    assert "every address in the UK has one" in you.text()
    assert not ContactDetails.objects.filter(user=member).exists(), "nothing saved"

    you.fill("#id_postcode", "ls1 5ab")
    you.submit("main form button[type=submit]")
    assert you.path == "/me/"
    you.check("dashboard-saved")
    assert "Your contact details are saved." in you.text()
    assert "We have no home address for you" not in you.text()
    record = ContactDetails.objects.get(user=member)
    assert (record.postcode, record.mobile) == ("LS1 5AB", "+447400123456")
    assert ContactDetailsChange.objects.filter(user=member, by_member=True).count() == 5

    you.press("main a[href='/me/card/']")
    you.check("card")
    text = you.text()
    assert "Ifeoma Nwosu" in text and member.membership.number in text
    assert "Valid until" in text and "31 August" in text
    pdf = you.page.request.get(you.url("/me/card/pdf/"))
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF-")

    you.goto("/me/")
    you.press("main a[href='/me/data/']")
    you.check("data-export")
    you.submit("main form button[type=submit]")
    assert you.path == "/me/data/"
    you.check("data-export-ready")
    assert "Your download is ready" in you.text()
    export = DataExport.objects.get(user=member)
    you.press(f"main a[href='/me/data/download/{export.key}/']")
    assert you.path.startswith("/accounts/reauthenticate/"), you.path
    you.check("reauthenticate")
    you.fill("#id_password", PASSWORD)
    file = download(you, "main form button[type=submit]")
    with zipfile.ZipFile(io.BytesIO(file.path().read_bytes())) as archive:
        data = json.loads(archive.read("my-member-data.json"))
    assert data["contact_details"]["postcode"] == "LS1 5AB"
    assert data["membership"]["number"] == member.membership.number

    you.goto("/me/data/")
    you.check("data-export-done")
    assert "Your download is ready" not in you.text()
    export.refresh_from_db()
    assert export.status == "downloaded"
    again = you.page.request.get(you.url(f"/me/data/download/{export.key}/"))
    assert again.status == 410
