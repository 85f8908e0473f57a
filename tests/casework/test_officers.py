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
