"""The member's own pages: dashboard, profile, preferences, equality monitoring, data."""

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.accounts.choices import JobRole
from portal.accounts.models import ConsentEvent, ConsentState, EqualityMonitoring, Membership
from tests.exports import download_export
from tests.factories import EmployerFactory, MembershipFactory, region

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path", ["/me/", "/me/profile/", "/me/preferences/", "/me/equality/", "/me/data/"]
)
def test_member_pages_need_a_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_dashboard_shows_the_membership_and_the_workplace_rep(client):
    membership = MembershipFactory(job_role=JobRole.SUPPORT_STAFF)
    rep = MembershipFactory(employer=membership.employer, is_rep=True)
    MembershipFactory(is_rep=True)  # a rep elsewhere is not theirs
    client.force_login(membership.user)
    page = client.get(reverse("accounts:dashboard")).content.decode()
    assert membership.number in page
    assert "Support staff" in page
    assert "Support staff, full time: £12.00 a month" in page
    assert rep.user.get_full_name() in page


def test_dashboard_query_count_does_not_grow_with_other_members(
    client, django_assert_max_num_queries
):
    membership = MembershipFactory()
    client.force_login(membership.user)
    # The budget includes the subscription panel (membership/dashboard.py): the member's
    # terms, reductions, planned changes and the day's fee schedule; and the Direct Debit
    # next step (subscriptions/sections.py): one query for how the member pays; and the reps
    # panel (reps/member_data.py): one query for colleagues who volunteered at the workplace;
    # the events panel and the CPD panel: one query each.
    with django_assert_max_num_queries(26) as first:
        client.get(reverse("accounts:dashboard"))
    MembershipFactory.create_batch(20, employer=membership.employer, is_rep=True)
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(reverse("accounts:dashboard"))


def test_the_rep_at_the_members_own_workplace_comes_first(client):
    membership = MembershipFactory(workplace_postcode="WN1 1AA")
    employer = membership.employer
    MembershipFactory(employer=employer, is_rep=True, workplace_postcode="WN9 9ZZ")
    near = MembershipFactory(employer=employer, is_rep=True, workplace_postcode="WN1 1AA")
    client.force_login(membership.user)
    page = client.get(reverse("accounts:dashboard")).content.decode()
    assert f"{near.user.get_full_name()} is the union's rep" in page


def test_dashboard_query_count_does_not_grow_with_cases_or_consultations(
    client, django_assert_max_num_queries
):
    from casework.models import Case, Status
    from tests.consultations.conftest import make_consultation

    membership = MembershipFactory()
    client.force_login(membership.user)
    make_consultation(slug="first-open")
    with django_assert_max_num_queries(26) as first:  # reps, events, CPD panels: one each
        client.get(reverse("accounts:dashboard"))
    for i in range(6):
        make_consultation(slug=f"open-{i}")
        Case.objects.create(member=membership.user, reference=f"CW-2026-{i:06d}", status=Status.NEW)
    with django_assert_max_num_queries(len(first.captured_queries)):
        page = client.get(reverse("accounts:dashboard")).content.decode()
    assert "CW-2026-000005" in page
    assert "/consultations/open-5/" in page


def profile_data(membership, **overrides):
    data = {
        "first_name": membership.user.first_name,
        "last_name": membership.user.last_name,
        "employer": membership.employer.label,
        "employer_kind": "",
        "employer_town": "",
        "job_role": membership.job_role,
        "hours": membership.hours,
        "workplace_postcode": membership.workplace_postcode,
        "region": str(membership.region_id),
    }
    data.update(overrides)
    return data


def test_a_new_role_shows_old_and_new_fee_and_from_when_before_it_is_saved(client):
    membership = MembershipFactory()
    client.force_login(membership.user)
    data = profile_data(membership, job_role="headteacher")
    response = client.post(reverse("accounts:profile"), data)
    assert response.status_code == 200
    page = response.content.decode()
    membership.refresh_from_db()
    assert (membership.section, membership.fee_band) == ("teachers", "P1"), "nothing saved yet"
    assert "Check your new fee before you save" in page
    assert "£25.00" in page and "£33.00" in page
    assert "Teachers and lecturers" in page and "Leadership" in page
    today = timezone.localdate()
    assert f"applies from today, {today.day} {today:%B %Y}" in page
    # The confirm step carries the answers; going back shows the form with them.
    back = client.post(reverse("accounts:profile"), {**data, "back": "1"}).content.decode()
    assert 'name="job_role"' in back and 'value="headteacher" selected' in back
    membership.refresh_from_db()
    assert membership.fee_band == "P1"

    response = client.post(reverse("accounts:profile"), {**data, "confirm": "1"}, follow=True)
    page = response.content.decode()
    membership.refresh_from_db()
    assert (membership.section, membership.fee_band) == ("leadership", "L1")
    assert "Your new role puts you in the Leadership section" in page
    assert "you were in Teachers and lecturers" in page
    assert "Your fee band is now Leadership, full time: £33.00 a month." in page


