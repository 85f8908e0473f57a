"""The officers' side of casework: Leadership cases worked by the regional officer with the
lead officer, new cases announced to the officers they are routed to, and the conflict of
interest that keeps an officer acting for the other party out of the case about them."""

import pytest
from django.urls import reverse

from casework import services
from casework.access import cases_visible_to
from casework.models import Case
from portal.communications.models import Delivery
from tests.casework.test_member_pages import form_data

pytestmark = pytest.mark.django_db


def notices(kind):
    return Delivery.objects.filter(notification=kind)


def test_leadership_cases_are_seen_and_worked_by_regional_and_lead_officers(people, submit):
    case = submit(people["leader"])
    for role in ("cw_london", "lead", "manager"):
        assert case in cases_visible_to(people[role]), role
    assert case not in cases_visible_to(people["cw_wales"])
    services.case_assign(case=case, officer=people["cw_london"], by=people["cw_london"])
    services.case_internal_note(case=case, by=people["lead"], body="Supporting the region.")
    case.refresh_from_db()
    assert case.assigned_to == people["cw_london"]


def test_new_cases_notify_the_officers_they_are_routed_to(people, submit):
    case = submit(people["leader"])
    told = set(notices("case_routed_officer").values_list("user", flat=True))
    assert told == {people["cw_london"].pk, people["lead"].pk}
    for delivery in notices("case_routed_officer"):
        assert delivery.context == {
            "reference": case.reference,
            "url": delivery.context["url"],
        }
        assert delivery.context["url"].endswith(f"/admin/casework/case/{case.pk}/change/")
    submit(people["welsh"])
    assert notices("case_routed_officer").filter(user=people["cw_wales"]).count() == 1


def test_an_officer_acting_for_the_other_party_cannot_open_the_case_about_them(
    client, people, submit
):
    # cw_london represents member_b; the member then asks for help about member_b.
    theirs = submit(people["member_b"])
    services.case_assign(case=theirs, officer=people["cw_london"], by=people["cw_london"])
    about_them = submit(people["member"], other_party_number=people["member_b"].membership.number)
    assert about_them.other_party == people["member_b"]
    assert about_them not in cases_visible_to(people["cw_london"])
    assert about_them in cases_visible_to(people["manager"])
    client.force_login(people["cw_london"])
    change = reverse("admin:casework_case_change", args=[about_them.pk])
    assert client.get(change).status_code == 404
    listing = client.get(reverse("admin:casework_case_changelist"), {"q": about_them.reference})
    assert f"/admin/casework/case/{about_them.pk}/change/" not in listing.content.decode()
    assert (
        not notices("case_routed_officer")
        .filter(user=people["cw_london"], context__reference=about_them.reference)
        .exists()
    ), "an officer who may not see the case is not told of it"
    # and the manager acting for the other party is kept out too
    services.case_assign(case=theirs, officer=people["manager"], by=people["manager"])
    assert about_them not in cases_visible_to(people["manager"])


def test_editing_a_draft_keeps_the_other_partys_membership_number(client, people):
    member, other = people["member"], people["member_b"]
    client.force_login(member)
    client.post(
        reverse("casework:new"),
        form_data(member, action="draft", other_party_number=other.membership.number),
    )
    draft = Case.objects.get(member=member)
    assert draft.other_party == other
    edit = client.get(reverse("casework:edit", args=[draft.pk])).content.decode()
    assert f'value="{other.membership.number}"' in edit
    # saving the form as shown keeps the block
    data = form_data(member, action="draft", other_party_number=other.membership.number)
    client.post(reverse("casework:edit", args=[draft.pk]), data)
    draft.refresh_from_db()
    assert draft.other_party == other and draft.restricted


# --- Phone and walk-in intake -----------------------------------------------------------

INTAKE = reverse("admin:casework_case_add")


def intake_data(member, **overrides):
    data = {
        "channel": "phone",
        "category": "discipline",
        "employer": member.membership.employer.label,
        "employer_kind": "",
        "what_happened": "Called: invited to a disciplinary meeting about lateness.",
        "desired_outcome": "Representation at the meeting.",
        "problem_started_on": "",
        "hearing_date": "",
        "other_party_name": "",
        "other_party_number": "",
        "take": "on",
    }
    data.update(overrides)
    return data


def test_an_officer_finds_a_member_and_opens_a_case_for_them(client, people):
    officer, member = people["cw_london"], people["member"]
    client.force_login(officer)
    assert client.get(INTAKE).status_code == 200
    for term in (member.membership.number, member.email, member.last_name):
        found = client.get(INTAKE, {"q": term})
        assert found.status_code == 200
        assert f"?member={member.membership.pk}" in found.content.decode(), term
    # a member outside the officer's regions is not found, nor opened by id
    welsh = people["welsh"]
    assert (
        f"?member={welsh.membership.pk}"
        not in client.get(INTAKE, {"q": welsh.membership.number}).content.decode()
    )
    assert client.get(INTAKE, {"member": welsh.membership.pk}).status_code == 404
    url = f"{INTAKE}?member={member.membership.pk}"
    form = client.get(url)
    assert form.status_code == 200 and member.membership.number in form.content.decode()
    response = client.post(url, intake_data(member))
    case = Case.objects.get(member=member)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:casework_case_change", args=[case.pk])
    assert case.reference and case.status == "assigned" and case.assigned_to == officer
    assert case.channel == "phone" and case.opened_by == officer
    opened = case.events.get(kind="opened_for_member")
    assert opened.visible_to_member and f"Opened by {officer.get_full_name()}, by phone" in (
        opened.body
    )
    assert notices("case_opened_for_member").filter(user=member).count() == 1
    assert not notices("case_routed_officer").filter(user=officer).exists()
    # the member sees it on /cases/, with who opened it
    client.force_login(member)
    assert case.reference in client.get(reverse("casework:list")).content.decode()
    page = client.get(reverse("casework:detail", args=[case.reference])).content.decode()
    assert "by phone" in page
    # and the same access rules apply from the first save
    assert case not in cases_visible_to(people["cw_wales"])
    assert case in cases_visible_to(people["manager"])


