"""Issue 18, CPD: the demo member opens their CPD record from the dashboard, sees the hours
of the course they attended, downloads its certificate, adds an entry of their own (an
impossible number of hours refused first, nothing saved) and sees the year's total grow;
by mouse, keyboard only and on a 390 px phone."""

from __future__ import annotations

import pytest

from cpd import demo as cpd_demo
from cpd.models import CPDEntry
from events import demo as events_demo
from portal.accounts.demo import DEMO_PASSWORD
from portal.accounts.models import User

from .harness import KEYBOARD, MOUSE, PHONE
from .test_j9_member_record import download

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def fits_on_a_phone(you):
    if you.mode == PHONE:
        assert you.page.evaluate("document.documentElement.scrollWidth") <= 390


@pytest.fixture
def cpd_demo_data(demo_data):
    events_demo.seed()
    cpd_demo.seed()


@pytest.mark.parametrize("mode", [MOUSE, KEYBOARD, PHONE])
def test_the_member_downloads_a_certificate_and_sees_the_hours(portal, cpd_demo_data, mode):
    journey = portal.journey("j22-cpd", mode)
    member = User.objects.get(email="member@demo.example")
    you = portal.actor(journey, "member")
    you.log_in(member.email, DEMO_PASSWORD)
    assert you.path == "/me/"
    you.check("dashboard")
    you.press("section[aria-labelledby=cpd-title] a[href='/me/cpd/']")
    you.check("cpd-record")
    text = you.text()
    assert "Course: assessment for learning" in text and "5.5 hours" in text
    assert "Plan questions that show what each pupil understands." in text
    fits_on_a_phone(you)

    certificate = download(you, "main a[href^='/me/cpd/certificates/']")
    assert certificate.suggested_filename.startswith("certificate-")
    with open(certificate.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"
    record = download(you, "main a[href='/me/cpd/record.pdf']")
    assert record.suggested_filename == "cpd-record.pdf"

    you.press("main a[href='/me/cpd/new/']")
    you.check("cpd-new")
    before = CPDEntry.objects.filter(user=member).count()
    you.fill("#id_title", "Peer observation: questioning")
    you.fill("#id_provider", "Riverside Primary School")
    you.fill_date("#id_done_on", "2026-11-20")
    you.fill("#id_hours", "-3")
    you.fill("#id_reflection", "Wait time after questions doubled the answers.")
    you.submit("main form button[type=submit]")
    you.check("cpd-new-errors", status=400)
    summary = you.page.locator(".error-summary")
    assert "at least a quarter of an hour" in summary.inner_text()
    if mode != PHONE:
        assert you.page.evaluate("document.activeElement.matches('[data-error-summary]')")
    assert CPDEntry.objects.filter(user=member).count() == before
    assert you.page.input_value("#id_title") == "Peer observation: questioning"

    you.fill("#id_hours", "1.5")
    you.submit("main form button[type=submit]")
    assert you.path == "/me/cpd/"
    you.check("cpd-record-added")
    text = you.text()
    assert "Your CPD entry is saved." in text
    assert "Peer observation: questioning" in text and "1.5 hours" in text
    assert CPDEntry.objects.filter(user=member).count() == before + 1
    fits_on_a_phone(you)
