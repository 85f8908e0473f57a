"""Every URL the portal answers, for every role, against the demo data.

The test walks the URL resolver (the admin included) and fails if any pattern has no entry
in the matrix below, so a new URL cannot be added without saying who may open it. Only the
expected cells answer 200; hidden objects answer 404, for members and officers alike; no
cell answers 500.
"""

from __future__ import annotations

import io
import re
import uuid
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from casework.access import cases_visible_to, is_case_officer
from casework.models import Case, CaseAttachment, Status
from portal.accounts.models import DataExport, DataExportStatus, Region, User
from portal.accounts.roles import Role
from tests.factories import staff_user

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "member",
    "member_b",
    "leader",
    "rep",
    "cw_london",
    "cw_wales",
    "lead",
    "manager",
    "publisher",
    "comms",
    "admin",
    "membership",
    "events",
]
EMAILS = {
    "member": "member@demo.example",
    "member_b": "chloe.wilson@members.demo.example",
    "leader": "leader@demo.example",
    "rep": "rep@demo.example",
    "cw_london": "caseworker@demo.example",
    "lead": "lead-officer@demo.example",
    "manager": "case-manager@demo.example",
    "publisher": "publisher@demo.example",
    "comms": "comms@demo.example",
    "admin": "admin@demo.example",
    "membership": "membership@demo.example",
    "events": "events@demo.example",
}
MEMBERS = {"member", "member_b", "leader", "rep"}
STAFF = set(ROLES) - MEMBERS - {"anonymous"}


def walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = namespace + (f"{p.namespace}:" if p.namespace else "")
            yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield namespace + (p.name or ""), prefix + str(p.pattern)


def fill(route: str, values: dict) -> str:
    """A concrete path for a route, its parameters taken from `values`."""
    path = route.replace("^", "").replace("$", "")
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(values[m.group(1)]), path)
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), path)
    return "/" + path


class World:
    """The demo data and one logged-in client per role."""

    def __init__(self):
        call_command("seed_demo", stdout=io.StringIO())
        self.users = {role: User.objects.get(email=email) for role, email in EMAILS.items()}
        wales, _ = staff_user(Role.CASEWORKER, first_name="Wyn", last_name="Jones")
        wales.regions.add(Region.objects.get(slug="wales"))
        self.users["cw_wales"] = wales
        self.clients = {"anonymous": Client(raise_request_exception=False)}
        for role, user in self.users.items():
            client = Client(raise_request_exception=False)
            client.force_login(user)
            self.clients[role] = client
        member = self.users["member"]
        self.case = (
            Case.objects.filter(member=member, status=Status.IN_PROGRESS)
            .exclude(attachments=None)
            .first()
        )
        self.draft = Case.objects.get(member=member, status=Status.DRAFT)
        self.attachment = CaseAttachment.objects.filter(
            case=self.case, shared_with_member=True
        ).first()
        self.leader_case = Case.objects.filter(member=self.users["leader"]).first()
        from cpd.models import CPDEntry
        from events.models import Booking

        self.cpd_entry = CPDEntry.objects.filter(user=member).first()
        self.attended_booking = Booking.objects.get(user=member, status="attended")
        # The member's data download, ready (its link is the member's alone).
        self.export = DataExport.objects.create(
            user=member,
            key=uuid.uuid4(),
            status=DataExportStatus.READY,
            ready_at=timezone.now(),
            expires_at=timezone.now() + timedelta(hours=1),
        )


@pytest.fixture
def world():
    return World()


# --- Expectations -------------------------------------------------------------------------

LOGIN = "login"  # a redirect to the login page
REAUTH = "reauth"  # a redirect to "confirm it's you" (allauth's re-authentication)


def member_page(staff_without_membership=200):
    def expect(role, world):
        if role == "anonymous":
            return LOGIN
        if role in STAFF and not hasattr(world.users[role], "membership"):
            return staff_without_membership
        return 200

    return expect


def owner_only(owner="member", anon=LOGIN):
    def expect(role, world):
        if role == "anonymous":
            return anon
        return 200 if role == owner else 404

    return expect