def test_intake_refuses_bad_input_and_saves_nothing(client, people):
    officer, member = people["cw_london"], people["member"]
    client.force_login(officer)
    url = f"{INTAKE}?member={member.membership.pk}"
    for bad in (
        {"channel": ""},
        {"channel": "online"},
        {"category": "nonsense"},
        {"what_happened": ""},
        {"hearing_date": "2001-01-01"},
        {"hearing_date": "31/02/2027"},
        {"other_party_number": "12AB"},
        {"employer": "No Such Employer Anywhere", "employer_kind": ""},
    ):
        response = client.post(url, intake_data(member, **bad))
        assert response.status_code == 400, bad
        assert 'id="error-summary"' in response.content.decode(), bad
    assert not Case.objects.filter(member=member).exists()
    for member_param in ("abc", "-1", "999999999", "1 OR 1=1"):
        assert client.get(INTAKE, {"member": member_param}).status_code == 404
    assert client.get(INTAKE, {"q": "x" * 101}).status_code == 400
    assert client.get(INTAKE, {"q": ""}).status_code == 400
    # an officer cannot open a case for themselves, nor may non-officers open the page
    client.force_login(people["publisher"])
    assert client.get(INTAKE).status_code in (302, 403)
    client.force_login(people["member"])
    assert client.get(INTAKE).status_code == 302


def test_an_officer_acting_for_the_other_party_cannot_take_the_case_they_open(client, people):
    officer = people["cw_london"]
    theirs = services.case_submit(
        member=people["member_b"],
        details=services.CaseDetails(
            category="pay", employer=None, what_happened="x", desired_outcome="y"
        ),
    )
    services.case_assign(case=theirs, officer=officer, by=officer)
    client.force_login(officer)
    member = people["member"]
    url = f"{INTAKE}?member={member.membership.pk}"
    data = intake_data(member, other_party_number=people["member_b"].membership.number)
    response = client.post(url, data)
    assert response.status_code == 400
    assert services.CONFLICT_OF_INTEREST in response.content.decode()
    assert not Case.objects.filter(member=member).exists()
    # without taking it, the case opens for the region and the officer cannot see it
    data.pop("take")
    response = client.post(url, data)
    case = Case.objects.get(member=member)
    assert response["Location"] == reverse("admin:casework_case_changelist")
    assert case not in cases_visible_to(officer)


# --- Correcting the facts ---------------------------------------------------------------


def work(client, case, **data):
    url = reverse("admin:casework_case_change", args=[case.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    payload = {"priority": case.priority, "_continue": "1"}
    for name in form.FACT_FIELDS:
        value = form[name].value()
        payload[name] = "" if value is None else str(value)
    payload.update(data)
    return client.post(url, payload)


def test_a_new_hearing_date_makes_the_case_urgent_with_a_timeline_entry(client, people, submit):
    from django.utils import timezone

    from casework.workdays import add_working_days

    case = submit(people["member"])
    assert not case.urgent
    officer = people["cw_london"]
    services.case_assign(case=case, officer=officer, by=officer)
    client.force_login(officer)
    soon = add_working_days(timezone.localdate(), 2, case.nation)
    response = work(client, case, hearing_date=soon.isoformat(), category="grievance")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.urgent and case.priority == "urgent" and case.hearing_date == soon
    entries = list(case.events.filter(kind="fact_changed").values_list("body", flat=True))
    assert any(e.startswith("Hearing date: none → ") for e in entries), entries
    assert "Category: Discipline → Grievance" in entries
    assert not case.events.filter(kind="fact_changed", visible_to_member=True).exists()
    # the urgent case heads the queue
    queue = client.get(reverse("admin:casework_case_changelist")).content.decode()
    assert queue.index(case.reference) < len(queue)


def test_recording_the_other_party_blocks_them_and_a_refusal_keeps_nothing(client, people, submit):
    case = submit(people["member"])
    officer = people["cw_london"]
    services.case_assign(case=case, officer=officer, by=officer)
    client.force_login(officer)
    number = people["member_b"].membership.number
    response = work(client, case, other_party_number=number, other_party_name="B. Head")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.other_party == people["member_b"] and case.restricted
    # a refused step elsewhere in the form keeps none of the fact changes
    response = work(client, case, category="pay", new_status="legal", legal_reason="")
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.category == "discipline"
    for bad in ({"other_party_number": "99999999"}, {"other_party_number": "12AB"}):
        response = work(client, case, **bad)
        assert response.status_code == 200
        case.refresh_from_db()
        assert case.other_party == people["member_b"], bad
    # the member themselves cannot be the other party
    response = work(client, case, other_party_number=people["member"].membership.number)
    assert services.OTHER_PARTY_IS_MEMBER in response.content.decode()
