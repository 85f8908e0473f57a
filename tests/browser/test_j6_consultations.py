"""Journey 6: a member answers a consultation partly and saves a draft, comes back later
(logged out and in again), finds the draft on the dashboard, finishes and submits it; a
publisher (who analyses consultations) sees the response counted in the admin's results,
reads the member's own words among the written answers, tags them (a tag with markup refused
first) and finds them under one of the tags. By mouse, keyboard only and on a 390 px
phone."""

import pytest

from consultations import demo as consultations_demo
from consultations import services
from consultations.forms import TAG_INVALID
from consultations.models import Answer, Consultation, Response, ResponseStatus
from portal.accounts.choices import Nation
from portal.accounts.models import Membership
from portal.accounts.roles import Role
from tests.factories import PASSWORD, region

from .harness import KEYBOARD, MOUSE, PHONE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SLUG = "school-improvement-funding-2026"
STORY = "Our adviser left in March and nobody replaced her: the money never reached us."
OTHERS = 4  # with the member, five: enough for the results to be shown (MIN_GROUP_SIZE)


@pytest.fixture
def consultation(demo_data):
    """The demo consultations (what `make run` loads); four members in England have already
    answered the open one on school improvement."""
    consultations_demo.seed()
    c = Consultation.objects.get(slug=SLUG)
    q = questions(c)
    others = Membership.objects.filter(
        nation=Nation.ENGLAND, user__email__endswith="@members.demo.example"
    ).order_by("user__email")[:OTHERS]
    for membership in others:
        services.response_save(
            consultation=c,
            user=membership.user,
            answers={
                q["role"].pk: "I lead a school or trust",
                q["had_support"].pk: "No",
                q["independence"].pk: "4",
                q["who"].pk: "Local authorities",
                q["dfe"].pk: "It arrives late in the year.",
            },
            quote_consent="anonymous",
            submit=True,
        )
    assert Response.objects.filter(consultation=c, status=ResponseStatus.SUBMITTED).count() == 4
    return c


def questions(c) -> dict:
    keys = ["role", "had_support", "useful", "kinds", "independence", "who", "dfe", "one_thing"]
    return dict(zip(keys, c.questions.order_by("order"), strict=True))


def option(question, value: str) -> str:
    return f"input[name='q{question.pk}'][value='{value}']"


