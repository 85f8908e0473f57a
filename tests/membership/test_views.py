"""The member's pages with bad input (400, an error summary, nothing saved), the confirm
step, resigning twice, rejoining; the officer's admin; query counts on list pages."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone

from membership import selectors
from membership.models import LifeEvent, MembershipChange, Reduction, ReductionStatus, Resignation
from portal.accounts.choices import MembershipStatus
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def iso(day):
    return day.isoformat()


@pytest.fixture
def member(db):
    return MembershipFactory()


@pytest.fixture
def client_for(client, member):
    client.force_login(member.user)
    return client


def test_the_subscription_page_says_what_and_why(client_for):
    page = client_for.get("/me/subscription/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "£25.00" in text and "Professional, full time" in text
    assert "Teachers and lecturers section" in text
    assert "Set up a Direct Debit" in text, "no payment method yet: the member is asked for one"


@pytest.mark.parametrize(
    ("kind", "data", "field", "words"),
    [
        (
            "leave",
            {"leave_kind": "maternity", "effective_on": 0, "ends_on": -1},
            "ends_on",
            "on or after the start",
        ),
        (
            "leave",
            {"leave_kind": "maternity", "effective_on": 0, "ends_on": 400},
            "ends_on",
            "up to 12 months",
        ),
        ("retiring", {"effective_on": -90}, "effective_on", "days in the past"),
        (
            "hours",
            {"effective_on": 0, "contracted_hours": "0"},
            "contracted_hours",
            "between 1 and 60",
        ),
        (
            "leave",
            {"leave_kind": "maternity", "effective_on": "not a date", "ends_on": 30},
            "effective_on",
            "valid date",
        ),
        ("student", {"effective_on": 0}, "ends_on", "required"),
    ],
)
def test_bad_input_is_400_with_an_error_summary_and_nothing_saved(
    client_for, member, kind, data, field, words
):
    today = timezone.localdate()
    post = {
        k: (iso(today + timedelta(days=v)) if isinstance(v, int) else v) for k, v in data.items()
    }
    response = client_for.post(f"/me/changes/{kind}/", post)
    assert response.status_code == 400
    text = response.content.decode()
    assert 'class="error-summary"' in text and f'href="#id_{field}' in text
    assert words in text
    assert f'id="id_{field}_error"' in text
    assert not LifeEvent.objects.exists() and not Reduction.objects.exists()
    assert not MembershipChange.objects.exists()


def test_a_life_event_is_confirmed_before_it_is_saved(client_for, member):
    today = timezone.localdate()
    post = {
        "leave_kind": "maternity",
        "effective_on": iso(today),
        "ends_on": iso(today + timedelta(days=180)),
    }
    confirm = client_for.post("/me/changes/leave/", post)
    assert confirm.status_code == 200
    text = confirm.content.decode()
    assert "Check the change before you save it" in text and "£0.00" in text
    assert not LifeEvent.objects.exists()
    back = client_for.post("/me/changes/leave/", {**post, "back": "1"})
    assert back.status_code == 200 and iso(today) in back.content.decode()
    assert not LifeEvent.objects.exists()
    saved = client_for.post("/me/changes/leave/", {**post, "confirm": "1"})
    assert saved.status_code == 302 and saved["Location"] == "/me/subscription/"
    assert selectors.quote_on(member).amount == Decimal("0.00")
    # Twice: the same leave again is refused, nothing more saved.
    again = client_for.post("/me/changes/leave/", {**post, "confirm": "1"})
    assert again.status_code == 400 and "already have this reduced rate" in again.content.decode()
    assert Reduction.objects.count() == 1


def test_an_unknown_kind_is_404(client_for):
    assert client_for.get("/me/changes/lottery-win/").status_code == 404


@override_settings(MEMBERSHIP_RESIGNATION_NOTICE_DAYS=0)
def test_resigning_needs_a_confirmation_and_twice_is_refused(client_for, member):
    page = client_for.get("/me/resign/")
    assert "ends today" in page.content.decode()
    unconfirmed = client_for.post("/me/resign/", {"reason": "cost"})
    assert unconfirmed.status_code == 400 and "Tick the box" in unconfirmed.content.decode()
    assert not Resignation.objects.exists()
    done = client_for.post("/me/resign/", {"reason": "cost", "confirm": "on"})
    assert done.status_code == 302
    member.refresh_from_db()
    assert member.status == MembershipStatus.RESIGNED
    twice = client_for.post("/me/resign/", {"reason": "cost", "confirm": "on"})
    assert twice.status_code == 400
    assert "already ended" in twice.content.decode()
    assert Resignation.objects.count() == 1
    # Rejoining keeps the number.
    number = member.number
    assert client_for.get("/me/rejoin/").status_code == 200
    assert client_for.post("/me/rejoin/", {}).status_code == 400
    assert client_for.post("/me/rejoin/", {"confirm": "on"}).status_code == 302
    member.refresh_from_db()
    assert (member.status, member.number) == (MembershipStatus.ACTIVE, number)
    assert client_for.get("/me/rejoin/").status_code == 302


@override_settings(MEMBERSHIP_RESIGNATION_NOTICE_DAYS=30)
def test_resigning_with_notice_can_be_withdrawn(client_for, member):
    client_for.post("/me/resign/", {"confirm": "on"})
    page = client_for.get("/me/resign/").content.decode()
    assert "You have resigned" in page
    twice = client_for.post("/me/resign/", {"confirm": "on"})
    assert twice.status_code == 400 and "already resigned" in twice.content.decode()
    client_for.post("/me/resign/", {"withdraw": "1"})
    assert Resignation.objects.get().withdrawn_at is not None


def test_the_officer_approves_a_reduction_in_the_admin(client, officer, second_officer, member):
    from membership import services
    from membership.models import LifeEventKind

    today = timezone.localdate()
    plan = services.life_event_plan(
        membership=member,
        kind=LifeEventKind.STUDENT,
        data={"effective_on": today, "ends_on": today + timedelta(days=200)},
    )
    event = services.life_event_record(actor=member.user, membership=member, plan=plan)
    reduction = event.reduction
    client.force_login(officer)
    queue = client.get("/admin/membership/reduction/?status__exact=pending")
    assert queue.status_code == 200 and member.number in queue.content.decode()
    page = client.get(f"/admin/membership/reduction/{reduction.pk}/change/")
    assert page.status_code == 200 and "Approve" in page.content.decode()
    # Change its dates, then approve it oneself: refused.
    client.post(
        f"/admin/membership/reduction/{reduction.pk}/change/",
        {"starts_on": iso(today), "ends_on": iso(today + timedelta(days=100))},
    )
    assert reduction.editors.filter(pk=officer.pk).exists()
    client.post(f"/admin/membership/reduction/{reduction.pk}/decide/", {"decision": "approve"})
    reduction.refresh_from_db()
    assert reduction.status == ReductionStatus.PENDING
    client.force_login(second_officer)
    client.post(f"/admin/membership/reduction/{reduction.pk}/decide/", {"decision": "approve"})
    reduction.refresh_from_db()
    assert reduction.status == ReductionStatus.APPROVED


def test_list_pages_use_a_fixed_number_of_queries(client, officer, django_assert_max_num_queries):
    from membership import services
    from membership.models import LifeEventKind

    today = timezone.localdate()

    def some(n):
        for _ in range(n):
            m = MembershipFactory()
            plan = services.life_event_plan(
                membership=m,
                kind=LifeEventKind.STUDENT,
                data={"effective_on": today, "ends_on": today + timedelta(days=100)},
            )
            services.life_event_record(actor=m.user, membership=m, plan=plan)

    client.force_login(officer)
    urls = [
        "/admin/membership/reduction/",
        "/admin/membership/lifeevent/",
        "/admin/membership/membershipchange/",
        "/admin/membership/resignation/",
        "/admin/membership/feerate/",
        "/admin/membership/membershipchange/retention/",
    ]
    some(2)
    counts = {}
    for url in urls:
        with django_assert_max_num_queries(40) as ctx:
            assert client.get(url).status_code == 200
        counts[url] = len(ctx.captured_queries)
    some(6)
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            assert client.get(url).status_code == 200
    member = MembershipFactory()
    client.force_login(member.user)
    for url in ("/me/subscription/", "/me/changes/", "/me/"):
        with django_assert_max_num_queries(30):
            assert client.get(url).status_code == 200
