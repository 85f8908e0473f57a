"""Every email a member can receive, rendered in English and in Welsh: the Welsh differs and
has no English string of the catalogue left in it untranslated."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from portal.communications.models import Communication
from portal.communications.notices import notice_for
from portal.communications.rendering import NotificationRecipient, composer_for
from tests.i18n.catalogue import english_left_in

TEMPLATES = Path(settings.BASE_DIR) / "templates"


# Casework notices to the officers and managers handling a case (staff accounts, whose
# admin is English): not member emails.
TO_OFFICERS = {
    "case_assigned_officer",
    "case_collective_answer_officer",
    "case_complaint_manager",
    "case_complaint_overdue",
    "case_follow_up_due",
    "case_member_replied",
    "case_overdue_manager",
    "case_overdue_officer",
    "case_routed_officer",
    "case_tribunal_limit_reminder",
    "case_withdrawn_officer",
}


def member_notices() -> list[str]:
    kinds = {
        path.name.rsplit("_subject.txt", 1)[0]
        for path in (TEMPLATES / "communications" / "notifications").glob("*_subject.txt")
    }
    return sorted(k for k in kinds if not notice_for(k).staff_only and k not in TO_OFFICERS)


def account_emails() -> list[str]:
    return sorted(
        path.name.rsplit("_subject.txt", 1)[0]
        for path in (TEMPLATES / "account" / "email").glob("*_subject.txt")
    )


# What callers put in a notice's context (references and links only), for every kind.
CONTEXT = {
    "user": NotificationRecipient("Rhiannon"),
    "union_name": "Education Union",
    "site_url": "https://portal.example/",
    "preferences_url": "https://portal.example/me/preferences/",
    "unsubscribe_url": "https://portal.example/unsubscribe/x/",
    "url": "https://portal.example/me/",
    "link": "https://portal.example/me/",
    "case_url": "https://portal.example/cases/C-2027-0001/",
    "reference": "C-2027-0001",
    "title": "Leadership conference",
    "event_title": "Leadership conference",
    "consultation_title": "School funding",
    "closes_on": "12 March 2027",
    "date": "12 March 2027",
    "activate_url": "https://portal.example/accounts/confirm-email/key/",
    "password_reset_url": "https://portal.example/accounts/password/reset/key/",
    "signup_url": "https://portal.example/join/",
    "join_url": "https://portal.example/join/",
    "email": "rhiannon@example.org",
    "code": "123456",
}


def render_both(names: list[str]) -> tuple[str, str]:
    out = []
    for language in ("en-gb", "cy"):
        with translation.override(language):
            out.append("\n".join(render_to_string(name, CONTEXT) for name in names))
    return out[0], out[1]


def notice_templates(kind: str) -> list[str]:
    base = f"communications/notifications/{kind}"
    names = [f"{base}_subject.txt", f"{base}_body.txt"]
    if (TEMPLATES / f"{base}_body.html").exists():
        names.append(f"{base}_body.html")
    return names


def test_there_are_member_emails_to_check():
    assert len(member_notices()) > 20
    assert "case_update" in member_notices() and "standards_review_due" not in member_notices()
    assert "password_reset_key" in account_emails()


@pytest.mark.parametrize("kind", member_notices())
def test_every_member_notice_is_written_in_both_languages(kind):
    english, welsh = render_both(notice_templates(kind))
    assert english.strip() and welsh.strip()
    assert welsh != english, f"{kind}: the Welsh email is the English one"
    assert not english_left_in(welsh), f"{kind}: English left in the Welsh email"


@pytest.mark.parametrize("name", account_emails())
def test_every_account_email_is_written_in_both_languages(name):
    names = [f"account/email/{name}_subject.txt", f"account/email/{name}_message.txt"]
    english, welsh = render_both(names)
    assert welsh != english, f"{name}: the Welsh email is the English one"
    assert not english_left_in(welsh), f"{name}: English left in the Welsh email"


@pytest.mark.django_db
def test_the_communications_layout_is_in_the_members_language():
    communication = Communication(kind="newsletter", subject="News", body="Hello.")
    communication.subject_cy = "Newyddion"
    communication.body_cy = "Helo."
    english = composer_for(communication, language="en-gb")
    welsh = composer_for(communication, language="cy")
    assert '<html lang="cy">' in welsh.html and '<html lang="en-GB">' in english.html
    assert welsh.text != english.text
    assert not english_left_in(welsh.text + welsh.html)
