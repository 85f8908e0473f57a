"""A member's home address and mobile: the rules as tables, the page, the officer's admin
screen, the history of changes, encryption at rest and the dashboard's notice."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.urls import reverse

from portal.accounts import contact, services
from portal.accounts.choices import MembershipStatus
from portal.accounts.models import ContactDetails, ContactDetailsChange, RecordAccess
from tests.factories import MembershipFactory, staff_user

pytestmark = pytest.mark.django_db

GOOD = {
    "address_line_1": "12 SECRET-ADDRESS Road",
    "address_line_2": "",
    "address_line_3": "",
    "town": "Leeds",
    "postcode": "ls1 1ur",
    "country": "GB",
    "mobile": "07400 123456",
}


@pytest.mark.parametrize(
    ("country", "postcode", "kept", "problem"),
    [
        ("GB", "sw1a1aa", "SW1A 1AA", None),
        ("GB", " ec1a  1bb ", "EC1A 1BB", None),
        ("GB", "BT3 9DT", "BT3 9DT", None),
        ("GB", "", "", contact.POSTCODE_REQUIRED),
        ("GB", "12345", None, contact.POSTCODE_INVALID),
        ("GB", "QQ1 1AA", None, contact.POSTCODE_INVALID),
        ("GB", "SW1A 1AC", None, contact.POSTCODE_INVALID),
        ("GB", "<script>", None, contact.POSTCODE_INVALID),
        ("JE", "je2 3ab", "JE2 3AB", None),
        ("GG", "GY1 1AA", "GY1 1AA", None),
        ("IM", "IM1 1AA", "IM1 1AA", None),
        ("JE", "", "", contact.POSTCODE_REQUIRED),
        ("FR", "75001", "75001", None),
        ("FR", "", "", None),
        ("US", "94103-1234", "94103-1234", None),
        ("FR", "x" * 21, None, contact.POSTAL_CODE_TOO_LONG),
    ],
)
def test_postcodes_by_country(country, postcode, kept, problem):
    check = contact.check_postcode(country=country, postcode=postcode)
    assert check.problem == (str(problem) if problem else None)
    if kept is not None:
        assert check.value == kept


def test_a_crown_dependency_postcode_must_have_its_own_country():
    check = contact.check_postcode(country="GB", postcode="JE2 3AB")
    assert check.problem == str(contact.POSTCODE_WRONG_COUNTRY % {"place": "Jersey"})
    check = contact.check_postcode(country="IM", postcode="SW1A 1AA")
    assert "the United Kingdom" in check.problem


@pytest.mark.parametrize(
    ("raw", "country", "e164", "problem"),
    [
        ("07400 123456", "GB", "+447400123456", None),
        ("+44 7400 123456", "FR", "+447400123456", None),
        ("(07400) 123-456", "GB", "+447400123456", None),
        ("06 12 34 56 78", "FR", "+33612345678", None),
        ("07624 123456", "IM", "+447624123456", None),
        ("", "GB", "", None),
        ("020 7946 0000", "GB", None, contact.MOBILE_NOT_MOBILE),
        ("12", "GB", None, contact.MOBILE_INVALID),
        ("not a number", "GB", None, contact.MOBILE_INVALID),
        ("07400 12345", "GB", None, contact.MOBILE_INVALID),
        ("+999 123", "GB", None, contact.MOBILE_INVALID),
        ("9" * 40, "GB", None, contact.MOBILE_INVALID),
    ],
)
def test_mobiles_are_kept_in_e164(raw, country, e164, problem):
    check = contact.check_mobile(raw, country=country)
    assert check.problem == (str(problem) if problem else None)
    if e164 is not None:
        assert check.value == e164


def test_uk_mobiles_are_shown_as_people_write_them():
    assert contact.mobile_display("+447400123456") == "07400 123456"
    assert contact.mobile_display("+33612345678") == "+33 6 12 34 56 78"


def test_the_countries_start_with_the_uk_and_the_crown_dependencies():
    codes = [code for code, _name in contact.country_choices()]
    assert codes[:4] == ["GB", "JE", "GG", "IM"]
    assert "FR" in codes and len(codes) > 200
    assert contact.country_name("IM") == "Isle of Man"


@pytest.fixture
def member_client(client):
    membership = MembershipFactory()
    client.force_login(membership.user)
    return client, membership.user


def test_the_member_adds_a_home_address_and_it_is_kept_encrypted(member_client):
    client, user = member_client
    response = client.post(reverse("accounts:contact"), GOOD)
    assert response.status_code == 302
    record = ContactDetails.objects.get(user=user)
    assert record.postcode == "LS1 1UR"
    assert record.mobile == "+447400123456"
    assert record.has_home_address
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT address_line_1, town, postcode, country, mobile FROM "
            "accounts_contactdetails WHERE id = %s",
            [record.pk],
        )
        raw = cursor.fetchone()
    assert all(value.startswith("fernet:") for value in raw)
    assert "SECRET-ADDRESS" not in "".join(raw)
    changes = set(ContactDetailsChange.objects.filter(user=user).values_list("field", flat=True))
    assert changes == {"address_line_1", "town", "postcode", "country", "mobile"}
    assert all(c.by_member and c.actor == user for c in ContactDetailsChange.objects.all())
    page = client.get(reverse("accounts:contact")).content.decode()
    assert 'value="07400 123456"' in page and 'value="LS1 1UR"' in page


def test_only_the_changed_fields_are_recorded(member_client):
    client, user = member_client
    client.post(reverse("accounts:contact"), GOOD)
    ContactDetailsChange.objects.all().delete()
    client.post(reverse("accounts:contact"), {**GOOD, "mobile": ""})
    change = ContactDetailsChange.objects.get()
    assert (change.field, change.cleared) == ("mobile", True)
    client.post(reverse("accounts:contact"), {**GOOD, "mobile": ""})
    assert ContactDetailsChange.objects.count() == 1, "saving the same again records nothing"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"postcode": "NOT A CODE"}, "postcode", contact.POSTCODE_INVALID),
        ({"postcode": ""}, "postcode", contact.POSTCODE_REQUIRED),
        ({"postcode": "JE2 3AB"}, "postcode", None),
        ({"town": ""}, "town", contact.TOWN_REQUIRED),
        ({"address_line_1": ""}, "address_line_1", contact.LINE_1_REQUIRED),
        ({"country": ""}, "country", contact.COUNTRY_REQUIRED),
        ({"country": "ZZ"}, "country", None),
        ({"mobile": "12345"}, "mobile", contact.MOBILE_INVALID),
        ({"mobile": "020 7946 0000"}, "mobile", contact.MOBILE_NOT_MOBILE),
    ],
)
def test_bad_input_is_refused_with_a_summary_and_nothing_is_saved(
    member_client, changes, field, message
):
    client, user = member_client
    response = client.post(reverse("accounts:contact"), {**GOOD, **changes})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'class="error-summary"' in page and f'href="#id_{field}"' in page
    assert "<title>Error:" in page
    if message is not None:
        assert str(message) in page
    assert not ContactDetails.objects.filter(user=user).exists()
    assert not ContactDetailsChange.objects.exists()


def test_an_overseas_address_needs_no_postcode(member_client):
    client, user = member_client
    data = {**GOOD, "postcode": "", "town": "Lyon", "country": "FR", "mobile": "06 12 34 56 78"}
    assert client.post(reverse("accounts:contact"), data).status_code == 302
    record = ContactDetails.objects.get(user=user)
    assert (record.country, record.postcode, record.mobile) == ("FR", "", "+33612345678")
    assert record.address_lines()[-1] == "France"


def test_the_service_refuses_what_the_form_would_and_anyone_but_the_member_or_an_officer():
    user = MembershipFactory().user
    other = MembershipFactory().user
    with pytest.raises(services.ContactDetailsError) as error:
        services.contact_details_save(actor=user, user=user, data={**GOOD, "postcode": "X"})
    assert set(error.value.problems) == {"postcode"}
    with pytest.raises(services.AccessError):
        services.contact_details_save(actor=other, user=user, data=GOOD)
    assert not ContactDetails.objects.exists()


def test_the_dashboard_tells_a_member_without_a_home_address(member_client):
    client, user = member_client
    page = client.get(reverse("accounts:dashboard")).content.decode()
    assert 'id="home-address-missing"' in page
    assert reverse("accounts:contact") in page
    client.post(
        reverse("accounts:contact"),
        {**GOOD, "address_line_1": "", "town": ""} | {"postcode": "", "country": ""},
    )
    page = client.get(reverse("accounts:dashboard")).content.decode()
    assert 'id="home-address-missing"' in page, "a mobile alone is not an address"
    client.post(reverse("accounts:contact"), GOOD)
    page = client.get(reverse("accounts:dashboard")).content.decode()
    assert 'id="home-address-missing"' not in page


def test_a_resigned_member_is_not_asked_for_a_ballot_address(client):
    membership = MembershipFactory(status=MembershipStatus.RESIGNED)
    client.force_login(membership.user)
    page = client.get(reverse("accounts:dashboard")).content.decode()
    assert 'id="home-address-missing"' not in page


@pytest.fixture
def officer(client):
    group, _ = Group.objects.get_or_create(name="Contact details test role")
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="accounts",
            codename__in=[
                "view_contactdetails",
                "change_contactdetails",
                "add_contactdetails",
                "view_contactdetailschange",
            ],
        )
    )
    user, _secret = staff_user(first_name="Mo", last_name="Officer")
    user.groups.add(group)
    client.force_login(user)
    return client, user


def test_a_membership_officer_changes_an_address_in_the_admin_and_it_is_recorded(officer):
    client, officer_user = officer
    member = MembershipFactory().user
    services.contact_details_save(actor=member, user=member, data=GOOD)
    record = ContactDetails.objects.get(user=member)
    url = reverse("admin:accounts_contactdetails_change", args=[record.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert RecordAccess.objects.filter(user=member, viewer=officer_user, part="contact").exists()
    data = {**GOOD, "town": "Bradford", "postcode": "BD1 1AA", "user": member.pk}
    bad = client.post(url, {**data, "postcode": "nonsense"})
    assert bad.status_code == 200 and str(contact.POSTCODE_INVALID) in bad.content.decode()
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    record.refresh_from_db()
    assert (record.town, record.postcode) == ("Bradford", "BD1 1AA")
    by_officer = ContactDetailsChange.objects.filter(user=member, actor=officer_user)
    assert set(by_officer.values_list("field", flat=True)) == {"town", "postcode"}
    assert not any(c.by_member for c in by_officer)
    history = client.get(url).content.decode()
    assert "Mo Officer" in history and "postcode" in history


def test_the_admin_screen_needs_its_own_permission(client):
    from portal.accounts.roles import Role

    member = MembershipFactory().user
    services.contact_details_save(actor=member, user=member, data=GOOD)
    record = ContactDetails.objects.get(user=member)
    url = reverse("admin:accounts_contactdetails_change", args=[record.pk])
    for role in Role.ALL:
        user, _secret = staff_user(role)
        client.force_login(user)
        if role == Role.MEMBERSHIP_OFFICER:
            # The one role that keeps members' contact details (membership migration 0003).
            assert client.get(url).status_code == 200, role
            continue
        assert client.get(url).status_code in (302, 403, 404), role
        assert client.get(reverse("admin:accounts_contactdetails_changelist")).status_code == 403


def test_the_demo_members_have_home_addresses_but_the_rep(client):
    import io

    from django.core.management import call_command

    from portal.accounts.demo import HOME_ADDRESSES, NO_HOME_ADDRESS
    from portal.accounts.models import User

    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())  # again: nothing new recorded
    for email in HOME_ADDRESSES:
        record = ContactDetails.objects.get(user__email=email)
        assert record.has_home_address and record.mobile.startswith("+"), email
    assert (
        ContactDetails.objects.get(user__email="oliver.bennett@members.demo.example").country
        == "JE"
    )
    assert not ContactDetails.objects.filter(user__email=NO_HOME_ADDRESS).exists()
    changes = ContactDetailsChange.objects.filter(user__email="member@demo.example").count()
    assert changes == 5, "seeding twice records the first time only"
    rep = User.objects.get(email=NO_HOME_ADDRESS)
    assert rep.membership.status == MembershipStatus.ACTIVE
    client.force_login(rep)
    assert 'id="home-address-missing"' in client.get(reverse("accounts:dashboard")).content.decode()


def test_an_address_line_too_long_is_refused_by_the_service_too():
    user = MembershipFactory().user
    with pytest.raises(services.ContactDetailsError) as error:
        services.contact_details_save(
            actor=user, user=user, data={**GOOD, "address_line_2": "x" * 201}
        )
    assert error.value.problems == {"address_line_2": "Use at most 200 characters."}


def test_the_written_out_country_names_match_the_phone_number_library():
    from portal.accounts.countries import COUNTRY_NAMES, from_library

    assert from_library() == COUNTRY_NAMES
    assert COUNTRY_NAMES["GB"] == "United Kingdom" and COUNTRY_NAMES["IM"] == "Isle of Man"


def test_a_web_process_does_not_load_every_countrys_numbering_data():
    """The geocoder's data is about 100 MB in every web process; the address form's country
    names are written out instead (portal/accounts/countries.py)."""
    import subprocess
    import sys

    code = (
        "import django, sys; django.setup();"
        "from django.urls import get_resolver; get_resolver().url_patterns;"
        "from portal.accounts import contact; contact.country_choices();"
        "contact.check_mobile('07400 123456'); contact.mobile_display('+447400123456');"
        "print('phonenumbers.geocoder' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.strip() == "False", out.stderr
