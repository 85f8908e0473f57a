"""Nobody grants themselves power (issue 12, section 2).

An administrator cannot change their own access, only a superuser touches superuser status
(and only to remove it), the roles that open confidential data need a second administrator's
approval, and every change to a person's access is written to a history by the database
itself, shown on the user's page and announced to the other administrators."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from portal.accounts import services
from portal.accounts.models import (
    Membership,
    Region,
    RoleChange,
    RoleGrant,
    RoleGrantStatus,
    User,
)
from portal.accounts.roles import Role
from portal.communications.models import Delivery
from portal.communications.rendering import notification_message
from tests.factories import MembershipFactory, UserFactory, staff_user

from .adminforms import read_form

pytestmark = pytest.mark.django_db

SENSITIVE = (Role.EQUALITY, Role.CASEWORK_MANAGER, Role.ADMINISTRATOR)


def group(name: str) -> Group:
    return Group.objects.get(name=name)


def administrator(**kwargs) -> User:
    user, _ = staff_user(Role.ADMINISTRATOR, **kwargs)
    return user


def superuser() -> User:
    user, _ = staff_user(None, is_superuser=True)
    return user


def change_url(user: User) -> str:
    return reverse("admin:accounts_user_change", args=[user.pk])


def access_of(user: User) -> tuple:
    user = User.objects.get(pk=user.pk)
    return (
        user.is_staff,
        user.is_superuser,
        user.is_active,
        sorted(user.groups.values_list("name", flat=True)),
        sorted(user.user_permissions.values_list("codename", flat=True)),
        sorted(user.regions.values_list("slug", flat=True)),
    )


def user_form(client, user: User) -> tuple[dict, set]:
    page = client.get(change_url(user))
    assert page.status_code == 200
    return read_form(page.content.decode(), "user_form")


def escalation(data: dict) -> dict:
    """What an administrator would add to make themselves anything."""
    data = dict(data)
    data["groups"] = [str(group(name).pk) for name in SENSITIVE]
    data["user_permissions"] = [str(Permission.objects.get(codename="view_equalitymonitoring").pk)]
    data["regions"] = [str(pk) for pk in Region.objects.values_list("pk", flat=True)]
    data["is_superuser"] = ["on"]
    data["is_staff"] = ["on"]
    data["is_active"] = ["on"]
    data["_save"] = ["Save"]
    return data


# --- one's own record ----------------------------------------------------------------------


def test_an_administrator_s_own_access_is_read_only_on_their_page(client):
    me = administrator()
    client.force_login(me)
    _, fields = user_form(client, me)
    for name in ("groups", "user_permissions", "regions", "is_staff", "is_superuser"):
        assert name not in fields, name
    assert "first_name" in fields  # the rest of the record stays editable


def test_an_administrator_cannot_make_themselves_anything_through_their_own_form(client):
    me = administrator()
    client.force_login(me)
    before = access_of(me)
    data, _ = user_form(client, me)
    response = client.post(change_url(me), escalation(data))
    assert response.status_code in (200, 302)
    assert access_of(me) == before
    assert not RoleGrant.objects.filter(user=me).exists()
    assert not me.has_perm("accounts.view_equalitymonitoring")
    eq = client.get(reverse("admin:accounts_equalitymonitoring_changelist"))
    assert eq.status_code == 403


def test_a_crafted_post_for_one_s_own_access_changes_nothing(client):
    """No page read first: a hand-made body with every access field set."""
    me = administrator(first_name="Ada", last_name="Admin")
    client.force_login(me)
    before = access_of(me)
    data = escalation(
        {
            "email": [me.email],
            "first_name": ["Ada"],
            "last_name": ["Admin"],
            "date_joined_0": ["2026-01-01"],
            "date_joined_1": ["00:00:00"],
        }
    )
    client.post(change_url(me), data)
    assert access_of(me) == before
    assert not RoleGrant.objects.filter(user=me).exists()


def test_the_service_refuses_a_change_to_one_s_own_access():
    me = administrator()
    for change in (
        {"groups": [group(Role.EQUALITY)]},
        {"groups": []},
        {"regions": list(Region.objects.all()[:1])},
    ):
        with pytest.raises(services.AccessError, match="their own"):
            services.user_save_access(actor=me, user=User.objects.get(pk=me.pk), **change)
    me.is_superuser = True
    with pytest.raises(services.AccessError):
        services.user_save_access(actor=me, user=me)
    fresh = User.objects.get(pk=me.pk)
    fresh.is_staff = False
    with pytest.raises(services.AccessError, match="their own"):
        services.user_save_access(actor=me, user=fresh)
    assert access_of(me)[:4] == (True, False, True, [Role.ADMINISTRATOR])


def test_even_a_superuser_cannot_change_their_own_roles():
    boss = superuser()
    with pytest.raises(services.AccessError, match="their own"):
        services.user_save_access(actor=boss, user=boss, groups=[group(Role.PUBLISHER)])


# --- superuser status ----------------------------------------------------------------------


def test_only_a_superuser_sees_superuser_status_as_a_field(client):
    target = MembershipFactory().user
    client.force_login(administrator())
    _, fields = user_form(client, target)
    assert "is_superuser" not in fields
    assert "user_permissions" not in fields
    assert "groups" in fields and "is_staff" in fields
    boss = superuser()
    client.force_login(boss)
    _, fields = user_form(client, target)
    assert "is_superuser" in fields


def test_an_administrator_cannot_make_someone_a_superuser(client):
    target = UserFactory()
    client.force_login(administrator())
    data, _ = user_form(client, target)
    data["is_superuser"] = ["on"]
    client.post(change_url(target), data)
    assert not User.objects.get(pk=target.pk).is_superuser
    target.is_superuser = True
    with pytest.raises(services.AccessError, match="superuser"):
        services.user_save_access(actor=administrator(), user=target)
    assert not User.objects.get(pk=target.pk).is_superuser


def test_a_superuser_can_remove_superuser_status_but_not_give_it():
    boss = superuser()
    other = superuser()
    target = UserFactory()
    target.is_superuser = True
    with pytest.raises(services.AccessError, match="command line"):
        services.user_save_access(actor=boss, user=target)
    other.is_superuser = False
    services.user_save_access(actor=boss, user=other)
    assert not User.objects.get(pk=other.pk).is_superuser


def test_the_form_says_why_it_refuses_direct_permissions(client):
    """A non-superuser's form has no permissions field; the service refuses them too."""
    target = UserFactory()
    perm = Permission.objects.get(codename="view_equalitymonitoring")
    with pytest.raises(services.AccessError, match="individual permissions"):
        services.user_save_access(actor=administrator(), user=target, user_permissions=[perm])
    assert not target.user_permissions.exists()