def active_member_only(role, world):
    """A page only an active membership has (the membership card's PDF)."""
    if role == "anonymous":
        return LOGIN
    membership = getattr(world.users[role], "membership", None)
    return 200 if membership is not None and membership.status == "active" else 404


def rep_only(role, world):
    """The rep's space: only a current rep (rep@, at the demo member's school)."""
    if role == "anonymous":
        return LOGIN
    return 200 if role == "rep" else 404


def everyone(status=200):
    return lambda role, world: status


def logged_in(status=200):
    return lambda role, world: LOGIN if role == "anonymous" else status


ALLAUTH_PUBLIC = {
    "account_login": None,
    "account_reset_password": 200,
    "account_reset_password_done": 200,
    "account_reset_password_from_key_done": 200,
    "account_signup": 302,
    "account_inactive": 200,
    "account_email_verification_sent": 200,
    "account_logout": None,
    "account_confirm_login_code": None,
    "account_confirm_email": None,
    "account_reset_password_from_key": None,
    "mfa_authenticate": None,
}


def app_values(world):
    from standards.models import Document

    published = (
        Document.objects.exclude(current_edition=None).first()
        if hasattr(Document, "current_edition")
        else Document.objects.first()
    )
    return {
        "reference": world.case.reference,
        "attachment_id": world.attachment.pk,
        "slug": published.slug if published else "no-such-document",
        "number": 1,
        "key": "bogus-key",
        "uidb36": "zz",
        "pk": 999999,
        "evidence_id": 999999,
        "booking_id": 999999,
        "token": "forged-token-123",
        "kind": "hours",
        "intent_id": "no-such-intent",
        "year": "2026",
    }


