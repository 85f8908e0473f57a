"""Journey 24: the portal in Welsh for a Welsh-speaking member. A visitor joins from /cy/,
verifies the address and lands on the Welsh dashboard; a member in Wales who chose Welsh
logs in, asks for help, answers the Wales consultation and sets her language on the
preferences page, then switches to English; by mouse, keyboard only and on a 390 px phone.
Every Welsh page is checked by axe and the Nu checker (test_zz_page_checks) and must show
no English string left untranslated (on a phone, the links behind the menu button too)."""

import re

import pytest

from casework.models import Case
from consultations import demo as consultations_demo
from consultations.models import Consultation, Response
from portal.accounts.models import Membership, Region, User
from tests.factories import PASSWORD, region

from .harness import KEYBOARD, MOUSE, PHONE
from .welsh import assert_all_welsh

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

JOIN_PASSWORD = "cyfrinair-hir-digon-7"
WALES_CONSULTATION = "wales-attendance-inclusion-guidance"


def welsh_page(actor, name: str, *, status: int = 200) -> None:
    actor.check(name, status=status)
    assert_all_welsh(actor, name)


@pytest.mark.parametrize("mode", [MOUSE, KEYBOARD, PHONE])
def test_a_visitor_joins_in_welsh(portal, mode):
    journey = portal.journey("j24-cymraeg-join", mode)
    visitor = portal.actor(journey, "visitor")
    email = "elin.evans@example.org"

    visitor.goto("/cy/", "home")
    assert_all_welsh(visitor, "home")
    visitor.press("main a[href='/cy/join/']")
    assert visitor.path == "/cy/join/"
    welsh_page(visitor, "join")
    visitor.submit("main form button[type=submit]")
    welsh_page(visitor, "join-errors", status=400)
    visitor.fill("#id_first_name", "Elin")
    visitor.fill("#id_last_name", "Evans")
    visitor.fill("#id_email", email)
    visitor.fill("#id_password1", JOIN_PASSWORD)
    visitor.fill("#id_password2", JOIN_PASSWORD)
    visitor.fill("#id_employer", "Ysgol Gyfun Glan Taf")
    visitor.select_value("#id_job_role", "teacher")
    visitor.choose("#id_hours_0")
    visitor.fill("#id_workplace_postcode", "CF15 7QD")
    visitor.select_value("#id_region", str(Region.objects.get(slug="wales").pk))
    visitor.submit("main form button[type=submit]")
    assert visitor.path == "/cy/join/confirm/", visitor.path
    welsh_page(visitor, "join-confirm")
    visitor.submit("main form[action='/cy/join/confirm/'] button[type=submit]")
    assert visitor.path == "/cy/join/check-email/"
    welsh_page(visitor, "check-email")

    messages = [m for m in portal.mail() if email in m.to]
    assert len(messages) == 1
    found = re.search(r"https?://[^/\s]+(/cy/accounts/confirm-email/\S+)", messages[0].body)
    assert found, "the confirmation link leads to the Welsh page: " + messages[0].body
    visitor.goto(found.group(1), "confirm-email")
    assert_all_welsh(visitor, "confirm-email")
    visitor.submit("main form button[type=submit]")
    assert visitor.path == "/cy/me/", visitor.path
    welsh_page(visitor, "dashboard")
    assert Membership.objects.get(user__email=email).nation == "wales"


@pytest.mark.parametrize("mode", [MOUSE, KEYBOARD, PHONE])
def test_a_welsh_speaking_member_asks_for_help_answers_and_sets_her_language(
    portal, demo_data, mode
):
    consultations_demo.seed()
    journey = portal.journey("j24-cymraeg-member", mode)
    user = portal.member(region=region("wales"), user__first_name="Cerys")
    User.objects.filter(pk=user.pk).update(language="cy")
    you = portal.actor(journey, "member")

    you.goto("/cy/accounts/login/", "login")
    assert_all_welsh(you, "login")
    you.fill("#id_login", user.email)
    you.fill("#id_password", PASSWORD)
    you.submit("main form button[type=submit]")
    assert you.path == "/cy/me/", you.path
    welsh_page(you, "dashboard")
    # An English address opened by a member who chose Welsh goes to the Welsh page.
    you.goto("/me/")
    assert you.path == "/cy/me/"

    # Ask for help.
    you.press("main a[href='/cy/cases/new/']")
    welsh_page(you, "ask")
    you.submit("button[name=action][value=submit]")
    welsh_page(you, "ask-errors", status=400)
    you.select_value("#id_category", "grievance")
    you.fill("#id_what_happened", "Mae fy rheolwr llinell yn gweiddi arnaf o flaen disgyblion.")
    you.fill("#id_desired_outcome", "Bod hyn yn dod i ben, ac ymddiheuriad.")
    you.fill_date("#id_problem_started_on", "2025-01-10")
    you.submit("button[name=action][value=submit]")
    case = Case.objects.get(member=user)
    assert you.path == f"/cy/cases/{case.reference}/sent/", you.path
    welsh_page(you, "ask-sent")

    # Answer the Wales consultation, in Welsh.
    consultation = Consultation.objects.get(slug=WALES_CONSULTATION)
    clear, workload, how = consultation.questions.order_by("order")
    you.press("nav a[href='/cy/consultations/']")
    welsh_page(you, "consultations")
    you.press(f"main a[href='/cy/consultations/{WALES_CONSULTATION}/']")
    welsh_page(you, "consultation")
    assert consultation.title_cy in you.text()
    you.choose(f"input[name='q{clear.pk}'][value='2']")
    you.choose(f"input[name='q{workload.pk}'][value='Yes']")
    you.fill(f"#id_q{how.pk}", "Byddai'n rhaid cofnodi pob galwad ddwywaith.")
    you.choose("input[name=quote_consent][value=anonymous]")
    you.submit("button[name=action][value=submit]")
    welsh_page(you, "consultation-submitted")
    response = Response.objects.get(consultation=consultation, user=user)
    assert response.language == "cy"

    # Preferences: Welsh is her language; the switch takes her to the English page.
    you.press("nav a[href='/cy/me/preferences/']")
    welsh_page(you, "preferences")
    assert you.page.is_checked("#language-cy")
    you.submit("form[action='/language/'] button[type=submit]")
    assert you.path == "/cy/me/preferences/"
    welsh_page(you, "preferences-saved")
    you.press("a.language-switch[hreflang='en']")
    assert you.path == "/me/preferences/"
    you.check("preferences-english")
    assert you.page.get_attribute("html", "lang") == "en-GB"
    assert User.objects.get(pk=user.pk).language == "en-gb"