# --- two-person grants ---------------------------------------------------------------------


def post_groups(client, target: User, *names: str):
    data, _ = user_form(client, target)
    data["groups"] = [str(group(name).pk) for name in names]
    data["_save"] = ["Save"]
    return client.post(change_url(target), data, follow=True)


def decide(client, grant: RoleGrant, decision: str):
    url = reverse("admin:accounts_rolegrant_decide", args=[grant.pk])
    return client.post(url, {"decision": decision}, follow=True)


def test_a_sensitive_role_waits_for_a_second_administrator(client):
    asker, second = administrator(), administrator()
    target = administrator()  # the grantee can decide grants too, but not this one
    for name in (Role.EQUALITY, Role.CASEWORK_MANAGER):
        client.force_login(asker)
        page = post_groups(client, target, Role.ADMINISTRATOR, name)
        assert "awaits a second administrator" in page.content.decode()
        assert name not in access_of(target)[3]
        grant = RoleGrant.objects.get(user=target, group__name=name)
        assert (grant.status, grant.requested_by) == (RoleGrantStatus.PENDING, asker)

        # The one who asked cannot approve it.
        page = decide(client, grant, "approve")
        assert services.GRANT_OWN_REQUEST in page.content.decode()
        # Nor can the person it is for.
        client.force_login(target)
        page = decide(client, grant, "approve")
        assert services.GRANT_FOR_YOU in page.content.decode()
        grant.refresh_from_db()
        assert grant.status == RoleGrantStatus.PENDING
        assert name not in access_of(target)[3]

        client.force_login(second)
        page = decide(client, grant, "approve")
        assert page.status_code == 200
        grant.refresh_from_db()
        assert (grant.status, grant.decided_by) == (RoleGrantStatus.APPROVED, second)
        assert name in access_of(target)[3]
        row = RoleChange.objects.filter(user=target, field="groups", new_value=name).get()
        assert row.actor == second
        # Decided once: it cannot be approved again, nor refused afterwards.
        page = decide(client, grant, "refuse")
        assert services.GRANT_NOT_PENDING in page.content.decode()


