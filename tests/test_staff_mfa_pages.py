"""Staff pages outside /admin/ need the same second factor as the admin.

A staff account that has the permission but no second factor yet is sent to set one up on
every page that shows staff more than the public (draft previews, consultations outside the
member's audience). The second test goes looking for the next such page: it walks every URL
outside the admin and allauth and fails on any page where staff see more than a member
that is not marked `staff_mfa_required`."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import get_resolver, resolve, reverse

from portal.accounts.roles import Role
from tests.consultations.conftest import make_consultation
from tests.factories import MembershipFactory, staff_user
from tests.standards.conftest import draft_document
from tests.test_access_matrix import fill, walk

pytestmark = pytest.mark.django_db

MARKED = {
    "standards:detail",
    "standards:edition",
    "standards:pdf",
    "standards:edition_pdf",
    "consultations:detail",
    "events:detail",
}


@pytest.fixture
def previews(db):
    """A draft standards document, a draft consultation and a published consultation for
    the Leadership section only: all three are staff previews for a teacher's account."""
    author = staff_user(Role.PUBLISHER)[0]
    draft_document(author, slug="draft-standards")
    make_consultation(phase="draft", slug="draft-consultation", questions=False)
    make_consultation(slug="leaders-only", audience_section="leadership", questions=False)
    from tests.events.helpers import make_event

    make_event(slug="reps-only-event", audience_reps_only=True)
    return {
        "events": [{"slug": "reps-only-event"}],
        "standards": [{"slug": "draft-standards", "number": 1}],
        "consultations": [{"slug": "draft-consultation"}, {"slug": "leaders-only"}],
    }


def logged_in(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def preview_paths(previews) -> list[tuple[str, str]]:
    paths = []
    for name, route in walk(get_resolver().url_patterns):
        if route.startswith(("admin/", "accounts/")):
            continue  # the admin has its own check; allauth's pages set up the factor
        if route.startswith("language/"):
            continue  # the language switch: it sets the clients' language, shows nothing
        app = route.split("/", 1)[0]
        for values in previews.get(app, [{}]):
            local = {
                "reference": "CW-2026-000001",
                "attachment_id": 1,
                "token": "x",
                "pk": 1,
                "kind": "hours",
                "intent_id": "x",  # a card payment
                "year": "2026",  # an annual statement
                "evidence_id": 1,  # a CPD entry's evidence
                "booking_id": 1,  # a CPD certificate
                "fmt": "png",  # a rep's invite QR code
            }
            local["key"] = "00000000-0000-4000-8000-000000000000"  # a data download's link
            local.update({"slug": "no-such-thing", "number": 1} | values)
            try:
                paths.append((name, fill(route, local)))
            except KeyError:
                paths.append((name, fill(route, local | {"slug": "x"})))
    return paths


@pytest.mark.parametrize(
    "path",
    [
        "/standards/draft-standards/",
        "/standards/draft-standards/editions/1/",
        "/standards/draft-standards/pdf/",
        "/standards/draft-standards/editions/1/pdf/",
        "/consultations/draft-consultation/",
        "/consultations/leaders-only/",
    ],
)
def test_a_publisher_without_a_second_factor_is_sent_to_set_it_up(previews, path):
    # A publisher has the preview permissions of both apps.
    without, _ = staff_user(Role.PUBLISHER, mfa=False)
    response = logged_in(without).get(path)
    assert response.status_code == 302, (path, response.status_code)
    assert response["Location"] == reverse("mfa_activate_totp")
    # The same role with a second factor sees the preview.
    with_mfa, _ = staff_user(Role.PUBLISHER)
    assert logged_in(with_mfa).get(path).status_code == 200, path
    # A member (not staff) is refused as before.
    member = logged_in(MembershipFactory().user)
    assert member.get(path).status_code == 404


def test_every_page_that_shows_staff_more_than_a_member_is_marked(previews):
    superuser_mfa, _ = staff_user(is_superuser=True)
    superuser_without, _ = staff_user(is_superuser=True, mfa=False)
    staff = logged_in(superuser_mfa)
    staff_without = logged_in(superuser_without)
    member = logged_in(MembershipFactory().user)
    visitor = Client(raise_request_exception=False)
    found, problems = set(), []
    for name, path in preview_paths(previews):
        public = {member.get(path).status_code, visitor.get(path).status_code}
        seen = staff.get(path).status_code
        if seen == 200 and not public & {200}:
            found.add(name)
            marked = getattr(resolve(path).func, "portal_staff_mfa_required", False)
            if not marked:
                problems.append(f"{name} {path}: staff-only content, not staff_mfa_required")
        answer = staff_without.get(path)
        if answer.status_code == 200 and not public & {200}:
            problems.append(f"{name} {path}: opened without a second factor")
    assert not problems, "\n".join(problems)
    # The walk found the staff-only pages (otherwise it proves nothing).
    assert found == MARKED
