"""The rep's space: who is a rep of which workplace, what a rep sees (never a case, money,
equality or address), the record of each look, invite links, volunteering and confirmation."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from casework import services as casework_services
from portal.accounts.choices import Channel, CommunicationKind, MembershipStatus
from portal.accounts.models import ConsentState, EqualityMonitoring, Membership
from portal.accounts.roles import Role
from portal.accounts.selectors import workplace_rep_for
from portal.accounts.services import consent_set, contact_details_save, workplace_for
from portal.communications.models import Delivery
from reps import services
from reps.models import (
    Recruitment,
    RepAccess,
    RepInvite,
    RepKind,
    RepRole,
    RepStatus,
    RepSupport,
)
from tests.accounts.test_join import join_data
from tests.factories import EmployerFactory, MembershipFactory, region, staff_user

pytestmark = pytest.mark.django_db


def make_rep(membership, kind=RepKind.WORKPLACE, until=None):
    role = RepRole.objects.create(
        membership=membership,
        workplace=membership.workplace,
        kind=kind,
        status=RepStatus.CONFIRMED,
        accredited_until=until or timezone.localdate() + timedelta(days=365),
        confirmed_at=timezone.now(),
    )
    services.rep_flag_sync(membership=membership)
    return role


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def school():
    employer = EmployerFactory(name="Hill School")
    return employer


@pytest.fixture
def rep(school):
    membership = MembershipFactory(employer=school, workplace_postcode="N1 9GU")
    make_rep(membership)
    return membership


@pytest.fixture
def colleague(school):
    m = MembershipFactory(
        employer=school, workplace_postcode="N1 9GU", user__first_name="Maya", user__last_name="Ok"
    )
    return m


def test_a_rep_at_one_school_sees_nobody_at_another(rep, colleague):
    elsewhere = MembershipFactory(user__first_name="Zed", user__last_name="Elsewhere")
    other_site = MembershipFactory(
        employer=rep.employer, workplace_postcode="LS1 1UR", user__last_name="Othersite"
    )
    client = client_for(rep.user)
    body = client.get(reverse("reps:home")).content.decode()
    assert "Maya" in body
    assert "Elsewhere" not in body and "Othersite" not in body
    assert client.get(reverse("reps:member", args=[colleague.pk])).status_code == 200
    for hidden in (elsewhere, other_site):
        assert client.get(reverse("reps:member", args=[hidden.pk])).status_code == 404
    assert client.get(reverse("reps:member", args=[999999])).status_code == 404


def test_a_rep_never_sees_cases_money_equality_or_address(rep, colleague):
    user = colleague.user
    contact_details_save(
        actor=user,
        user=user,
        data={
            "address_line_1": "99 Secret Street",
            "town": "Hiddentown",
            "postcode": "N7 8AB",
            "country": "GB",
            "mobile": "07400 123499",
        },
    )
    EqualityMonitoring.objects.create(user=user, ethnicity="black", sexual_orientation="gay")
    case = casework_services.case_submit(
        member=user,
        details=casework_services.CaseDetails(
            category="pay",
            employer=colleague.employer,
            what_happened="SECRET-NARRATIVE",
            desired_outcome="Advice",
        ),
    )
    client = client_for(rep.user)
    pages = [
        reverse("reps:home"),
        reverse("reps:member", args=[colleague.pk]),
        reverse("reps:invite"),
    ]
    for path in pages:
        text = client.get(path).content.decode()
        for forbidden in (
            "Secret Street",
            "Hiddentown",
            "N7 8AB",
            "07400",
            user.email,
            colleague.number,
            "£",
            "sort code",
            "ethnic",
            "sexual orientation",
            "postcode",
            case.reference,
            "SECRET-NARRATIVE",
        ):
            assert forbidden.lower() not in text.lower(), (path, forbidden)
    assert client.get(case.get_absolute_url()).status_code == 404


def test_what_the_rep_pages_read_is_only_the_visible_fields(rep, colleague):
    from reps import access

    members = list(access.members_visible_to_rep(rep.user))
    deferred = members[0].get_deferred_fields()
    for field in ("workplace_postcode", "fee_band", "hours", "number", "region_id"):
        assert field in deferred


def test_a_lapsed_or_expired_rep_loses_the_space(rep, colleague):
    client = client_for(rep.user)
    assert client.get(reverse("reps:home")).status_code == 200
    Membership.objects.filter(pk=rep.pk).update(status=MembershipStatus.LAPSED)
    assert client.get(reverse("reps:home")).status_code == 404
    assert client.get(reverse("reps:member", args=[colleague.pk])).status_code == 404
    Membership.objects.filter(pk=rep.pk).update(status=MembershipStatus.ACTIVE)
    RepRole.objects.filter(membership=rep).update(
        accredited_until=timezone.localdate() - timedelta(days=1)
    )
    assert client.get(reverse("reps:home")).status_code == 404
    assert client.get(reverse("reps:invite")).status_code == 404
    result = services.rep_roles_expire_and_remind()
    assert result["expired"] == 1
    rep.refresh_from_db()
    assert not rep.is_rep
    assert RepRole.objects.get(membership=rep).status == RepStatus.EXPIRED


def test_reps_are_reminded_30_and_7_days_before_once_each(rep):
    role = RepRole.objects.get(membership=rep)
    today = timezone.localdate()
    RepRole.objects.filter(pk=role.pk).update(accredited_until=today + timedelta(days=30))
    assert services.rep_roles_expire_and_remind(today=today)["reminded"] == 1
    assert services.rep_roles_expire_and_remind(today=today)["reminded"] == 0
    later = today + timedelta(days=23)
    assert services.rep_roles_expire_and_remind(today=later)["reminded"] == 1
    sent = Delivery.objects.filter(
        user=rep.user, notification="membership_rep_accreditation_ending"
    )
    assert sent.count() == 2


def test_an_ordinary_member_gets_404_everywhere_in_the_space(colleague, rep):
    client = client_for(colleague.user)
    role = RepRole.objects.get(membership=rep)
    for path in (
        reverse("reps:home"),
        reverse("reps:member", args=[rep.pk]),
        reverse("reps:invite"),
        reverse("reps:invite_qr", args=[role.pk, "png"]),
        reverse("reps:letter", args=[role.pk]),
    ):
        assert client.get(path).status_code == 404, path


def test_every_look_is_recorded_and_the_member_reads_it(rep, colleague):
    client = client_for(rep.user)
    client.get(reverse("reps:home"))
    assert (
        RepAccess.objects.filter(member=colleague.user, viewer=rep.user, kind="list").count() == 1
    )
    client.get(reverse("reps:member", args=[colleague.pk]))
    assert RepAccess.objects.filter(member=colleague.user, kind="member").count() == 1
    member = client_for(colleague.user)
    dashboard = member.get(reverse("accounts:dashboard")).content.decode()
    assert "Who looked at my membership" in dashboard
    page = member.get(reverse("reps:my_access")).content.decode()
    assert rep.user.first_name in page and rep.user.last_name in page
    assert "your membership page" in page and "member list" in page


def test_a_refused_look_is_not_recorded(rep):
    elsewhere = MembershipFactory()
    client_for(rep.user).get(reverse("reps:member", args=[elsewhere.pk]))
    assert not RepAccess.objects.filter(member=elsewhere.user).exists()


def test_the_list_of_300_members_takes_at_most_10_queries(
    rep, school, django_assert_max_num_queries
):
    workplace = rep.workplace
    MembershipFactory.create_batch(30, employer=school, workplace=workplace)
    client = client_for(rep.user)
    client.get(reverse("reps:home"))  # session and first-time reads
    with django_assert_max_num_queries(10):
        small = client.get(reverse("reps:home"))
    MembershipFactory.create_batch(270, employer=school, workplace=workplace)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("reps:home"))
    assert response.status_code == 200 and small.status_code == 200
    assert response.content.decode().count("/rep/members/") == 301
    assert RepAccess.objects.filter(viewer=rep.user).count() >= 301 + 31


def test_rep_contact_is_shown_only_when_agreed(rep, colleague):
    client = client_for(rep.user)
    row = re.search(r"Maya Ok</a></td>(.*?)</tr>", client.get("/rep/").content.decode(), re.S)
    assert row and "<td>No</td>" in row.group(1)
    consent_set(
        user=colleague.user,
        granted={(CommunicationKind.REP_CONTACT, Channel.EMAIL)},
        kinds=[CommunicationKind.REP_CONTACT],
    )
    row = re.search(r"Maya Ok</a></td>(.*?)</tr>", client.get("/rep/").content.decode(), re.S)
    assert "<td>Yes</td>" in row.group(1)


def test_rep_contact_consent_is_off_by_default_and_in_preferences(colleague):
    client = client_for(colleague.user)
    page = client.get(reverse("accounts:preferences")).content.decode()
    assert "Contact from my workplace rep" in page
    assert 'name="rep_contact__email" id' in page or "rep_contact__email" in page
    assert not ConsentState.objects.filter(user=colleague.user, kind="rep_contact").exists()
    client.post(reverse("accounts:preferences"), {"rep_contact__email": "on"})
    assert ConsentState.objects.get(
        user=colleague.user, kind="rep_contact", channel="email"
    ).granted


def test_bad_parameters_are_refused_cleanly(rep, colleague):
    client = client_for(rep.user)
    role = RepRole.objects.get(membership=rep)
    for bad in ("abc", "-1", "999999", "1 OR 1=1", "%00"):
        response = client.get(reverse("reps:home"), {"workplace": bad})
        assert response.status_code == 400
        assert "Choose one of your workplaces." in response.content.decode()
        assert "Maya" not in response.content.decode()
    assert client.get(f"/rep/invite/{role.pk}/qr.gif").status_code == 404
    assert client.get(f"/rep/invite/{role.pk + 1000}/qr.png").status_code == 404
    for bad in ("", "x", "999999"):
        response = client.post(reverse("reps:invite"), {"role": bad})
        assert response.status_code == 400
    assert RepInvite.objects.filter(role=role).count() <= 1
    other = make_rep(MembershipFactory())
    assert client.get(reverse("reps:letter", args=[other.pk])).status_code == 404
    assert client.post(reverse("reps:support", args=[999999])).status_code == 404
    assert client.get(reverse("reps:support", args=[role.pk])).status_code == 405


def test_the_invite_link_credits_the_join_and_tells_the_rep(client, rep, settings):
    role = RepRole.objects.get(membership=rep)
    invite = services.rep_invite_current(role=role)
    page = client_for(rep.user).get(reverse("reps:invite")).content.decode()
    assert f"/join/?invite={invite.token}" in page
    response = client.get(reverse("accounts:join"), {"invite": invite.token})
    text = response.content.decode()
    assert "invited you" in text and 'value="Hill School, Leeds"' in text
    data = join_data(
        employer="Hill School, Leeds",
        workplace_postcode="N1 9GU",
        email="new.colleague@example.org",
        first_name="Nia",
        last_name="Newjoin",
        rep_contact="on",
    )
    assert client.post(reverse("accounts:join"), data).status_code == 302
    client.post(reverse("accounts:join_confirm"))
    joined = Membership.objects.get(user__email="new.colleague@example.org")
    assert joined.workplace_id == rep.workplace_id
    credit = Recruitment.objects.get(membership=joined)
    assert credit.rep == rep.user and credit.workplace_id == rep.workplace_id
    told = Delivery.objects.get(user=rep.user, notification="membership_rep_recruit_joined")
    assert told.context["name"] == "Nia Newjoin"
    assert ConsentState.objects.get(user=joined.user, kind="rep_contact").granted


def test_without_rep_contact_the_rep_is_told_without_the_name(client, rep):
    role = RepRole.objects.get(membership=rep)
    invite = services.rep_invite_current(role=role)
    client.get(reverse("accounts:join"), {"invite": invite.token})
    data = join_data(employer="Hill School, Leeds", email="quiet@example.org", last_name="Quiet")
    client.post(reverse("accounts:join"), data)
    client.post(reverse("accounts:join_confirm"))
    told = Delivery.objects.get(user=rep.user, notification="membership_rep_recruit_joined")
    assert told.context["name"] == ""
    assert "Quiet" not in str(told.context)


@pytest.mark.parametrize("token", ["revoked", "forged-token", "x" * 500, "\x00bad"])
def test_a_bad_or_revoked_invite_still_joins_with_a_note(client, rep, token):
    role = RepRole.objects.get(membership=rep)
    old = services.rep_invite_current(role=role)
    services.rep_invite_renew(role=role)
    value = old.token if token == "revoked" else token
    response = client.get(reverse("accounts:join"), {"invite": value})
    assert response.status_code == 200
    assert "This invite link no longer works" in response.content.decode()
    data = join_data(employer="Hill School, Leeds", email="late@example.org")
    client.post(reverse("accounts:join"), data)
    client.post(reverse("accounts:join_confirm"))
    joined = Membership.objects.get(user__email="late@example.org")
    assert not Recruitment.objects.filter(membership=joined).exists()


def test_a_member_volunteers_colleagues_support_and_the_region_confirms(colleague, school):
    client = client_for(colleague.user)
    page = client.get(reverse("reps:volunteer"))
    assert page.status_code == 200
    response = client.post(
        reverse("reps:volunteer"), {"workplace": colleague.workplace_id, "kind": "learning"}
    )
    assert response.status_code == 302
    role = RepRole.objects.get(membership=colleague)
    assert role.status == RepStatus.VOLUNTEERED
    other = MembershipFactory(employer=school, workplace=colleague.workplace)
    dashboard = client_for(other.user).get(reverse("accounts:dashboard")).content.decode()
    assert "has volunteered as Learning rep" in dashboard
    client_for(other.user).post(reverse("reps:support", args=[role.pk]))
    client_for(other.user).post(reverse("reps:support", args=[role.pk]))  # once only
    assert RepSupport.objects.filter(role=role).count() == 1
    # A second volunteer for the same role: contested.
    rival = MembershipFactory(employer=school, workplace=colleague.workplace)
    rival_role = services.rep_volunteer(
        membership=rival, workplace_id=rival.workplace_id, kind="learning"
    )
    assert services.contested(rival_role) and services.contested(role)
    # Another region's caseworker may not decide it; London's may.
    wales, _ = staff_user(Role.CASEWORKER)
    wales.regions.add(region("wales"))
    with pytest.raises(services.RepRuleError):
        services.rep_role_confirm(
            role=role, by=wales, accredited_until=timezone.localdate() + timedelta(days=90)
        )
    london, _ = staff_user(Role.CASEWORKER)
    london.regions.add(region("london"))
    with pytest.raises(services.RepRuleError):
        services.rep_role_confirm(role=role, by=london, accredited_until=timezone.localdate())
    services.rep_role_confirm(
        role=role,
        by=london,
        accredited_until=timezone.localdate() + timedelta(days=90),
        election_result="Elected 14 votes to 9",
    )
    colleague.refresh_from_db()
    assert colleague.is_rep
    assert client.get(reverse("reps:home")).status_code == 200
    pdf = client.get(reverse("reps:letter", args=[role.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    services.rep_role_decline(role=rival_role, by=london)
    with pytest.raises(services.RepRuleError):
        services.rep_role_confirm(
            role=rival_role, by=london, accredited_until=timezone.localdate() + timedelta(days=9)
        )


@pytest.mark.parametrize(
    "data, field",
    [
        ({"workplace": "999999", "kind": "workplace"}, "workplace"),
        ({"workplace": "abc", "kind": "workplace"}, "workplace"),
        ({"kind": "workplace"}, "workplace"),
        ({"workplace": "WP", "kind": "king"}, "kind"),
        ({"workplace": "WP"}, "kind"),
    ],
)
def test_the_volunteer_form_refuses_bad_input(colleague, data, field):
    data = {k: (str(colleague.workplace_id) if v == "WP" else v) for k, v in data.items()}
    response = client_for(colleague.user).post(reverse("reps:volunteer"), data)
    assert response.status_code == 400
    assert 'class="error-summary"' in response.content.decode()
    assert f'id="id_{field}' in response.content.decode()
    assert not RepRole.objects.filter(membership=colleague).exists()


def test_volunteering_twice_is_refused(colleague):
    client = client_for(colleague.user)
    data = {"workplace": colleague.workplace_id, "kind": "equality"}
    client.post(reverse("reps:volunteer"), data)
    response = client.post(reverse("reps:volunteer"), data)
    assert response.status_code == 400
    assert "already volunteered" in response.content.decode()
    assert RepRole.objects.filter(membership=colleague).count() == 1


def test_the_rep_shown_to_a_member_is_the_one_at_their_own_workplace(school):
    member = MembershipFactory(employer=school, workplace_postcode="N1 9GU")
    other_site = MembershipFactory(employer=school, workplace_postcode="LS1 1UR")
    make_rep(other_site)
    own = MembershipFactory(
        employer=school,
        workplace=workplace_for(employer=school, postcode="N1 9GU"),
        workplace_postcode="LS1 1UR",
    )
    make_rep(own)
    assert workplace_rep_for(member) == own


def test_the_qr_codes_encode_the_invite_link(rep):
    role = RepRole.objects.get(membership=rep)
    client = client_for(rep.user)
    png = client.get(reverse("reps:invite_qr", args=[role.pk, "png"]))
    svg = client.get(reverse("reps:invite_qr", args=[role.pk, "svg"]))
    assert png["Content-Type"] == "image/png" and png.content.startswith(b"\x89PNG")
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    assert len(mail.outbox) == 0


def test_an_officer_verifies_workplaces_named_at_join(client):
    school = EmployerFactory(name="New Site Trust")
    workplace = workplace_for(employer=school, postcode="N1 9GU")
    assert not workplace.verified
    officer, _ = staff_user(Role.CASEWORKER)
    client.force_login(officer)
    listing = client.get(reverse("admin:accounts_workplace_changelist"), {"verified__exact": "0"})
    assert listing.status_code == 200 and "New Site Trust" in listing.content.decode()
    assert (
        client.get(
            reverse("admin:accounts_workplace_changelist"),
            {"members__user__contact__isnull": "False"},
        ).status_code
        == 400
    )
    client.post(
        reverse("admin:accounts_workplace_changelist"),
        {"action": "mark_verified", "_selected_action": [workplace.pk]},
    )
    workplace.refresh_from_db()
    assert workplace.verified


def test_a_rep_raises_a_workplace_issue_for_the_region(rep):
    from casework.models import Case

    client = client_for(rep.user)
    assert client.get(reverse("reps:issue")).status_code == 200
    data = {
        "workplace": rep.workplace_id,
        "category": "restructure",
        "what_happened": "The head plans to cut two posts.",
        "desired_outcome": "A proper consultation.",
    }
    response = client.post(reverse("reps:issue"), data)
    case = Case.objects.get(member=rep.user)
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url()
    assert case.colleagues_affected and case.region_id == rep.region_id
    assert case.employer_id == rep.employer_id and case.status == "new"
    assert "Workplace issue at" in case.what_happened


@pytest.mark.parametrize(
    "change, field",
    [
        ({"workplace": "999999"}, "workplace"),
        ({"workplace": "x"}, "workplace"),
        ({"category": "discipline"}, "category"),
        ({"category": ""}, "category"),
        ({"what_happened": ""}, "what_happened"),
        ({"desired_outcome": "x" * 2001}, "desired_outcome"),
    ],
)
def test_the_workplace_issue_form_refuses_bad_input(rep, change, field):
    from casework.models import Case

    data = {
        "workplace": rep.workplace_id,
        "category": "pay",
        "what_happened": "Pay is late.",
        "desired_outcome": "Pay on time.",
        **change,
    }
    response = client_for(rep.user).post(reverse("reps:issue"), data)
    assert response.status_code == 400
    assert f'id="id_{field}"' in response.content.decode()
    assert 'class="error-summary"' in response.content.decode()
    assert not Case.objects.filter(member=rep.user).exists()


def test_only_a_rep_raises_a_workplace_issue(colleague, rep):
    response = client_for(colleague.user).post(
        reverse("reps:issue"),
        {
            "workplace": colleague.workplace_id,
            "category": "pay",
            "what_happened": "x",
            "desired_outcome": "y",
        },
    )
    assert response.status_code == 404


def test_density_by_section_now_and_over_time(rep, colleague):
    from reps.models import Headcount

    client = client_for(rep.user)
    page = client.get(reverse("reps:density"))
    assert page.status_code == 200 and "No headcount yet" in page.content.decode()
    last_year = (timezone.localdate() - timedelta(days=365)).isoformat()
    Membership.objects.filter(pk=colleague.pk).update(joined_on=timezone.localdate())
    Membership.objects.filter(pk=rep.pk).update(
        joined_on=timezone.localdate() - timedelta(days=800)
    )
    client.post(
        reverse("reps:density"),
        {"workplace": rep.workplace_id, "counted_on": last_year, "count_teachers": "10"},
    )
    response = client.post(
        reverse("reps:density"),
        {
            "workplace": rep.workplace_id,
            "counted_on": timezone.localdate().isoformat(),
            "count_teachers": "8",
            "count_support": "",
        },
    )
    assert response.status_code == 302
    assert Headcount.objects.filter(workplace=rep.workplace).count() == 2
    text = client.get(reverse("reps:density")).content.decode()
    # Today: the rep and the colleague (2 of 8, 25%); a year ago only the rep (1 of 10).
    assert "<td>2</td><td>8</td><td>25%</td>" in text
    assert "<td>1</td><td>10</td><td>10%</td>" in text
    assert "<svg" in text and "Teachers and lecturers, " in text


@pytest.mark.parametrize(
    "change, field",
    [
        ({"count_teachers": "-1"}, "count_teachers"),
        ({"count_teachers": "ten"}, "count_teachers"),
        ({"count_teachers": "99999999"}, "count_teachers"),
        ({"count_teachers": ""}, "count_leadership"),
        ({"counted_on": "2999-01-01"}, "counted_on"),
        ({"counted_on": "31/02/2026"}, "counted_on"),
        ({"workplace": "999999"}, "workplace"),
    ],
)
def test_the_headcount_form_refuses_bad_input(rep, change, field):
    from reps.models import Headcount

    data = {
        "workplace": rep.workplace_id,
        "counted_on": timezone.localdate().isoformat(),
        "count_teachers": "5",
        **change,
    }
    response = client_for(rep.user).post(reverse("reps:density"), data)
    assert response.status_code == 400
    assert f'id="id_{field}"' in response.content.decode()
    assert not Headcount.objects.exists()


def test_density_is_only_for_the_rep(rep, colleague):
    assert client_for(colleague.user).get(reverse("reps:density")).status_code == 404
    client = client_for(rep.user)
    assert client.get(reverse("reps:density"), {"workplace": "x"}).status_code == 400