def test_a_refused_grant_adds_nothing_and_a_cancelled_one_cannot_be_approved(client):
    asker, second = administrator(), administrator()
    target = UserFactory(is_staff=True)
    client.force_login(asker)
    post_groups(client, target, Role.EQUALITY)
    grant = RoleGrant.objects.get(user=target)
    client.force_login(second)
    decide(client, grant, "refuse")
    grant.refresh_from_db()
    assert grant.status == RoleGrantStatus.REFUSED
    assert access_of(target)[3] == []

    client.force_login(asker)
    post_groups(client, target, Role.EQUALITY)
    again = RoleGrant.objects.get(user=target, status=RoleGrantStatus.PENDING)
    page = decide(client, again, "cancel")
    again.refresh_from_db()
    assert again.status == RoleGrantStatus.CANCELLED
    client.force_login(second)
    page = decide(client, again, "approve")
    assert services.GRANT_NOT_PENDING in page.content.decode()
    assert access_of(target)[3] == []


def test_other_roles_are_given_at_once_and_recorded(client):
    asker = administrator()
    target = UserFactory(is_staff=True)
    client.force_login(asker)
    post_groups(client, target, Role.PUBLISHER)
    assert access_of(target)[3] == [Role.PUBLISHER]
    grant = RoleGrant.objects.get(user=target)
    assert (grant.status, grant.requested_by) == (RoleGrantStatus.DIRECT, asker)
    row = RoleChange.objects.get(user=target, field="groups")
    assert (row.old_value, row.new_value, row.actor) == ("", Role.PUBLISHER, asker)


def test_a_role_holding_a_sensitive_permission_needs_approval_whatever_its_name():
    asker = administrator()
    target = UserFactory(is_staff=True)
    harmless = Group.objects.create(name="Newsletter helpers")
    harmless.permissions.add(Permission.objects.get(codename="view_equalitymonitoring"))
    result = services.user_save_access(actor=asker, user=target, groups=[harmless])
    assert [g.group for g in result.pending] == [harmless]
    assert not target.groups.exists()