def test_a_change_that_keeps_the_fee_is_saved_at_once(client):
    membership = MembershipFactory()
    client.force_login(membership.user)
    response = client.post(reverse("accounts:profile"), profile_data(membership, first_name="Jo"))
    assert response.status_code == 302
    membership.user.refresh_from_db()
    assert membership.user.first_name == "Jo"


def test_a_change_of_employer_is_saved(client):
    membership = MembershipFactory()
    other = EmployerFactory(name="Hill Academy", town="York")
    client.force_login(membership.user)
    client.post(reverse("accounts:profile"), profile_data(membership, employer="Hill Academy"))
    membership.refresh_from_db()
    assert membership.employer == other


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"first_name": ""}, "first_name"),
        ({"job_role": "pirate"}, "job_role"),
        ({"workplace_postcode": "123"}, "workplace_postcode"),
        ({"region": "abc"}, "region"),
        ({"region": ""}, "region"),
        ({"employer": "Unknown Place"}, "employer_kind"),
        ({"hours": "always"}, "hours"),
    ],
)
def test_bad_profile_input_changes_nothing(client, overrides, field):
    membership = MembershipFactory()
    before = Membership.objects.values().get(pk=membership.pk)
    client.force_login(membership.user)
    response = client.post(reverse("accounts:profile"), profile_data(membership, **overrides))
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in response.content.decode()
    assert Membership.objects.values().get(pk=membership.pk) == before


def test_preferences_record_when_consent_was_given_and_withdrawn(member_client, member):
    page = member_client.get(reverse("accounts:preferences")).content.decode()
    assert "Service messages" in page
    assert "Leadership journal" not in page, "the journal is for the Leadership section"
    member_client.post(
        reverse("accounts:preferences"),
        # Consultation invitations are on by default: the form arrives with the box ticked.
        {"newsletter__email": "on", "campaign__sms": "on", "consultations__email": "on"},
    )
    granted = set(
        ConsentState.objects.filter(user=member, granted=True).values_list("kind", "channel")
    )
    assert granted == {("newsletter", "email"), ("campaign", "sms")}
    member_client.post(
        reverse("accounts:preferences"), {"newsletter__email": "on", "consultations__email": "on"}
    )
    history = list(
        ConsentEvent.objects.filter(user=member)
        .order_by("at", "id")
        .values_list("kind", "channel", "granted")
    )
    assert sorted(history[:2]) == [("campaign", "sms", True), ("newsletter", "email", True)]
    assert history[2:] == [("campaign", "sms", False)]
    page = member_client.get(reverse("accounts:preferences")).content.decode()
    assert "Consent given" in page and "Withdrawn" in page


def test_leadership_members_are_offered_the_journal(client):
    leader = MembershipFactory(job_role=JobRole.HEADTEACHER)
    client.force_login(leader.user)
    assert "Leadership journal" in client.get(reverse("accounts:preferences")).content.decode()


def test_unknown_preference_fields_are_ignored(member_client, member):
    member_client.post(
        reverse("accounts:preferences"),
        {"journal__email": "on", "x__y": "on", "consultations__email": "on"},
    )
    assert not ConsentState.objects.filter(user=member).exists()


def test_equality_monitoring_is_optional_separate_and_deletable(member_client, member):
    response = member_client.post(reverse("accounts:equality"), {})
    assert response.status_code == 302
    member_client.post(
        reverse("accounts:equality"), {"ethnicity": "black", "networks": ["black", "women"]}
    )
    record = EqualityMonitoring.objects.get(user=member)
    assert record.ethnicity == "black" and record.networks == ["black", "women"]
    response = member_client.post(reverse("accounts:equality"), {"ethnicity": "martian"})
    assert response.status_code == 400
    record.refresh_from_db()
    assert record.ethnicity == "black"
    member_client.post(reverse("accounts:equality"), {"delete": "1"})
    assert not EqualityMonitoring.objects.filter(user=member).exists()


def test_data_export_holds_everything_about_the_member_and_nobody_else(client):
    membership = MembershipFactory(region=region("wales"), workplace_postcode="CF10 4UW")
    other = MembershipFactory()
    EqualityMonitoring.objects.create(user=membership.user, ethnicity="white")
    client.force_login(membership.user)
    client.post(
        reverse("accounts:preferences"), {"newsletter__email": "on", "consultations__email": "on"}
    )
    with download_export(client, membership.user) as archive:
        raw = archive.read("my-member-data.json")
    data = json.loads(raw)
    assert data["account"]["email"] == membership.user.email
    assert data["membership"]["number"] == membership.number
    assert data["membership"]["region"] == "Wales"
    assert data["equality_monitoring"]["ethnicity"] == "White"
    assert data["communication_preferences"]["current"][0]["kind"] == "newsletter"
    text = raw.decode()
    assert other.user.email not in text and other.number not in text
    assert "password" not in text.lower()


def test_a_staff_account_without_membership_sees_a_plain_dashboard(client):
    from tests.factories import staff_user

    user, _ = staff_user()
    client.force_login(user)
    page = client.get(reverse("accounts:dashboard")).content.decode()
    assert "No membership on this account" in page