EXPECT = {
    "account_login": lambda role, world: 200 if role == "anonymous" else 302,
    "home": everyone(),
    "healthz": everyone(),
    # The language switch and the preferences page's language form: tests/i18n/test_urls.py.
    "set_language": None,
    "set_language_to": None,
    "readyz": everyone(),
    # Prometheus's scrape: a bearer token or an allowed address (the test client's 127.0.0.1
    # is one); who else is refused is tested in tests/ops/test_metrics.py.
    "metrics": everyone(),
    "accounts:join": lambda role, world: 200 if role == "anonymous" else 302,
    "accounts:join_confirm": everyone(302),
    "accounts:join_check_email": everyone(),
    "accounts:employer_search": everyone(),
    "accounts:workplace_search": everyone(),
    "accounts:dashboard": member_page(),
    "accounts:profile": member_page(302),
    "accounts:preferences": member_page(),
    "accounts:equality": member_page(),
    "accounts:data_export": member_page(),
    "accounts:contact": member_page(),
    "accounts:card": member_page(302),
    "accounts:card_pdf": active_member_only,
    # Everyone logged in is asked to confirm it is them before anything about the link is
    # answered (then only the owner's own link downloads: tests/accounts/test_data_export.py).
    "accounts:data_export_download": logged_in(REAUTH),
    "casework:list": logged_in(),
    "casework:new": member_page(302),
    "casework:detail": owner_only(),
    "casework:edit": owner_only(),  # the draft's page; checked with the draft below
    "casework:submitted": owner_only(),
    "casework:withdraw": logged_in(405),
    "casework:complaint": logged_in(405),
    "casework:attachment": owner_only(),
    # An officer's deadlines calendar: the secret token is the key, an unknown one is a 404
    # for everyone (tests/casework/test_deadlines_work.py: the real token, revoked, reset).
    "casework_calendar_feed": everyone(404),
    # An invitation to a collective case: only an invited member who has not answered yet
    # (tests/casework/test_collective.py); the demo case has none, so 404 for everyone.
    "casework:join": logged_in(404),
    "standards:list": everyone(),
    "standards:detail": everyone(),
    "standards:pdf": everyone(),
    "standards:edition": everyone(),
    "standards:edition_pdf": everyone(),
    "consultations:list": everyone(),
    "consultations:detail": None,  # checked per consultation below
    "membership:subscription": member_page(302),
    "membership:changes": member_page(302),
    "membership:change": member_page(302),
    "membership:resign": member_page(302),
    "membership:rejoin": logged_in(302),  # only a resigned or lapsed member stays
    # Card payments of arrears: the member's own; an unknown payment is not found.
    "subscriptions:pay": member_page(302),
    "subscriptions:pay_confirm": lambda role, world: (
        LOGIN
        if role == "anonymous"
        else 302
        if role in STAFF and not hasattr(world.users[role], "membership")
        else 404
    ),
    "subscriptions:direct_debit": member_page(302),
    # Per tax year, the member's own payments only (tests/subscriptions/test_statement.py).
    "subscriptions:statement": None,
    # Payroll deduction: the member's own page; GoCardless's webhook takes only a POST.
    "subscriptions:payroll": member_page(302),
    "gocardless_webhook": everyone(405),
    # Ballots: the list for anyone logged in; one ballot, its results, PDF, CSV and receipts
    # only for its electors and officers who see it (tests/ballots/test_access.py, per
    # demo ballot); an unknown one is a 404. Proposing is for reps with a workplace.
    "ballots:list": logged_in(),
    "ballots:propose": lambda role, world: (
        LOGIN if role == "anonymous" else 200 if role == "rep" else 404
    ),
    "ballots:detail": logged_in(404),
    "ballots:voted": logged_in(404),
    "ballots:results_csv": logged_in(404),
    "ballots:results_pdf": logged_in(404),
    "ballots:receipts": logged_in(404),
    # Events (tests/events/): the list for anyone logged in; one event by audience below
    # (test_events_by_audience); the .ics only for a member with a place.
    "events:list": logged_in(),
    "events:detail": None,
    "events:calendar": logged_in(404),
    # The member's CPD record (cpd/access.py): everyone logged in has their own; an entry is
    # its member's alone (tests/cpd/test_record.py: own evidence, others' 404).
    "cpd:record": logged_in(),
    "cpd:new": logged_in(),
    "cpd:record_pdf": logged_in(),
    "cpd:edit": owner_only(),
    "cpd:delete": owner_only(),
    "cpd:evidence": logged_in(404),  # an evidence id of nobody's: the owner's in test_record
    # The certificate of the past course the demo member attended: theirs alone.
    "cpd:certificate": owner_only(),
    # The demo's Leadership conference (Leadership only, events/access.py): its agenda and
    # motions; registering as a voting delegate takes a POST (tests/events/test_conference.py).
    # The events organiser sees every event (events/access.py), its agenda too.
    "events:agenda": lambda role, world: (
        LOGIN if role == "anonymous" else 200 if role in ("leader", "events") else 404
    ),
    "events:motions": lambda role, world: (
        LOGIN if role == "anonymous" else 200 if role in ("leader", "events") else 404
    ),
    "events:voting_delegate": logged_in(405),
    "communications:unsubscribe": everyone(400),
    # The rep's space (reps/access.py): a current rep only; the member page is the demo
    # member's, at the rep's school; the QR code and letter are the rep's own role's.
    "reps:home": rep_only,
    "reps:member": rep_only,
    "reps:invite": rep_only,
    "reps:invite_qr": rep_only,
    "reps:letter": rep_only,
    "reps:issue": rep_only,
    "reps:message": rep_only,
    "reps:density": rep_only,
    "reps:volunteer": member_page(404),
    "reps:support": logged_in(405),
    "reps:my_access": member_page(404),
    "communications:feedback_webhook": everyone(405),
}
AUTH_REQUIRED_PREFIXES = (
    "account_email",
    "account_change_password",
    "account_set_password",
    "account_reauthenticate",
    "mfa_",
    "usersessions_",
)


def check_status(response, expected) -> bool:
    if expected is None:
        return response.status_code < 500
    if expected == LOGIN:
        return response.status_code == 302 and "/login/" in response.get("Location", "")
    if expected == REAUTH:
        location = response.get("Location", "")
        return response.status_code == 302 and "/reauthenticate/" in location
    if isinstance(expected, int) and expected in (400, 404, 405):
        return response.status_code == expected or (expected == 400 and response.status_code == 404)
    return response.status_code == expected