def test_a_grant_cannot_be_edited_then_approved_by_its_editor(client):
    """Edit, then approve yourself: the admin offers no edit, and the database refuses to
    rewrite a grant (who asked, for whom, which role), so the approver stays a second
    person."""
    asker, second = administrator(), administrator()
    target = UserFactory(is_staff=True)
    client.force_login(asker)
    post_groups(client, target, Role.EQUALITY)
    grant = RoleGrant.objects.get(user=target)
    url = reverse("admin:accounts_rolegrant_change", args=[grant.pk])
    page = client.get(url)
    assert page.status_code == 200
    _, fields = read_form(page.content.decode(), "rolegrant_form")
    assert not {"user", "group", "requested_by", "status"} & fields
    client.post(url, {"requested_by": second.pk, "group": group(Role.ADMINISTRATOR).pk})
    assert client.post(reverse("admin:accounts_rolegrant_add"), {}).status_code == 403
    grant.refresh_from_db()
    assert (grant.requested_by, grant.group.name) == (asker, Role.EQUALITY)
    for change in (
        {"requested_by": second},
        {"group": group(Role.ADMINISTRATOR)},
        {"user": asker},
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            RoleGrant.objects.filter(pk=grant.pk).update(**change)
    with pytest.raises(DatabaseError), transaction.atomic():
        RoleGrant.objects.filter(pk=grant.pk).delete()
    # Nor can the asker approve it by writing the row themselves: approver == asker.
    with pytest.raises(DatabaseError), transaction.atomic():
        RoleGrant.objects.filter(pk=grant.pk).update(
            status=RoleGrantStatus.APPROVED, decided_by=asker
        )


def test_the_decision_url_refuses_bad_input(client):
    asker, second = administrator(), administrator()
    target = UserFactory(is_staff=True)
    grant = services.user_save_access(
        actor=asker, user=target, groups=[group(Role.EQUALITY)]
    ).pending[0]
    client.force_login(second)
    url = reverse("admin:accounts_rolegrant_decide", args=[grant.pk])
    assert client.get(url).status_code == 405
    assert client.post(url, {"decision": "grant-everything"}).status_code == 404
    assert client.post(url, {}).status_code == 404
    missing = reverse("admin:accounts_rolegrant_decide", args=[grant.pk + 1000])
    assert client.post(missing, {"decision": "approve"}).status_code == 404
    grant.refresh_from_db()
    assert grant.status == RoleGrantStatus.PENDING
    client.force_login(staff_user(Role.PUBLISHER)[0])
    assert client.post(url, {"decision": "approve"}).status_code == 403
    grant.refresh_from_db()
    assert grant.status == RoleGrantStatus.PENDING
    assert not target.groups.exists()


# --- the history, written by the database ---------------------------------------------------


def history(user: User) -> list[tuple[str, str, str]]:
    return list(
        RoleChange.objects.filter(user_id=user.pk)
        .order_by("pk")
        .values_list("field", "old_value", "new_value")
    )


def test_raw_sql_and_update_cannot_skip_the_history():
    target = MembershipFactory().user
    start = len(history(target))
    equality = group(Role.EQUALITY)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO accounts_user_groups (user_id, group_id) VALUES (%s, %s)",
            [target.pk, equality.pk],
        )
        cursor.execute("UPDATE accounts_user SET is_staff = true WHERE id = %s", [target.pk])
    User.objects.filter(pk=target.pk).update(is_active=False)
    Membership.objects.filter(user=target).update(status="lapsed")
    target.regions.add(Region.objects.get(slug="wales"))
    target.groups.remove(equality)
    assert history(target)[start:] == [
        ("groups", "", Role.EQUALITY),
        ("is_staff", "false", "true"),
        ("is_active", "true", "false"),
        ("membership_status", "active", "lapsed"),
        ("regions", "", "wales"),
        ("groups", Role.EQUALITY, ""),
    ]
    assert all(r.actor_id is None for r in RoleChange.objects.filter(user=target))


