"""The admin's own machinery answers nothing the access rules refuse.

Generated from the models, not from a list of known holes: for every role and every
registered changelist, every relation path two hops deep from the model's `_meta` is asked
as `?<path>__isnull=False` and `?<path>__id=<n>`; each answers 400 or leaves the list as it
was. Every content type × demo object × role is asked through "view on site"
(`/admin/r/<ct>/<pk>/`): only objects the role sees in that model's admin, whose admin links
to a public page, redirect; everything else, hidden or missing, is the same 404.
"""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.contrib.admin.exceptions import DisallowedModelAdminLookup
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core import checks
from django.core.checks.registry import registry
from django.test import RequestFactory
from django.urls import reverse

from casework.models import Case
from portal.admin import (
    CONFIDENTIAL_MODELS,
    PortalModelAdmin,
    StrictLookupsMixin,
    check_admin_confidentiality,
)
from tests.test_access_matrix import ROLES, World

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return World()


def relations(model):
    """Forward and reverse relations a lookup can follow (hidden "+" ones cannot)."""
    return [f for f in model._meta.get_fields() if f.is_relation and f.related_model is not None]


def relation_paths(model, depth=2):
    """Every lookup path through relations from `model`, up to `depth` hops:
    (path, the model it ends on)."""
    found = []

    def walk(current, prefix, hops):
        for field in relations(current):
            target = field.related_model
            path = f"{prefix}__{field.name}" if prefix else field.name
            found.append((path, target))
            if hops < depth:
                walk(target, path, hops + 1)

    walk(model, "", 1)
    return found


def declared_bases(model_admin, request) -> set[str]:
    """The field paths this admin's filters declare (their lookups are allowed)."""
    bases = set()
    for lookup in model_admin.allowed_lookups(request):
        bases.add(lookup.rsplit("__", 1)[0])
    return bases


def sample_pk(world, model):
    if model is Case:
        return world.case.pk
    obj = model._default_manager.order_by("pk").first()
    return obj.pk if obj else 1


def page_body(response) -> bytes:
    """The page as a person sees it, without the per-request CSRF token."""
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", response.content)


def listed(response) -> list:
    return list(response.context["cl"].queryset.values_list("pk", flat=True))


def test_every_admin_restricts_its_lookups_and_none_reaches_confidential_models():
    for model, model_admin in admin.site._registry.items():
        assert isinstance(model_admin, StrictLookupsMixin), model
    assert check_admin_confidentiality() == []
    assert check_admin_confidentiality in registry.get_checks(include_deployment_checks=True)


def test_the_start_up_check_refuses_a_filter_through_a_confidential_model():
    from portal.accounts.models import Region, User

    class LeakyUsers(PortalModelAdmin):
        list_filter = ["cases__status"]
        search_fields = ["equality__ethnicity"]

    class LeakyRegions(admin.ModelAdmin):
        list_filter = ["cases__category"]

    site = admin.site
    saved = dict(site._registry)
    try:
        site._registry[User] = LeakyUsers(User, site)
        site._registry[Region] = LeakyRegions(Region, site)  # bypassing register()
        errors = check_admin_confidentiality()
    finally:
        site._registry.clear()
        site._registry.update(saved)
    ids = sorted((e.id, e.msg.split(" ")[0]) for e in errors)
    assert ("portal.E001", "LeakyRegions") in ids
    assert ("portal.E002", "LeakyUsers.list_filter") in ids
    assert ("portal.E002", "LeakyUsers.search_fields") in ids
    assert ("portal.E002", "LeakyRegions.list_filter") in ids
    assert all(isinstance(e, checks.Error) for e in errors)


def test_registering_a_library_admin_gets_the_same_rules():
    from django.contrib.auth.models import Group

    group_admin = admin.site._registry[Group]
    assert isinstance(group_admin, StrictLookupsMixin)
    request = RequestFactory().get("/")
    assert not group_admin.lookup_allowed("user__cases__isnull", "False", request)