ADMIN_VIEW_SUFFIXES = ("_changelist", "_add", "_change", "_history", "_delete")
ADMIN_GENERAL = {
    "admin:index",
    "admin:login",
    "admin:logout",
    "admin:password_change",
    "admin:password_change_done",
    "admin:autocomplete",
    "admin:jsi18n",
    "admin:view_on_site",
    "admin:app_list",
}


# Admin URLs that only take a POST: every staff account gets 405 for a GET, the rest go to
# the login page. What the POST itself allows is tested with the feature.
ADMIN_POST_ONLY = {
    "admin:accounts_rolegrant_decide",  # approve, refuse or cancel a role grant
    "admin:membership_reduction_decide",  # approve or refuse a reduced rate
    # The Bacs bureau's files: download one (recorded), write the day's files now.
    "admin:subscriptions_bacsfile_download",
    "admin:subscriptions_bacsfile_write",
    "admin:casework_case_views",  # save or delete a view of the queue (one's own)
    "admin:casework_complaint_act",  # take, acknowledge, respond to or close a complaint
}
# Admin pages of their own, each behind one permission.
ADMIN_REPORTS = {
    "admin:membership_retention": "membership.view_retention_report",
    # The casework service reports (/admin/casework/reports/): time to first response, to
    # close, open cases by age, outcomes (tests/casework/test_reports.py for the figures).
    "admin:casework_reports": "casework.view_casework_reports",
    "admin:subscriptions_checkoffschedule_build": "subscriptions.change_checkoffschedule",
    # The statutory ballot register (home addresses) for the scrutineer: membership officer.
    "admin:ballots_registerexport_export": "ballots.export_register",
}
# Admin pages for administrators only (the Administrator role, or a superuser).
ADMIN_ADMINISTRATORS_ONLY = {
    "admin:service_status",  # workers' heartbeats, scheduled jobs' last runs
}
# Admin pages about one object, behind one permission: 403 without it, 404 for no object.
ADMIN_OBJECT_PAGES = {
    # The register on the day, the badge and attendance list, cancelling an event: events
    # organisers (named on the event, for the first two: tests/events/test_admin.py).
    "admin:events_event_register": ("events.change_booking", "events.event"),
    "admin:events_event_pdf": ("events.view_booking", "events.event"),
    "admin:events_event_cancel": ("events.change_event", "events.event"),
    "admin:subscriptions_checkoffschedule_download": (
        "subscriptions.download_checkoffschedule",
        "subscriptions.checkoffschedule",
    ),
    "admin:subscriptions_checkoffschedule_reconcile": (
        "subscriptions.change_checkoffschedule",
        "subscriptions.checkoffschedule",
    ),
}


def admin_object_id(model):
    obj = model._default_manager.order_by("pk").first()
    return obj.pk if obj else 999999


# The matrix again with query strings: harmless ones change no cell; ones that ask the
# admin's machinery about relations (filters, popups, preserved filters) never open a cell
# that was closed, and a changelist that would list answers 400.
QUERIES = {
    "plain": "",
    "harmless": "?o=1&p=1&q=a",
    "probing": "?cases__isnull=False&_popup=1&_to_field=id&_facets=1"
    "&_changelist_filters=cases__isnull%3DFalse",
}


