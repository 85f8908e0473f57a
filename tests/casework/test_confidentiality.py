"""Who sees which case, by every route: member pages, admin list, change page, history,
search, files and the bundle PDF. A hidden case is a 404, exactly like a missing one."""

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from casework import services
from casework.access import cases_visible_to
from casework.files import CheckedFile
from casework.models import AccessAction, CaseAccess
from tests.casework.conftest import PDF_BYTES

pytestmark = pytest.mark.django_db


def with_file(case, by):
    import hashlib

    checked = CheckedFile(
        "evidence.pdf",
        "application/pdf",
        len(PDF_BYTES),
        hashlib.sha256(PDF_BYTES).hexdigest(),
        PDF_BYTES,
    )
    services.case_internal_note(case=case, by=by, body="file", files=[checked])
    return case.attachments.get()


@pytest.fixture
def cases(people, submit):
    return {
        "london": submit(people["member"]),
        "wales": submit(people["welsh"]),
        "leadership": submit(people["leader"]),
    }


# role -> cases it may see
EXPECTED = {
    "cw_london": {"london", "leadership"},  # the regional officer, with the lead officer
    "cw_wales": {"wales"},
    "lead": {"leadership"},
    "manager": {"london", "wales", "leadership"},
    "publisher": set(),
    "member": set(),  # officers' routes only; a member has no staff access
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_admin_routes_show_exactly_the_allowed_cases(client, people, cases, role):
    user = people[role]
    client.force_login(user)
    listing = client.get(reverse("admin:casework_case_changelist"))
    for name, case in cases.items():
        allowed = name in EXPECTED[role]
        change = client.get(reverse("admin:casework_case_change", args=[case.pk]))
        history = client.get(reverse("admin:casework_case_history", args=[case.pk]))
        bundle = client.get(reverse("admin:casework_case_bundle", args=[case.pk]))
        search = client.get(reverse("admin:casework_case_changelist"), {"q": case.reference})
        if allowed:
            assert change.status_code == 200, (role, name)
            assert history.status_code == 200, (role, name)
            assert bundle.status_code == 200 and bundle.content[:5] == b"%PDF-"
            assert case.reference in listing.content.decode()
            # A whole reference in the search box opens the case itself.
            assert search.status_code == 302, (role, name, search.status_code)
            assert search["Location"] == reverse("admin:casework_case_change", args=[case.pk])
            lower = client.get(
                reverse("admin:casework_case_changelist"), {"q": case.reference.lower()}
            )
            assert lower.status_code == 302
        else:
            expected_hidden = 404 if user.is_staff and role != "publisher" else (302, 403, 404)
            for response in (change, history, bundle):
                if isinstance(expected_hidden, tuple):
                    assert response.status_code in expected_hidden, (role, name)
                else:
                    assert response.status_code == 404, (role, name, response.status_code)
            link = f"/admin/casework/case/{case.pk}/change/"
            if listing.status_code == 200:
                assert link not in listing.content.decode()
            if user.is_staff and role != "publisher":
                # A reference the officer may not see is a search that finds nothing.
                assert search.status_code == 200, (role, name, search.status_code)
            if search.status_code == 200:
                assert link not in search.content.decode()
            else:
                assert search.status_code != 302 or link not in search["Location"]


def test_hidden_and_missing_cases_look_the_same(client, people, cases):
    client.force_login(people["cw_wales"])
    hidden = client.get(reverse("admin:casework_case_change", args=[cases["london"].pk]))
    missing = client.get(reverse("admin:casework_case_change", args=[999999]))
    assert hidden.status_code == missing.status_code == 404

    def page(response):
        return re.sub(rb'value="[^"]{40,}"', b"", response.content)

    assert page(hidden) == page(missing)


def test_officer_files_need_access_to_the_case(client, people, cases):
    services.case_assign(case=cases["london"], officer=people["cw_london"], by=people["cw_london"])
    attachment = with_file(cases["london"], people["cw_london"])
    url = reverse("admin:casework_case_file", args=[cases["london"].pk, attachment.pk])
    client.force_login(people["cw_wales"])
    assert client.get(url).status_code == 404
    client.force_login(people["cw_london"])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    # a file id of another case through this case's URL is not found either
    other = with_file(cases["leadership"], people["lead"])
    bad = reverse("admin:casework_case_file", args=[cases["london"].pk, other.pk])
    assert client.get(bad).status_code == 404


def test_members_reach_only_their_own_cases_and_files(client, people, cases):
    services.case_assign(case=cases["london"], officer=people["cw_london"], by=people["cw_london"])
    attachment = with_file(cases["london"], people["cw_london"])
    client.force_login(people["member_b"])
    for url in (
        reverse("casework:detail", args=[cases["london"].reference]),
        reverse("casework:attachment", args=[cases["london"].reference, attachment.pk]),
        reverse("casework:withdraw", args=[cases["london"].reference]),
        reverse("casework:detail", args=["CW-0000-000000"]),
        reverse("casework:detail", args=["<script>"]),
        reverse("casework:detail", args=[str(cases["london"].pk)]),
    ):
        assert client.get(url).status_code in (404, 405), url
    assert (
        client.post(reverse("casework:withdraw", args=[cases["london"].reference])).status_code
        == 404
    )
    # internal files are not the member's either
    client.force_login(people["member"])
    internal = reverse("casework:attachment", args=[cases["london"].reference, attachment.pk])
    assert client.get(internal).status_code == 404


def test_a_member_named_as_the_other_party_never_sees_the_case(people, submit):
    other = people["member_b"]
    case = submit(
        people["member"], other_party_name="X", other_party_number=other.membership.number
    )
    assert case.other_party == other
    # even if that member is also an officer
    from django.contrib.auth.models import Group

    other.is_staff = True
    other.save()
    other.groups.add(Group.objects.get(name="Casework manager"))
    other = type(other).objects.get(pk=other.pk)
    assert not cases_visible_to(other).filter(pk=case.pk).exists()


def test_conflict_of_interest_blocks_assignment(people, submit):
    other = people["member_b"]
    officer = people["cw_london"]
    their_case = submit(other)
    services.case_assign(case=their_case, officer=officer, by=officer)
    case = submit(
        people["member"], other_party_name="Y", other_party_number=other.membership.number
    )
    assert (
        services.assignment_problem(case, officer, people["manager"])
        == services.CONFLICT_OF_INTEREST
    )
    with pytest.raises(Exception, match="hold a case"):
        services.case_assign(case=case, officer=officer, by=people["manager"])


def test_a_manager_can_restrict_a_case_to_named_officers(people, cases):
    case = cases["london"]
    other_london, _ = __import__("tests.factories", fromlist=["staff_user"]).staff_user(
        "Caseworker"
    )
    other_london.regions.add(case.region)
    services.case_restrict(case=case, officers=[people["cw_london"]], by=people["manager"])
    assert cases_visible_to(people["cw_london"]).filter(pk=case.pk).exists()
    assert not cases_visible_to(other_london).filter(pk=case.pk).exists()
    assert cases_visible_to(people["manager"]).filter(pk=case.pk).exists()
    with pytest.raises(PermissionDenied):
        services.case_restrict(case=case, officers=[], by=people["cw_london"])


def test_assigned_cases_are_visible_outside_the_region(people, cases):
    services.case_assign(case=cases["wales"], officer=people["cw_london"], by=people["manager"])
    assert cases_visible_to(people["cw_london"]).filter(pk=cases["wales"].pk).exists()


def test_the_access_record_shows_every_step_and_cannot_be_changed(client, people, cases):
    case = cases["london"]
    client.force_login(people["cw_london"])
    client.get(reverse("admin:casework_case_change", args=[case.pk]))
    client.get(reverse("admin:casework_case_bundle", args=[case.pk]))
    actions = set(CaseAccess.objects.filter(case=case).values_list("action", flat=True))
    assert {AccessAction.VIEW, AccessAction.BUNDLE} <= actions
    record = CaseAccess.objects.filter(case=case).first()
    # the officer cannot see the access record; the manager can, read-only
    assert client.get(reverse("admin:casework_caseaccess_changelist")).status_code == 403
    client.force_login(people["manager"])
    listing = client.get(
        reverse("admin:casework_caseaccess_changelist"), {"case__id__exact": case.pk}
    )
    assert listing.status_code == 200 and case.reference in listing.content.decode()
    change = reverse("admin:casework_caseaccess_change", args=[record.pk])
    delete = reverse("admin:casework_caseaccess_delete", args=[record.pk])
    client.post(change, {"detail": "rewritten"})
    client.post(delete, {"post": "yes"})
    record.refresh_from_db()
    assert record.detail != "rewritten"


def test_the_admin_queue_query_count_does_not_grow(
    client, people, submit, django_assert_max_num_queries
):
    client.force_login(people["manager"])
    submit(people["member"])
    url = reverse("admin:casework_case_changelist")
    with django_assert_max_num_queries(40) as first:
        client.get(url, {"open": "open", "q": "Okafor"})
    for _ in range(12):
        submit(people["member_b"])
        submit(people["welsh"])
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(url, {"open": "open"})