def test_the_history_refuses_update_and_delete():
    target = UserFactory()
    target.groups.add(group(Role.PUBLISHER))
    row = RoleChange.objects.get(user=target)
    for sql in (
        "UPDATE accounts_rolechange SET new_value = 'nothing' WHERE id = %s",
        "DELETE FROM accounts_rolechange WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="cannot be changed"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [row.pk])
    with pytest.raises(DatabaseError), transaction.atomic():
        RoleChange.objects.filter(pk=row.pk).update(actor=target)
    with pytest.raises(DatabaseError), transaction.atomic():
        row.delete()
    assert RoleChange.objects.get(pk=row.pk).new_value == Role.PUBLISHER


def test_the_history_is_on_the_user_s_page_and_read_only(client):
    asker = administrator()
    target = UserFactory(is_staff=True)
    services.user_save_access(actor=asker, user=target, groups=[group(Role.PUBLISHER)])
    client.force_login(administrator())
    page = client.get(change_url(target)).content.decode()
    assert "History of roles, permissions, regions and status" in page
    assert "Publisher" in page
    _, fields = read_form(page, "user_form")
    editable = ("-at", "-field", "-old_value", "-new_value", "-actor")
    assert not [n for n in fields if n.startswith("role_changes-") and n.endswith(editable)]
    row = RoleChange.objects.get(user=target, field="groups")
    url = reverse("admin:accounts_rolechange_change", args=[row.pk])
    assert client.get(url).status_code == 200
    client.post(url, {"new_value": "nothing"})
    assert (
        client.post(reverse("admin:accounts_rolechange_delete", args=[row.pk])).status_code == 403
    )
    assert RoleChange.objects.get(pk=row.pk).new_value == Role.PUBLISHER


def test_changes_are_announced_to_the_other_administrators_without_personal_details(
    django_capture_on_commit_callbacks,
):
    asker, other = administrator(), administrator()
    boss = superuser()
    target = MembershipFactory(user__first_name="Philippa", user__last_name="Quartermain").user
    with django_capture_on_commit_callbacks(execute=True):
        target.is_staff = True
        services.user_save_access(actor=asker, user=target, groups=[group(Role.PUBLISHER)])
    notices = Delivery.objects.filter(notification="role_change")
    assert {d.user for d in notices} == {other, boss}
    for delivery in notices:
        message = notification_message(delivery)
        text = message.subject + message.body
        assert str(target.pk) in message.subject
        assert change_url(target) in message.body
        for secret in ("Philippa", "Quartermain", target.email, target.membership.number):
            assert secret not in text


def test_a_pending_grant_is_announced_to_the_other_administrators():
    asker, other = administrator(), administrator()
    target = UserFactory(is_staff=True)
    grant = services.user_save_access(
        actor=asker, user=target, groups=[group(Role.EQUALITY)]
    ).pending[0]
    notices = Delivery.objects.filter(notification="role_grant_requested")
    assert [d.user for d in notices] == [other]
    body = notification_message(notices[0]).body
    assert reverse("admin:accounts_rolegrant_change", args=[grant.pk]) in body
    assert target.email not in body


# --- roles themselves ----------------------------------------------------------------------


def test_an_administrator_cannot_widen_a_role(client):
    me = administrator()
    client.force_login(me)
    admins = group(Role.ADMINISTRATOR)
    url = reverse("admin:auth_group_change", args=[admins.pk])
    perm = Permission.objects.get(codename="view_equalitymonitoring")
    before = set(admins.permissions.all())
    client.post(url, {"name": "Administrator", "permissions": [perm.pk]})
    client.post(url, {"name": "Renamed"})
    assert set(admins.permissions.all()) == before
    assert Group.objects.filter(name=Role.ADMINISTRATOR).exists()
    assert client.get(reverse("admin:auth_group_add")).status_code == 403
    me = User.objects.get(pk=me.pk)
    assert not me.has_perm("accounts.view_equalitymonitoring")


def test_the_administrator_role_still_manages_users_and_decides_grants():
    perms = {
        f"{app}.{codename}"
        for app, codename in group(Role.ADMINISTRATOR).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }
    assert {
        "accounts.change_user",
        "accounts.add_user",
        "accounts.view_rolegrant",
        "accounts.decide_rolegrant",
        "accounts.view_rolechange",
    } <= perms
    assert "accounts.change_rolechange" not in perms
    assert "accounts.change_rolegrant" not in perms


def test_no_demo_account_is_a_superuser_and_there_is_a_second_administrator():
    from django.core.management import call_command

    call_command("seed_demo", stdout=__import__("io").StringIO())
    assert not User.objects.filter(is_superuser=True).exists()
    for email in ("admin@demo.example", "admin2@demo.example"):
        user = User.objects.get(email=email)
        assert user.is_staff and user.groups.filter(name=Role.ADMINISTRATOR).exists()
        assert user.has_perm("accounts.decide_rolegrant")


def test_an_administrator_still_adds_and_edits_other_people(client):
    client.force_login(administrator())
    add = reverse("admin:accounts_user_add")
    data, _ = read_form(client.get(add).content.decode(), "user_form")
    data.update(
        {
            "email": "new.officer@example.org",
            "first_name": "New",
            "last_name": "Officer",
            "password1": "A-long-enough-passphrase-2026",
            "password2": "A-long-enough-passphrase-2026",
            "is_superuser": "on",
            "is_staff": "on",
            "groups": [str(group(Role.ADMINISTRATOR).pk)],
        }
    )
    response = client.post(add, data)
    assert response.status_code == 302
    created = User.objects.get(email="new.officer@example.org")
    assert not created.is_superuser and not created.is_staff
    assert not created.groups.exists()
    assert created.check_password("A-long-enough-passphrase-2026")
    data, _ = user_form(client, created)
    data["last_name"] = ["Renamed"]
    data["is_staff"] = ["on"]
    data["regions"] = [str(Region.objects.get(slug="wales").pk)]
    assert client.post(change_url(created), data).status_code == 302
    assert access_of(created)[0] is True and access_of(created)[5] == ["wales"]
    assert User.objects.get(pk=created.pk).last_name == "Renamed"


def test_the_user_form_explains_a_refusal_in_the_page(client):
    client.force_login(superuser())
    target = UserFactory(is_staff=True)
    data, _ = user_form(client, target)
    data["is_superuser"] = ["on"]
    page = client.post(change_url(target), data)
    assert page.status_code == 200
    assert services.NO_NEW_SUPERUSERS in page.content.decode()
    assert not User.objects.get(pk=target.pk).is_superuser


def test_the_grant_page_offers_the_decision_only_to_a_second_administrator(client):
    asker, second = administrator(), administrator()
    target = UserFactory(is_staff=True)
    grant = services.user_save_access(
        actor=asker, user=target, groups=[group(Role.EQUALITY)]
    ).pending[0]
    url = reverse("admin:accounts_rolegrant_change", args=[grant.pk])
    client.force_login(asker)
    page = client.get(url).content.decode()
    assert 'value="approve"' not in page and 'value="cancel"' in page
    client.force_login(second)
    page = client.get(url).content.decode()
    assert 'value="approve"' in page and 'value="refuse"' in page
    assert 'value="cancel"' not in page
    listing = client.get(
        reverse("admin:accounts_rolegrant_changelist"), {"status__exact": "pending"}
    )
    assert f"/admin/accounts/rolegrant/{grant.pk}/change/" in listing.content.decode()


# --- taking over an account that holds power ------------------------------------------------


def test_an_administrator_cannot_take_over_a_superuser_or_another_administrator(client):
    me = administrator()
    client.force_login(me)
    for target in (superuser(), administrator()):
        password = reverse("admin:auth_user_password_change", args=[target.pk])
        assert client.get(password).status_code == 403
        client.post(password, {"password1": "Taken-over-2026!", "password2": "Taken-over-2026!"})
        assert not User.objects.get(pk=target.pk).check_password("Taken-over-2026!")
        data, fields = user_form(client, target)
        assert "email" not in fields
        data["email"] = ["attacker@example.org"]
        client.post(change_url(target), data)
        assert User.objects.get(pk=target.pk).email == target.email
        target.email = "attacker@example.org"
        with pytest.raises(services.AccessError, match="superuser may change the email"):
            services.user_save_access(actor=me, user=target)
    # A member's details stay the administrators' to correct.
    member = MembershipFactory().user
    password = reverse("admin:auth_user_password_change", args=[member.pk])
    assert client.get(password).status_code == 200
    data, fields = user_form(client, member)
    assert "email" in fields
    data["email"] = ["corrected@example.org"]
    assert client.post(change_url(member), data).status_code == 302
    assert User.objects.get(pk=member.pk).email == "corrected@example.org"


def test_writing_a_history_row_back_unchanged_is_not_a_change():
    """The suite's serialized rollback saves rows back as they were: that must not fail,
    while any real change still does."""
    target = UserFactory()
    target.groups.add(group(Role.PUBLISHER))
    row = RoleChange.objects.get(user=target)
    row.save()
    row.new_value = "Administrator"
    with pytest.raises(DatabaseError), transaction.atomic():
        row.save()
    assert RoleChange.objects.get(pk=row.pk).new_value == Role.PUBLISHER
