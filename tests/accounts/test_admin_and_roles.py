"""Roles as groups, the member admin, and who sees equality monitoring."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from portal.accounts.choices import MembershipStatus
from portal.accounts.models import EqualityMonitoring, Membership
from portal.accounts.roles import Role
from tests.factories import MembershipFactory, staff_user

pytestmark = pytest.mark.django_db


def perms(role):
    return set(
        Group.objects.get(name=role).permissions.values_list("content_type__app_label", "codename")
    )


def test_every_role_exists_as_a_group():
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.ALL)


def test_officers_read_memberships_but_do_not_change_them():
    for role in (Role.CASEWORKER, Role.LEAD_OFFICER, Role.CASEWORK_MANAGER):
        assert ("accounts", "view_membership") in perms(role)
        assert ("accounts", "change_membership") not in perms(role)


def test_only_the_equality_role_sees_equality_monitoring():
    holders = [r for r in Role.ALL if ("accounts", "view_equalitymonitoring") in perms(r)]
    assert holders == [Role.EQUALITY]


def test_administrators_manage_users_and_roles():
    admin_perms = perms(Role.ADMINISTRATOR)
    assert ("accounts", "change_user") in admin_perms
    assert ("auth", "change_group") in admin_perms


def logged_in(client, role):
    user, _ = staff_user(role)
    client.force_login(user)
    return user


def test_members_are_searchable_by_name_email_and_number(client):
    logged_in(client, Role.CASEWORK_MANAGER)
    target = MembershipFactory(user__first_name="Philippa", user__email="pc@example.org")
    MembershipFactory.create_batch(3)
    url = reverse("admin:accounts_membership_changelist")
    for q in ("Philippa", "pc@example.org", target.number):
        page = client.get(url, {"q": q}).content.decode()
        assert target.number in page, q
        assert page.count("field-number") == 1, q


def test_people_are_found_by_words_of_their_name_or_email_and_by_number(client):
    """In both lists staff search (people and memberships): every word must match the first
    name, last name or email; a whole number finds that membership; through indexes."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    logged_in(client, Role.ADMINISTRATOR)
    target = MembershipFactory(
        user__first_name="Philippa", user__last_name="Cartwright", user__email="pc@example.org"
    )
    other = MembershipFactory(user__first_name="Philippa", user__last_name="Jones")
    for name, column in (
        ("admin:accounts_user_changelist", "field-email"),
        ("admin:accounts_membership_changelist", "field-number"),
    ):
        url = reverse(name)
        for q, found in (
            ("philippa", {target, other}),
            ("Philippa cart", {target}),
            ("PC@EXAMPLE", {target}),
            (target.number, {target}),
            (f" {target.number[:4]} {target.number[4:]} ", {target}),
            ("nobody-by-this-name", set()),
        ):
            page = client.get(url, {"q": q}).content.decode()
            assert page.count(column) == len(found), (name, q)
            for membership in (target, other):
                assert (membership.user.email in page) == (membership in found), (name, q)
    # Served by indexes, for people and for memberships: with sequential and whole-index
    # scans off (this table is too small for the planner to care otherwise), a search no
    # index can serve still reads the whole table; these look their rows up.
    for name in ("admin:accounts_user_changelist", "admin:accounts_membership_changelist"):
        for q in ("philippa cart", target.number):
            with CaptureQueriesContext(connection) as ctx:
                client.get(reverse(name), {"q": q})
            searches = [
                query["sql"]
                for query in ctx.captured_queries
                if query["sql"].startswith("SELECT")
                and ("LIKE" in query["sql"] or q in query["sql"])
            ]
            assert searches, (name, q)
            with connection.cursor() as cursor:
                cursor.execute("SET enable_seqscan = off")
                cursor.execute("SET enable_indexscan = off")
                for sql in searches:
                    cursor.execute("EXPLAIN " + sql)
                    plan = "\n".join(row[0] for row in cursor.fetchall())
                    # Looked up in the name and email trigram indexes, or the number's
                    # own; never every row read and checked (in any order, by any index).
                    index = "_trgm" if "LIKE" in sql else "accounts_membership_number"
                    assert index in plan, plan
                    assert "Seq Scan on accounts_user" not in plan, plan
                    assert "Seq Scan on accounts_membership" not in plan, plan
                cursor.execute("RESET enable_seqscan")
                cursor.execute("RESET enable_indexscan")