@pytest.mark.parametrize("query", QUERIES)
def test_every_url_for_every_role(world, query):
    from django.apps import apps

    world.query = QUERIES[query]
    world.probing = query == "probing"

    problems = []
    values = app_values(world)
    patterns = list(walk(get_resolver().url_patterns))
    for name, route in patterns:
        if name.startswith("admin:") or (not name and route.startswith("admin/")):
            check_admin(world, name or "admin:", route, problems)
            continue
        if name in EXPECT and EXPECT[name] is None:
            continue  # checked by a dedicated test
        if name in EXPECT:
            expect = EXPECT[name]
        elif name in ALLAUTH_PUBLIC:
            status = ALLAUTH_PUBLIC[name]
            expect = everyone(status) if status is not None else everyone(None)
        elif name.startswith(AUTH_REQUIRED_PREFIXES):
            expect = lambda role, world: LOGIN if role == "anonymous" else None  # noqa: E731
        else:
            problems.append(f"{name} ({route}) has no entry in the access matrix")
            continue
        local = dict(values)
        if name == "casework:edit":
            local["reference"] = world.draft.pk
        if name == "accounts:data_export_download":
            local["key"] = world.export.key
        if name == "reps:member":
            local["pk"] = world.users["member"].membership.pk
        if name in ("reps:invite_qr", "reps:letter"):
            local["pk"] = world.users["rep"].membership.rep_roles.get(status="confirmed").pk
            local["fmt"] = "png"
        if name in ("cpd:edit", "cpd:delete", "cpd:evidence"):
            local["pk"] = world.cpd_entry.pk
        if name == "cpd:certificate":
            local["booking_id"] = world.attended_booking.pk
        if name in ("events:agenda", "events:motions", "events:voting_delegate"):
            local["slug"] = "leadership-conference-2027"
        path = fill(route, local)
        for role in ROLES:
            response = world.clients[role].get(path + world.query)
            expected = expect(role, world)
            if not check_status(response, expected):
                problems.append(f"{role} GET {path}: {response.status_code}, expected {expected}")
    assert apps.is_installed("casework")
    assert not problems, "\n".join(problems[:80])