def questions(world, model_admin, request, depth):
    """(param, value) for every undeclared relation path from the admin's model."""
    allowed = declared_bases(model_admin, request)
    for path, target in relation_paths(model_admin.model, depth):
        if path in allowed:
            continue  # a declared filter: the start-up check keeps those off confidential data
        yield f"{path}__isnull", "False"
        yield f"{path}__id", str(sample_pk(world, target))


def changelists():
    for model, model_admin in admin.site._registry.items():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        yield model_admin, url


def test_relation_lookups_through_the_whole_stack_answer_400_for_every_role(world):
    """One hop, over HTTP with every middleware: 400, or (for a role that cannot open the
    list at all) the same refusal as without the question."""
    problems = []
    checked = 0
    for model_admin, url in changelists():
        for role in ROLES:
            client = world.clients[role]
            baseline = client.get(url)
            if baseline.status_code != 200:
                for param, value in list(questions(world, model_admin, None, 1))[:2]:
                    response = client.get(url, {param: value})
                    if response.status_code != baseline.status_code:
                        problems.append(f"{role} {url}?{param}: {response.status_code}")
                continue
            before = listed(baseline)
            for param, value in questions(world, model_admin, baseline.wsgi_request, 1):
                if param.endswith("__id"):
                    continue  # asked two hops deep below, straight into the view
                response = client.get(url, {param: value})
                checked += 1
                if response.status_code == 400:
                    continue
                if response.status_code == 200 and listed(response) == before:
                    continue
                problems.append(f"{role} {url}?{param}={value}: {response.status_code}")
    assert checked > 200
    assert not problems, "\n".join(problems[:60])


def test_relation_lookups_two_hops_deep_are_refused_for_every_role(world):
    """Two hops, straight into each admin's changelist view (the 400 comes from
    DisallowedModelAdminLookup, as above): refused, or the list unchanged."""
    factory = RequestFactory()
    problems = []
    checked = 0
    for model_admin, url in changelists():
        for role in ROLES:
            user = world.users.get(role)
            if user is None or not user.is_staff:
                continue
            base = factory.get(url)
            base.user = user
            if not model_admin.has_view_or_change_permission(base):
                continue
            before = None
            for param, value in questions(world, model_admin, base, 2):
                request = factory.get(url, {param: value})
                request.user = user
                request.session = {}
                request._messages = FallbackStorage(request)
                checked += 1
                try:
                    response = model_admin.changelist_view(request)
                except DisallowedModelAdminLookup:
                    continue
                if before is None:
                    plain = factory.get(url)
                    plain.user, plain.session = user, {}
                    plain._messages = FallbackStorage(plain)
                    before = list(
                        model_admin.changelist_view(plain)
                        .context_data["cl"]
                        .queryset.values_list("pk", flat=True)
                    )
                cl = getattr(response, "context_data", {}).get("cl")
                if cl is not None and list(cl.queryset.values_list("pk", flat=True)) == before:
                    continue
                problems.append(f"{role} {url}?{param}={value}: {response.status_code}")
    assert checked > 2000
    assert not problems, "\n".join(problems[:60])


def test_filters_passed_through_changelist_filters_are_refused_too(world):
    client = world.clients["manager"]
    user = world.users["member"]
    url = reverse("admin:accounts_user_change", args=[user.pk])
    response = client.get(url, {"_changelist_filters": "cases__isnull=False"})
    assert response.status_code == 200
    # The link back to the list carries the filter; following it is refused.
    back = reverse("admin:accounts_user_changelist") + "?cases__isnull=False"
    assert client.get(back).status_code == 400


def test_popups_and_to_field_do_not_open_a_way_round(world):
    client = world.clients["cw_london"]
    url = reverse("admin:accounts_user_changelist")
    ok = client.get(url, {"_popup": "1", "_to_field": "id"})
    assert ok.status_code == 200
    for params in (
        {"_popup": "1", "_to_field": "id", "cases__isnull": "False"},
        {"_popup": "1", "_to_field": "id", "assigned_cases__id": world.case.pk},
        {"_popup": "1", "_to_field": "password"},
    ):
        assert client.get(url, params).status_code == 400, params