@pytest.mark.parametrize(
    "name, plural", [("accounts_membership", "memberships"), ("accounts_user", "users")]
)
def test_the_member_lists_count_only_as_far_as_staff_can_page(client, monkeypatch, name, plural):
    """500,000 members are not counted for every page of the list: past what can be paged
    from here, the list says "more than"; below it, the exact number."""
    from django.contrib import admin

    from portal.admin import CappedPaginator

    logged_in(client, Role.ADMINISTRATOR)
    MembershipFactory.create_batch(4)
    model = Membership if name == "accounts_membership" else Membership.user.field.related_model
    monkeypatch.setattr(CappedPaginator, "floor", 2)
    monkeypatch.setattr(CappedPaginator, "ahead", 0)
    monkeypatch.setattr(admin.site._registry[model], "list_per_page", 1)
    url = reverse(f"admin:{name}_changelist")
    page = client.get(url).content.decode()
    assert f"more than 2 {plural}" in page
    # Far enough on, everything is counted and the exact number shown.
    monkeypatch.setattr(CappedPaginator, "ahead", 100)
    total = model.objects.count()
    assert f"{total} {plural}" in client.get(url).content.decode()


def test_member_list_filters(client):
    logged_in(client, Role.CASEWORK_MANAGER)
    leader = MembershipFactory(job_role="headteacher")
    teacher = MembershipFactory()
    url = reverse("admin:accounts_membership_changelist")
    page = client.get(url, {"section__exact": "leadership"}).content.decode()
    assert leader.number in page and teacher.number not in page
    page = client.get(url, {"employer__kind__exact": "school", "status__exact": "active"})
    assert page.status_code == 200


def test_member_list_query_count_does_not_grow(client, django_assert_max_num_queries):
    logged_in(client, Role.CASEWORK_MANAGER)
    MembershipFactory.create_batch(3)
    url = reverse("admin:accounts_membership_changelist")
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    MembershipFactory.create_batch(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_a_caseworker_cannot_change_a_membership(client):
    logged_in(client, Role.CASEWORKER)
    membership = MembershipFactory()
    url = reverse("admin:accounts_membership_change", args=[membership.pk])
    assert client.get(url).status_code == 200
    client.post(url, {"job_role": "headteacher"})
    membership.refresh_from_db()
    assert membership.job_role == "teacher"


def test_a_publisher_does_not_see_members(client):
    logged_in(client, Role.PUBLISHER)
    assert client.get(reverse("admin:accounts_membership_changelist")).status_code == 403


def test_equality_data_is_hidden_from_the_member_admin_and_from_staff_without_permission(client):
    membership = MembershipFactory()
    EqualityMonitoring.objects.create(user=membership.user, ethnicity="asian")
    admin_user = logged_in(client, Role.ADMINISTRATOR)
    change = client.get(reverse("admin:accounts_user_change", args=[membership.user.pk]))
    assert "Asian" not in change.content.decode()
    assert client.get(reverse("admin:accounts_equalitymonitoring_changelist")).status_code == 403
    assert "Equality monitoring" not in client.get(reverse("admin:index")).content.decode()
    admin_user.groups.add(Group.objects.get(name=Role.EQUALITY))
    page = client.get(reverse("admin:accounts_equalitymonitoring_changelist"))
    assert page.status_code == 200
    assert "Asian" in page.content.decode()


def test_admin_status_action_goes_through_the_service(client):
    admin_user, _ = staff_user(Role.ADMINISTRATOR)
    client.force_login(admin_user)
    membership = MembershipFactory()
    client.post(
        reverse("admin:accounts_membership_changelist"),
        {"action": "mark_lapsed", "_selected_action": [membership.pk]},
    )
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.LAPSED


def test_admin_edits_re_derive_section_and_band(client):
    admin_user, _ = staff_user(Role.ADMINISTRATOR)
    client.force_login(admin_user)
    membership = MembershipFactory()
    url = reverse("admin:accounts_membership_change", args=[membership.pk])
    data = {
        "user": membership.user_id,
        "joined_on": membership.joined_on.isoformat(),
        "employer": membership.employer_id,
        "job_role": "mat_leader",
        "hours": "part_time",
        "workplace_postcode": membership.workplace_postcode,
        "nation": membership.nation,
        "region": membership.region_id,
    }
    assert client.post(url, data).status_code == 302
    membership = Membership.objects.get(pk=membership.pk)
    assert (membership.section, membership.fee_band) == ("leadership", "L2")