def check_admin(world, name, route, problems):
    from django.apps import apps

    short = name.split(":", 1)[1]
    if short == "auth_user_password_change":
        short = "accounts_user_change"
    model = None
    for suffix in ADMIN_VIEW_SUFFIXES:
        if short.endswith(suffix):
            label = short[: -len(suffix)]
            for candidate in apps.get_models():
                if f"{candidate._meta.app_label}_{candidate._meta.model_name}" == label:
                    model = candidate
            view = suffix[1:]
            break
    else:
        view = None
    known_custom = {
        "admin:casework_case_file",
        "admin:casework_case_bundle",
        "admin:casework_case_summary",
        # Write a letter (GET: choose and edit; POST: file): whoever may work the case.
        "admin:casework_case_letter",
        "admin:casework_case_deadlines",
        "admin:casework_case_collective",  # members, reps, links and merges of one case
    }
    # Unnamed admin routes: "<model>/<id>/" redirects to the change page, and the catch-all
    # that answers unknown admin paths. Both must never leak: checked like general pages.
    unnamed = name == "admin:"
    if (
        model is None
        and not unnamed
        and name not in ADMIN_GENERAL
        and name not in ADMIN_POST_ONLY
        and name not in known_custom
        and name not in ADMIN_REPORTS
        and name not in ADMIN_OBJECT_PAGES
        and name not in ADMIN_ADMINISTRATORS_ONLY
        and not (
            name.startswith(("admin:standards_", "admin:consultations_", "admin:communications_"))
        )
    ):
        problems.append(f"{name} ({route}) has no entry in the access matrix")
        return
    values = {
        "object_id": admin_object_id(model) if model else 1,
        "app_label": "casework",
        "content_type_id": 1,
        "attachment_id": world.attachment.pk,
        "pk": 1,
        "path": "x",
    }
    if model is Case or name in known_custom:
        values["object_id"] = world.case.pk
    if name in ADMIN_OBJECT_PAGES:
        values["object_id"] = admin_object_id(apps.get_model(ADMIN_OBJECT_PAGES[name][1]))
    try:
        path = fill(route, values)
    except KeyError as missing:
        values[str(missing).strip("'")] = 1
        path = fill(route, values)
    for role in ROLES:
        response = world.clients[role].get(path + getattr(world, "query", ""))
        status = response.status_code
        user = world.users.get(role)
        if getattr(world, "probing", False) and view == "changelist" and status == 400:
            # Refused for asking; what the plain pass expects of this cell is 200 or a
            # refusal, and a 400 reveals nothing either way.
            continue
        if getattr(world, "probing", False) and view == "changelist" and status == 200:
            problems.append(f"{role} GET {path}{world.query}: listed, expected 400")
            continue
        if status >= 500:
            problems.append(f"{role} GET {path}: {status}")
            continue
        if role == "anonymous" or (user is not None and not user.is_staff):
            if name == "admin:jsi18n":
                continue
            if name == "admin:login" and role != "anonymous" and status == 403:
                continue  # a logged-in member is refused the admin's login page
            if status != 302:
                problems.append(f"{role} GET {path}: {status}, expected a redirect to log in")
            continue
        if name in ADMIN_ADMINISTRATORS_ONLY:
            expected = 200 if role == "admin" else 403
            if status != expected:
                problems.append(f"{role} GET {path}: {status}, expected {expected}")
            continue
        if name in ADMIN_REPORTS:
            expected = 200 if user.has_perm(ADMIN_REPORTS[name]) else 403
            if status != expected:
                problems.append(f"{role} GET {path}: {status}, expected {expected}")
            continue
        if name in ADMIN_OBJECT_PAGES:
            perm, label = ADMIN_OBJECT_PAGES[name]
            found = apps.get_model(label).objects.filter(pk=values["object_id"]).exists()
            expected = (200 if found else 404) if user.has_perm(perm) else 403
            if status != expected:
                problems.append(f"{role} GET {path}: {status}, expected {expected}")
            continue
        if name in ADMIN_POST_ONLY:
            if status != 405:
                problems.append(f"{role} GET {path}: {status}, expected 405")
            continue
        if model is Case or name in known_custom:
            if name == "admin:casework_case_summary":
                expected = 302  # the old address leads to the reports page, which decides
            elif name == "admin:casework_case_deadlines":
                # The officer's own deadlines (through cases_visible_to): case officers only.
                expected = 200 if is_case_officer(user) else 403
            elif view == "add":
                # phone and walk-in intake: any case officer opens a case for a member
                expected = 200 if is_case_officer(user) else 403
            elif view == "delete":
                expected = 403
            else:
                visible = cases_visible_to(user).filter(pk=world.case.pk).exists()
                expected = (
                    200
                    if visible
                    else (
                        404
                        if user.has_perm("casework.view_case")
                        else (403 if view == "changelist" else 404)
                    )
                )
                if view == "changelist":
                    expected = 200 if user.has_perm("casework.view_case") else 403
            if status != expected:
                problems.append(f"{role} GET {path}: {status}, expected {expected}")
            continue
        if status == 200 and model is not None:
            perms = [
                f"{model._meta.app_label}.{p}_{model._meta.model_name}"
                for p in ("view", "change", "add", "delete")
            ]
            if not any(user.has_perm(p) for p in perms):
                problems.append(f"{role} GET {path}: 200 without any permission on {model}")


def test_case_pages_are_404_for_everyone_but_the_owner_even_staff(world):
    path = f"/cases/{world.leader_case.reference}/"
    for role in ROLES:
        response = world.clients[role].get(path)
        expected = LOGIN if role == "anonymous" else (200 if role == "leader" else 404)
        assert check_status(response, expected), (role, response.status_code)


def test_the_membership_officer_has_no_casework(world):
    officer = world.users["membership"]
    assert not any(p.startswith("casework.") for p in officer.get_all_permissions())
    client = world.clients["membership"]
    assert client.get("/admin/casework/case/").status_code == 403
    assert client.get(f"/admin/casework/case/{world.case.pk}/change/").status_code in (403, 404)
    assert client.get("/admin/membership/reduction/").status_code == 200
    assert client.get("/admin/membership/membershipchange/retention/").status_code == 200


BUREAU_PAGES = [
    "/admin/subscriptions/mandate/",
    "/admin/subscriptions/collection/",
    "/admin/subscriptions/arrears/",
    "/admin/subscriptions/bacsfile/",
    "/admin/subscriptions/bacsreport/",
    "/admin/subscriptions/bacsreport/add/",
    "/admin/subscriptions/bacsexception/",
]