def test_autocomplete_answers_only_through_the_target_admin(world):
    """Every autocomplete source field × role: results are a subset of what the target
    model's admin shows that role."""
    problems = []
    for model, model_admin in admin.site._registry.items():
        for field_name in model_admin.autocomplete_fields:
            field = model._meta.get_field(field_name)
            target_admin = admin.site._registry[field.related_model]
            for role in ROLES:
                client = world.clients[role]
                response = client.get(
                    reverse("admin:autocomplete"),
                    {
                        "app_label": model._meta.app_label,
                        "model_name": model._meta.model_name,
                        "field_name": field_name,
                        "term": "",
                    },
                )
                if response.status_code != 200:
                    continue
                ids = {str(r["id"]) for r in response.json()["results"]}
                request = RequestFactory().get("/")
                request.user = world.users[role]
                visible = {
                    str(pk)
                    for pk in target_admin.get_queryset(request).values_list("pk", flat=True)
                }
                if not ids <= visible:
                    problems.append(f"{role} autocomplete {model.__name__}.{field_name}")
    assert not problems, problems


def test_view_on_site_resolves_only_what_the_role_may_open(world):
    problems = []
    redirects = 0
    missing_bodies = {}
    for ct in ContentType.objects.all():
        model = ct.model_class()
        if model is None:
            continue
        objects = list(model._default_manager.order_by("pk")[:4])
        if model is Case:
            objects += [world.case, world.draft, world.leader_case]
        pks = [987654321] + [o.pk for o in objects]
        model_admin = admin.site._registry.get(model)
        for role in ROLES:
            client = world.clients[role]
            user = world.users.get(role)
            for pk in pks:
                url = f"/admin/r/{ct.pk}/{pk}/"
                response = client.get(url)
                if role == "anonymous" or not user.is_staff:
                    if response.status_code != 302 or "/login/" not in response["Location"]:
                        problems.append(f"{role} {url}: {response.status_code}")
                    continue
                may = False
                if model_admin is not None and model_admin.view_on_site:
                    request = RequestFactory().get("/")
                    request.user = user
                    may = (
                        model_admin.has_view_or_change_permission(request)
                        and model_admin.get_queryset(request).filter(pk=pk).exists()
                    )
                if may:
                    redirects += 1
                    if response.status_code != 302:
                        problems.append(f"{role} {url}: {response.status_code}, expected 302")
                    continue
                if response.status_code != 404:
                    problems.append(f"{role} {url}: {response.status_code}, expected 404")
                    continue
                body = page_body(response)
                if pk == 987654321:
                    missing_bodies[role] = body
                elif body != missing_bodies[role]:
                    problems.append(f"{role} {url}: a hidden object answers unlike a missing one")
    assert not problems, "\n".join(problems[:60])
    assert redirects > 0  # published standards and consultations still link to their page


def test_view_on_site_for_a_case_is_the_same_404_as_a_missing_one_for_every_staff_role(world):
    ct = ContentType.objects.get_for_model(Case)
    for role in ROLES:
        user = world.users.get(role)
        if user is None or not user.is_staff:
            continue
        client = world.clients[role]
        hidden = client.get(f"/admin/r/{ct.pk}/{world.case.pk}/")
        missing = client.get(f"/admin/r/{ct.pk}/987654321/")
        junk = client.get(f"/admin/r/{ct.pk}/not-a-number/")
        assert hidden.status_code == missing.status_code == junk.status_code == 404, role
        assert page_body(hidden) == page_body(missing) == page_body(junk), role


def test_confidential_models_exist():
    from django.apps import apps

    labels = {f"{m._meta.app_label}.{m._meta.model_name}" for m in apps.get_models()}
    assert labels >= CONFIDENTIAL_MODELS