@pytest.mark.parametrize("mode", [MOUSE, KEYBOARD, PHONE])
def test_a_member_saves_a_draft_comes_back_and_submits_and_staff_see_it(portal, consultation, mode):
    journey = portal.journey("j6-consultation", mode)
    member = portal.member(region=region("london"), user__first_name="Ann")
    q = questions(consultation)
    analyst, secret = portal.officer(Role.PUBLISHER, first_name="Ana", last_name="Lyst")

    # The member starts answering and saves a draft.
    you = portal.actor(journey, "member")
    you.log_in(member.email, PASSWORD, prefix="member-")
    you.check("member-dashboard")
    you.press("nav a[href='/consultations/']")
    you.check("consultations")
    you.press(f"main a[href='/consultations/{SLUG}/']")
    you.check("consultation")
    you.choose(option(q["role"], "I advise or support schools for a local authority"))
    you.choose(option(q["had_support"], "Yes"))
    # The follow-up questions appear once the answer is Yes.
    assert you.page.is_visible(option(q["useful"], "2"))
    you.choose(option(q["useful"], "2"))
    you.submit("button[name=action][value=save_draft]")
    assert you.path == f"/consultations/{SLUG}/"
    you.check("consultation-draft-saved")
    assert "Your draft is saved" in you.text()
    response = Response.objects.get(consultation=consultation, user=member)
    assert response.status == ResponseStatus.DRAFT

    # Later: a new visit. The dashboard offers the draft to finish, with the answers kept.
    you.log_out()
    you.log_in(member.email, PASSWORD, prefix="again-")
    you.check("again-dashboard")
    panel = "section[aria-labelledby=consultations-panel-title]"
    link = f"{panel} ul a[href='/consultations/{SLUG}/']"
    drafts = f"{panel} h3:text-is('Drafts to finish') + ul a[href='/consultations/{SLUG}/']"
    assert you.page.locator(drafts).count() == 1, "the draft is not under Drafts to finish"
    you.press(link)
    you.check("consultation-draft")
    assert "You saved a draft on" in you.text()
    for question, value in [
        (q["role"], "I advise or support schools for a local authority"),
        (q["had_support"], "Yes"),
        (q["useful"], "2"),
    ]:
        assert you.page.is_checked(option(question, value)), question.text

    # Submitting without the required answers: the form says which, and keeps the rest.
    you.submit("button[name=action][value=submit]")
    you.check("consultation-errors", status=400)
    assert you.page.evaluate("document.activeElement.matches('[data-error-summary]')")
    assert "There is a problem" in you.text()
    assert you.page.is_checked(option(q["useful"], "2"))
    response.refresh_from_db()
    assert response.status == ResponseStatus.DRAFT

    you.choose(option(q["kinds"], "Mentoring for leaders"))
    you.choose(option(q["kinds"], "Peer review between schools"))
    you.choose(option(q["independence"], "5"))
    you.choose(option(q["who"], "Regional directors"))
    you.fill(f"#id_q{q['dfe'].pk}", STORY)
    you.choose("input[name=quote_consent][value=anonymous]")
    you.submit("button[name=action][value=submit]")
    you.check("consultation-submitted")
    assert "your response is submitted" in you.text()
    response.refresh_from_db()
    assert response.status == ResponseStatus.SUBMITTED

    # A publisher reads the results: five responses, the member's answers among them.
    staff = portal.actor(journey, "publisher")
    staff.log_in(analyst.email, PASSWORD, secret=secret, prefix="publisher-")
    staff.check("admin-index")
    staff.press("#content-main a[href='/admin/consultations/consultation/']")
    staff.check("admin-consultations")
    results = f"/admin/consultations/consultation/{consultation.pk}/results/"
    staff.press(f"#result_list a[href='{results}']")
    staff.check("admin-results")
    page = staff.page.inner_text("#content-main")
    assert "5 submitted responses" in page
    who = staff.page.locator(f"#rq-{q['who'].pk}").locator("xpath=..")
    rows = who.locator("tbody tr").all_inner_texts()
    # One person chose it: a count under 5 is never shown.
    assert any(r.startswith("Regional directors\tfewer than 5") for r in rows), rows
    staff.press(f"a[href^='{results}questions/{q['dfe'].pk}/']")
    staff.check("admin-text-answers")
    assert STORY in staff.page.inner_text("#content-main")

    # The analysis: tags on the member's written answer (one with markup refused first,
    # nothing saved), then the answers with one tag.
    answer = Answer.objects.get(response=response, question=q["dfe"])
    tags = staff.page.locator("ol.text-answers li", has_text=STORY).locator("input[name=tags]")
    field = f"#{tags.get_attribute('id')}"
    staff.fill(field, "funding, <b>")
    staff.submit(f"li:has({field}) button[type=submit]")
    staff.check("admin-tags-refused", status=400)
    assert TAG_INVALID in staff.page.inner_text("body")
    assert not answer.tags.exists()
    staff.fill(field, "Funding,  workload ")
    staff.submit(f"li:has({field}) button[type=submit]")
    staff.check("admin-tags-saved")
    assert "Tags saved." in staff.page.inner_text("body")
    assert staff.page.input_value(field) == "funding, workload"
    assert sorted(t.name for t in answer.tags.all()) == ["funding", "workload"]
    staff.goto(f"{results}questions/{q['dfe'].pk}/?tag=funding", "admin-text-answers-funding")
    assert STORY in staff.page.inner_text("#content-main")