def test_only_the_membership_officer_sees_the_bureau_back_office(world):
    for role in STAFF:
        client = world.clients[role]
        for page in BUREAU_PAGES:
            status = client.get(page).status_code
            assert status == (200 if role == "membership" else 403), (role, page, status)
        for page in (
            "/admin/subscriptions/bacsfile/write/",
            "/admin/subscriptions/bacsfile/1/download/",
        ):
            status = client.post(page).status_code
            if role != "membership":
                assert status == 403, (role, page, status)
    officer = world.users["membership"]
    for perm in ("download_bacsfile", "write_bacsfile", "add_bacsreport", "change_bacsexception"):
        assert officer.has_perm(f"subscriptions.{perm}")
    for role in STAFF - {"membership"}:
        user = world.users[role]
        assert not any(p.startswith("subscriptions.") for p in user.get_all_permissions()), role


def test_groups_in_the_matrix_exist():
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.ALL)


def test_consultations_by_audience(world):
    from consultations.models import Consultation
    from consultations.rules import is_in_audience
    from consultations.selectors import has_public_summary

    seen = set()
    for consultation in Consultation.objects.all():
        path = f"/consultations/{consultation.slug}/"
        phase = consultation.phase()
        for role in ROLES:
            response = world.clients[role].get(path)
            user = world.users.get(role)
            membership = getattr(user, "membership", None) if user else None
            if phase in ("draft", "scheduled"):
                expected = (
                    {200} if user and user.has_perm("consultations.view_consultation") else {404}
                )
            elif role == "anonymous":
                # A visitor is outside every audience: only an open all-members
                # consultation's public summary, like any member outside the audience.
                expected = {200} if has_public_summary(consultation) else {404}
                assert b'name="action"' not in response.content, "no answer form for visitors"
            elif role in MEMBERS:
                inside = is_in_audience(consultation, membership)
                expected = {200} if inside or has_public_summary(consultation) else {404}
            else:
                expected = {200, 404}
            assert response.status_code in expected, (role, consultation.slug, phase)
            seen.add((role, response.status_code))
    assert ("member", 404) in seen and ("leader", 200) in seen
    assert ("anonymous", 404) in seen and ("anonymous", 200) in seen


def test_rep_volunteers_are_decided_by_the_region_in_the_admin(world):
    """The demo volunteer (a London member): London's caseworker and the casework manager
    open it; Wales's caseworker gets the same 404 as a role that does not exist; staff
    without the role's permissions are refused."""
    from reps.models import RepRole

    role = RepRole.objects.get(status="volunteered")
    path = f"/admin/reps/reprole/{role.pk}/change/"
    expected = {"cw_london": 200, "manager": 200, "cw_wales": 302}
    for staff in STAFF:
        status = world.clients[staff].get(path).status_code
        want = expected.get(staff, 403)
        # Django's admin answers a hidden object with a redirect to its index.
        assert status == want or (want == 302 and status == 404), (staff, status)
    listing = world.clients["cw_wales"].get("/admin/reps/reprole/").content.decode()
    assert f"/admin/reps/reprole/{role.pk}/change/" not in listing


def test_events_by_audience(world):
    from events.access import is_in_audience, is_organiser
    from events.models import Event

    leadership = Event.objects.get(slug="leadership-conference-2027")
    assert world.clients["leader"].get(f"/events/{leadership.slug}/").status_code == 200
    assert world.clients["member"].get(f"/events/{leadership.slug}/").status_code == 404
    for event in Event.objects.all():
        path = f"/events/{event.slug}/"
        for role in ROLES:
            response = world.clients[role].get(path)
            user = world.users.get(role)
            if role == "anonymous":
                expected = LOGIN
            elif is_organiser(user) or is_in_audience(event, getattr(user, "membership", None)):
                expected = 200
            else:
                expected = 404
            assert check_status(response, expected), (role, event.slug, response.status_code)