def test_no_admin_reaches_contact_details_record_access_or_data_downloads(world):
    """Home addresses, who looked at a record and data downloads are confidential: no other
    admin filters through them, and their own admin searches only by email or number."""
    from portal.accounts.models import ContactDetails

    assert {
        "accounts.contactdetails",
        "accounts.contactdetailschange",
        "accounts.recordaccess",
        "accounts.dataexport",
    } <= CONFIDENTIAL_MODELS
    users = reverse("admin:accounts_user_changelist")
    memberships = reverse("admin:accounts_membership_changelist")
    probes = [
        (users, {"contact__isnull": "False"}),
        (users, {"contact__town": "London"}),
        (users, {"contact_changes__field": "postcode"}),
        (users, {"data_exports__status": "ready"}),
        (users, {"record_accesses__viewer__id": world.users["cw_london"].pk}),
        (memberships, {"user__contact__postcode": "N7 8AB"}),
        (memberships, {"user__contact__isnull": "True"}),
    ]
    for role in ("admin", "manager", "cw_london"):
        for url, params in probes:
            response = world.clients[role].get(url, params)
            assert response.status_code in (400, 403), (role, url, params, response.status_code)
    member = world.users["member"]
    assert ContactDetails.objects.filter(user=member).exists()
    request = RequestFactory().get("/")
    contact_admin = admin.site._registry[ContactDetails]
    assert set(contact_admin.search_fields) == {"=user__email", "=user__membership__number"}
    assert not contact_admin.view_on_site
    assert contact_admin.allowed_lookups(request) == set()


def test_only_the_membership_officer_sees_check_off_schedules(world):
    """Employers' check-off schedules name members and their payroll numbers: the membership
    officer's alone (their download and reconcile pages too)."""
    for name in ("changelist", "build"):
        url = reverse(f"admin:subscriptions_checkoffschedule_{name}")
        for role in ROLES:
            status = world.clients[role].get(url).status_code
            user = world.users.get(role)
            if role == "anonymous" or not user.is_staff:
                assert status == 302, (role, url, status)
            else:
                assert status == (200 if role == "membership" else 403), (role, url, status)


def test_letter_templates_admin_reaches_no_person_through_its_author(world):
    """Letter templates name who last changed them: their admin filters only by kind and
    whether active, and asks nothing through that person (their cases, their membership)."""
    from casework.models import LetterTemplate

    model_admin = admin.site._registry[LetterTemplate]
    assert isinstance(model_admin, PortalModelAdmin)
    assert model_admin.search_fields == ["title"]
    url = reverse("admin:casework_lettertemplate_changelist")
    for role in ("manager", "cw_london", "lead"):
        client = world.clients[role]
        assert client.get(url).status_code == 200, role
        for param in (
            "updated_by__cases__isnull",
            "updated_by__membership__number",
            "updated_by__email",
        ):
            response = client.get(url, {param: "False"})
            assert response.status_code == 400, (role, param, response.status_code)
    for role in ("publisher", "comms", "membership", "admin"):
        assert world.clients[role].get(url).status_code == 403, role


def test_follow_ups_reminders_and_calendar_feeds_are_reached_through_no_admin(world):
    """An officer's follow-ups say what they mean to do on a case, and a calendar feed's
    token opens their deadlines: no admin lists them or filters through them."""
    from casework.models import CalendarFeed, FollowUp, TribunalReminder

    labels = {"casework.followup", "casework.tribunalreminder", "casework.calendarfeed"}
    assert labels <= CONFIDENTIAL_MODELS
    for model in (FollowUp, TribunalReminder, CalendarFeed):
        assert model not in admin.site._registry
    users = reverse("admin:accounts_user_changelist")
    cases = reverse("admin:casework_case_changelist")
    probes = [
        (users, {"follow_ups__isnull": "False"}),
        (users, {"follow_ups__what__icontains": "chase"}),
        (users, {"calendar_feed__token": "x"}),
        (users, {"calendar_feed__isnull": "False"}),
        (cases, {"follow_ups__what": "chase"}),
        (cases, {"tribunal_reminders__days_before": "7"}),
        (cases, {"follow_ups__officer__id": world.users["cw_london"].pk}),
    ]
    for role in ("admin", "manager", "cw_london"):
        for url, params in probes:
            response = world.clients[role].get(url, params)
            assert response.status_code in (400, 403), (role, url, params, response.status_code)


