"""Who a communication reaches: filters, consent by kind, suppressed addresses, and the
recipient list fixed when sending starts."""

import pytest
from django.urls import reverse

from portal.accounts.choices import Channel, EmployerKind, MembershipStatus
from portal.accounts.models import ConsentState
from portal.communications import services
from portal.communications.models import AddressStatus, Communication, Delivery, Kind, Status
from portal.communications.selectors import audience_for
from tests.factories import EmployerFactory, region

from .helpers import CAMPAIGN, JOURNAL, NEWSLETTER, approve, compose, member, officers

pytestmark = pytest.mark.django_db


def reached(kind=Kind.NEWSLETTER, **filters):
    communication = Communication(kind=kind, statuses=filters.pop("statuses", ["active"]))
    for name, value in filters.items():
        setattr(communication, name, value)
    return set(audience_for(communication))


def test_each_kind_reaches_only_members_who_opted_in_to_it_by_email():
    news = member(consents=[NEWSLETTER])
    campaigns = member(consents=[CAMPAIGN])
    member()  # no consent at all
    by_text = member()
    ConsentState.objects.create(user=by_text, kind=NEWSLETTER, channel=Channel.SMS, granted=True)
    withdrawn = member()
    ConsentState.objects.create(
        user=withdrawn, kind=NEWSLETTER, channel=Channel.EMAIL, granted=False
    )
    assert reached(Kind.NEWSLETTER) == {news}
    assert reached(Kind.CAMPAIGN) == {campaigns}
    # A message composed by hand is never a service message: an old one counts as a campaign.
    assert reached(Kind.SERVICE) == {campaigns}


def test_the_journal_goes_to_leadership_members_who_opted_in():
    head = member(job_role="headteacher", consents=[JOURNAL])
    member(job_role="headteacher")  # no consent
    member(consents=[JOURNAL])  # consent kept after leaving the Leadership section
    assert reached(Kind.JOURNAL) == {head}


def test_filters_narrow_the_audience():
    welsh_head = member(job_role="headteacher", region="wales", consents=[NEWSLETTER])
    london_head = member(job_role="headteacher", consents=[NEWSLETTER])
    welsh_teacher = member(region="wales", consents=[NEWSLETTER])
    college = EmployerFactory(kind=EmployerKind.FE_COLLEGE)
    lecturer = member(job_role="lecturer", employer=college, consents=[NEWSLETTER])
    lapsed = member(status=MembershipStatus.LAPSED, consents=[NEWSLETTER])
    assert reached(sections=["leadership"], nations=["wales"]) == {welsh_head}
    assert reached(sections=["leadership"]) == {welsh_head, london_head}
    assert reached(employer_kinds=[EmployerKind.FE_COLLEGE]) == {lecturer}
    assert reached(job_roles=["lecturer", "headteacher"]) == {welsh_head, london_head, lecturer}
    assert reached(statuses=["lapsed"]) == {lapsed}
    assert welsh_teacher in reached(nations=["wales"])

    author, _ = officers()
    by_region = compose(author, regions=[region("wales")])
    assert set(audience_for(by_region)) == {welsh_head, welsh_teacher}
    by_workplace = compose(author, employers=[college])
    assert set(audience_for(by_workplace)) == {lecturer}


def test_inactive_accounts_and_suppressed_addresses():
    gone = member(consents=[NEWSLETTER])
    gone.is_active = False
    gone.save()
    bouncing = member(consents=[NEWSLETTER])
    AddressStatus.objects.create(email=bouncing.email, hard_bounces=3, suppressed=True)
    assert reached(Kind.NEWSLETTER) == set()


def test_the_recipient_list_is_fixed_when_sending_starts(django_capture_on_commit_callbacks):
    author, approver = officers()
    first = [member(consents=[NEWSLETTER]) for _ in range(3)]
    newsletter = compose(author)
    approve(newsletter, author, approver)
    with django_capture_on_commit_callbacks() as callbacks:  # the worker is not wanted here
        services.communication_start(communication=newsletter, by=approver)
    assert len(callbacks) == 1
    late = member(consents=[NEWSLETTER])
    newsletter.refresh_from_db()
    assert newsletter.status == Status.SENDING and newsletter.recipient_count == 3
    rows = Delivery.objects.filter(communication=newsletter)
    assert {d.user for d in rows} == set(first)
    assert {d.email for d in rows} == {u.email for u in first}
    assert late not in {d.user for d in rows}
    assert set(rows.values_list("status", flat=True)) == {"queued"}
    # Starting again cannot add anyone either.
    with pytest.raises(services.CommunicationError, match=services.NOT_APPROVED):
        services.communication_start(communication=newsletter, by=approver)
    assert rows.count() == 3


def test_sending_to_nobody_is_refused():
    author, approver = officers()
    newsletter = compose(author)
    approve(newsletter, author, approver)
    with pytest.raises(services.CommunicationError, match=services.EMPTY_AUDIENCE):
        services.communication_start(communication=newsletter, by=approver)
    assert not Delivery.objects.filter(communication=newsletter).exists()


def test_the_admin_previews_the_count_and_a_sample(client):
    author, _ = officers()
    people = [
        member(region="wales", job_role="headteacher", consents=[NEWSLETTER]) for _ in range(12)
    ]
    member(consents=[NEWSLETTER])  # outside the audience
    newsletter = compose(author, sections=["leadership"], nations=["wales"])
    client.force_login(author)
    page = client.get(reverse("admin:communications_communication_change", args=[newsletter.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Who it reaches now: 12 members" in html
    assert html.count("<tr><td>") == 10  # a sample, not everyone
    assert people[0].membership.region.name in html
    assert "Only members who opted in to newsletters by email" in html
