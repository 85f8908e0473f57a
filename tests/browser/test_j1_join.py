"""Journey 1 (and 8, 9 for it): a visitor joins, verifies the address from the email the
portal sends, logs in and sees the dashboard with the right section and fee band, by mouse,
by keyboard only and on a phone."""

import re

import pytest

from portal.accounts.models import Membership

from .harness import KEYBOARD, MOUSE, PHONE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "a-long-enough-passphrase-7"


def confirmation_path(message) -> str:
    found = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", message.body)
    assert found, message.body
    return found.group(1)


@pytest.mark.parametrize("mode", [MOUSE, KEYBOARD, PHONE])
def test_a_visitor_joins_verifies_and_sees_section_and_fee_band(portal, mode):
    journey = portal.journey("j1-join", mode)
    visitor = portal.actor(journey, "visitor")
    email = f"ann.lee.{mode}@example.org"

    visitor.goto("/", "home")
    if mode == KEYBOARD:
        # The first Tab reaches the skip link, which shows itself.
        visitor.page.keyboard.press("Tab")
        first = visitor.focused()
        assert "Skip to main content" in first["describe"], first
        assert first["onScreen"] and first["indicator"], first
    visitor.press("main a[href='/join/']")
    assert visitor.path == "/join/"
    visitor.check("join")

    # Sending the empty form: the error summary is read first, because it has focus.
    visitor.submit("main form button[type=submit]")
    visitor.check("join-errors", status=400)
    focused = visitor.focused()
    assert visitor.page.evaluate("document.activeElement.matches('[data-error-summary]')"), (
        f"focus is on {focused.get('describe')}, not on the error summary"
    )
    assert focused["indicator"], "the focused error summary shows no focus indicator"
    assert "There is a problem" in visitor.text()

    # A short, all-digit password typed differently twice: every problem is told at once,
    # and everything else typed is kept.
    visitor.fill("#id_first_name", "Ann")
    visitor.fill("#id_last_name", "Lee")
    visitor.fill("#id_email", email)
    visitor.fill("#id_password1", "12345")
    visitor.fill("#id_password2", "54321")
    visitor.fill("#id_employer", "Riverside Primary School")
    visitor.select("#id_job_role", "Headteacher/Principal")
    visitor.choose("#id_hours_0")
    visitor.fill("#id_workplace_postcode", "N1 9GU")
    assert visitor.page.locator("#id_nation").count() == 0, "the region says the nation"
    visitor.select("#id_region", "London")
    visitor.submit("main form button[type=submit]")
    visitor.check("join-password-errors", status=400)
    summary = visitor.page.inner_text("[data-error-summary]")
    assert "too short" in summary and "entirely numeric" in summary, summary
    assert "The two passwords are not the same." in summary, summary
    assert visitor.page.input_value("#id_first_name") == "Ann"
    assert visitor.page.input_value("#id_employer") == "Riverside Primary School"
    assert visitor.page.input_value("#id_password1") == ""
    visitor.fill("#id_password1", PASSWORD)
    visitor.fill("#id_password2", PASSWORD)
    visitor.submit("main form button[type=submit]")
    if mode == KEYBOARD:
        # Tab went through the form in the order it reads.
        order = [
            "#id_first_name",
            "#id_last_name",
            "#id_email",
            "#id_password1",
            "#id_password2",
            "#id_employer",
            "#id_job_role",
            "#id_hours_0",
            "#id_workplace_postcode",
            "#id_region",
        ]
        log = visitor.focus_log
        reached = [min(i for i, d in enumerate(log) if f"{f}[" in d) for f in order]
        assert reached == sorted(reached), list(zip(order, reached, strict=True))
    assert visitor.path == "/join/confirm/"
    visitor.check("join-confirm")
    text = visitor.text()
    assert "Leadership, full time: £33.00 a month" in text
    assert "Headteacher/Principal is a leadership role" in text
    assert "Nothing is taken now." in text, "the member is told when and how they pay"

    visitor.submit("main form[action='/join/confirm/'] button[type=submit]")
    assert visitor.path == "/join/check-email/"
    visitor.check("check-email")
    assert email in visitor.text()

    messages = [m for m in portal.mail() if email in m.to]
    assert len(messages) == 1
    assert "Hello from" not in messages[0].body
    visitor.goto(confirmation_path(messages[0]), "confirm-email")
    visitor.submit("main form button[type=submit]")

    # Opened in the browser that joined: signed in and welcomed, not asked to log in again.
    assert visitor.path == "/me/", visitor.path
    visitor.check("dashboard")
    membership = Membership.objects.get(user__email=email)
    text = visitor.text()
    assert "Welcome to" in text
    assert "Not a member yet?" not in text
    assert "Nothing is taken yet." in text
    assert membership.number in text
    assert "Active" in text
    assert "Leadership" in text
    assert "Leadership, full time" in text
    if mode == PHONE:
        # "Ask for help" is on the first screen of the dashboard on a phone.
        box = visitor.page.locator("main a[href='/cases/new/']").first.bounding_box()
        assert box and box["y"] + box["height"] <= 844, box