def test_no_admin_reaches_who_is_on_a_collective_case_or_linked_cases(world):
    """Who is on a collective case and which cases are linked are casework's to decide: no
    other admin filters through them."""
    assert {"casework.casemember", "casework.caselink"} <= CONFIDENTIAL_MODELS
    users = reverse("admin:accounts_user_changelist")
    memberships = reverse("admin:accounts_membership_changelist")
    employers = reverse("admin:accounts_employer_changelist")
    probes = [
        (users, {"collective_cases__isnull": "False"}),
        (users, {"collective_cases__case__id": world.case.pk}),
        (memberships, {"user__collective_cases__is_rep": "True"}),
        (employers, {"members__user__collective_cases__isnull": "False"}),
    ]
    for role in ("admin", "manager", "cw_london"):
        for url, params in probes:
            response = world.clients[role].get(url, params)
            assert response.status_code in (400, 403), (role, url, params, response.status_code)


def test_complaints_open_only_to_managers_and_answer_no_relation_lookups(world):
    """Complaints about case handling: the managers' list alone; nobody else learns of one,
    and no relation lookup through the list answers (case, member, officer)."""
    from casework.models import Complaint

    assert "casework.complaint" in CONFIDENTIAL_MODELS
    complaint = Complaint.objects.select_related("case").first()
    assert complaint is not None, "the demo has a complaint"
    url = reverse("admin:casework_complaint_changelist")
    change = reverse("admin:casework_complaint_change", args=[complaint.pk])
    for role in ROLES:
        client = world.clients[role]
        user = world.users.get(role)
        response = client.get(url)
        manager = user is not None and user.has_perm("casework.view_all_cases") and user.is_staff
        if not (user is not None and user.is_staff):
            assert response.status_code == 302, role
            continue
        if not manager:
            assert response.status_code == 403, role
            assert client.get(change).status_code in (403, 404), role
            continue
        assert response.status_code == 200, role
        assert client.get(change).status_code == 200, role
        for param in (
            "case__member__isnull",
            "case__assigned_to__id",
            "raised_by__email",
            "owner__isnull",
            "body__icontains",
        ):
            assert client.get(url, {param: "1"}).status_code == 400, (role, param)


def test_no_admin_reaches_who_a_rep_looked_at_or_invite_tokens(world):
    """Which rep looked at which member (reps.RepAccess) and invite tokens are reached
    through no admin; the rep roles' own admin answers only its declared filters, and a
    caseworker sees only the roles of members in their regions."""
    from reps.models import RepAccess, RepInvite, RepRole

    assert {"reps.repaccess", "reps.repinvite"} <= CONFIDENTIAL_MODELS
    for model in (RepAccess, RepInvite):
        assert model not in admin.site._registry
    users = reverse("admin:accounts_user_changelist")
    memberships = reverse("admin:accounts_membership_changelist")
    roles = reverse("admin:reps_reprole_changelist")
    probes = [
        (users, {"rep_accesses__isnull": "False"}),
        (users, {"rep_accesses__viewer__id": world.users["rep"].pk}),
        (memberships, {"rep_roles__invites__token": "x"}),
        (roles, {"invites__token__startswith": "a"}),
        (roles, {"membership__user__contact__postcode": "N7 8AB"}),
        (roles, {"membership__user__equality__isnull": "False"}),
        (roles, {"membership__user__cases__isnull": "False"}),
    ]
    for role in ("admin", "manager", "cw_london"):
        for url, params in probes:
            response = world.clients[role].get(url, params)
            assert response.status_code in (400, 403), (role, url, params, response.status_code)
    request = RequestFactory().get("/")
    request.user = world.users["cw_wales"]
    role_admin = admin.site._registry[RepRole]
    assert not role_admin.get_queryset(request).exists()
    request.user = world.users["cw_london"]
    assert role_admin.get_queryset(request).filter(status="volunteered").exists()
