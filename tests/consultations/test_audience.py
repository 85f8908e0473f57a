"""Who sees which consultation: the audience rules, drafts, visitors and staff previews."""

import pytest

from consultations import rules
from consultations.models import Consultation
from consultations.selectors import eligible_memberships
from portal.accounts.choices import EmployerKind, JobRole, MembershipStatus, Nation, Section
from portal.accounts.roles import Role
from tests.factories import EmployerFactory, MembershipFactory, region, staff_user

from .conftest import make_consultation

pytestmark = pytest.mark.django_db


def member(job_role=JobRole.TEACHER, region_slug="london", kind=EmployerKind.SCHOOL, **kw):
    return MembershipFactory(
        job_role=job_role, region=region(region_slug), employer=EmployerFactory(kind=kind), **kw
    )


@pytest.mark.parametrize(
    ("audience", "eligible", "not_eligible"),
    [
        ({}, ["teacher_london", "head_wales", "lecturer_scotland"], []),
        (
            {"audience_section": Section.LEADERSHIP},
            ["head_wales"],
            ["teacher_london", "lecturer_scotland"],
        ),
        (
            {"audience_nations": [Nation.WALES, Nation.SCOTLAND]},
            ["head_wales", "lecturer_scotland"],
            ["teacher_london"],
        ),
        (
            {"audience_employer_kind": EmployerKind.FE_COLLEGE},
            ["lecturer_scotland"],
            ["teacher_london", "head_wales"],
        ),
        (
            {"audience_section": Section.TEACHERS, "audience_nations": [Nation.ENGLAND]},
            ["teacher_london"],
            ["lecturer_scotland", "head_wales"],
        ),
    ],
)
def test_audience_rules(client, audience, eligible, not_eligible):
    people = {
        "teacher_london": member(),
        "head_wales": member(JobRole.HEADTEACHER, "wales"),
        "lecturer_scotland": member(JobRole.LECTURER, "scotland", EmployerKind.FE_COLLEGE),
    }
    consultation = make_consultation(**audience)
    for name in eligible:
        membership = people[name]
        assert rules.is_in_audience(consultation, membership), name
        client.force_login(membership.user)
        assert client.get(consultation.get_absolute_url()).status_code == 200, name
        page = client.get("/consultations/").content.decode()
        assert f'href="/consultations/{consultation.slug}/"' in page, name
    for name in not_eligible:
        membership = people[name]
        assert not rules.is_in_audience(consultation, membership), name
        client.force_login(membership.user)
        # Outside the audience: the same 404 as a consultation that does not exist.
        response = client.get(consultation.get_absolute_url())
        assert response.status_code == 404, name
        assert consultation.title not in response.content.decode()
        page = client.get("/consultations/").content.decode()
        assert consultation.slug not in page, name
    # The invitation list is the same rule, as a query.
    expected = {people[n].pk for n in eligible}
    assert set(eligible_memberships(consultation).values_list("pk", flat=True)) == expected


def test_only_active_members_are_eligible(client):
    lapsed = member(status=MembershipStatus.LAPSED)
    consultation = make_consultation()
    assert not rules.is_in_audience(consultation, lapsed)
    client.force_login(lapsed.user)
    # An all-members consultation: the public summary, as a visitor sees it, and no form.
    response = client.get(consultation.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Only active members of the union can respond" in html
    assert "The background, in Markdown." not in html
    assert 'name="action"' not in html
    limited = make_consultation(audience_nations=[Nation.ENGLAND])
    assert client.get(limited.get_absolute_url()).status_code == 404


def test_a_limited_consultation_is_the_same_404_for_visitors_and_members_outside_it(client):
    """A visitor is outside every audience: a consultation for one audience answers them
    exactly as it answers a member outside it, and neither finds it in the list."""
    limited = [
        make_consultation(audience_nations=[Nation.WALES], title="For Wales only"),
        make_consultation(audience_section="leadership", title="For leaders only"),
        make_consultation(audience_employer_kind="mat", title="For trusts only"),
    ]
    outsider = member(region_slug="london")
    for consultation in limited:
        client.logout()
        visitor = client.get(consultation.get_absolute_url())
        assert consultation.title not in client.get("/consultations/").content.decode()
        client.force_login(outsider.user)
        inside = client.get(consultation.get_absolute_url())
        assert consultation.title not in client.get("/consultations/").content.decode()
        assert visitor.status_code == inside.status_code == 404, consultation.title
        assert consultation.title not in visitor.content.decode()
    # Unknown slugs answer the same.
    client.logout()
    assert client.get("/consultations/no-such-consultation/").status_code == 404


def test_a_member_outside_the_audience_cannot_post_answers(client):
    outsider = member(region_slug="wales")
    consultation = make_consultation(audience_nations=[Nation.ENGLAND])
    client.force_login(outsider.user)
    response = client.post(consultation.get_absolute_url(), {"action": "save_draft"})
    assert response.status_code == 404
    assert not consultation.responses.exists()


@pytest.mark.parametrize("phase", ["draft", "scheduled"])
def test_unpublished_consultations_are_404_for_members_and_visitors(client, teacher, phase):
    consultation = make_consultation(phase=phase)
    assert client.get(consultation.get_absolute_url()).status_code == 404
    client.force_login(teacher.user)
    assert client.get(consultation.get_absolute_url()).status_code == 404
    assert consultation.slug not in client.get("/consultations/").content.decode()


def test_unknown_and_hostile_slugs_are_404(client, teacher):
    client.force_login(teacher.user)
    for path in ["/consultations/nope/", "/consultations/..%2F..%2Fetc/", "/consultations/<x>/"]:
        assert client.get(path).status_code == 404, path


def test_visitors_see_open_summaries_but_never_a_form(client):
    open_one = make_consultation(title="Open to all")
    closed = make_consultation(phase="closed", title="Closed one")
    draft = make_consultation(phase="draft", title="Draft one")
    page = client.get("/consultations/").content.decode()
    assert f'href="/consultations/{open_one.slug}/"' in page
    assert "school improvement" in page  # the summary, rendered from Markdown
    assert closed.title not in page and draft.title not in page
    detail = client.get(open_one.get_absolute_url())
    assert detail.status_code == 200
    html = detail.content.decode()
    assert "Log in to respond" in html
    assert "The background, in Markdown." not in html  # the summary only
    assert "<form" not in html.split("<main", 1)[1]
    assert client.get(closed.get_absolute_url()).status_code == 404
    # A visitor's POST is sent to log in and saves nothing.
    response = client.post(open_one.get_absolute_url(), {"action": "submit"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not open_one.responses.exists()


def test_publishers_preview_drafts_without_a_form(client):
    publisher, _ = staff_user(Role.PUBLISHER)
    consultation = make_consultation(phase="draft")
    client.force_login(publisher)
    page = client.get(consultation.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert "Staff preview" in html
    assert "Which best describes you?" in html
    assert 'name="action"' not in html


def test_closed_consultations_are_listed_with_their_outcome(client, teacher):
    done = make_consultation(phase="outcome", title="Finished consultation")
    client.force_login(teacher.user)
    page = client.get("/consultations/").content.decode()
    assert f'href="/consultations/{done.slug}/"' in page
    assert "Outcome published" in page
    detail = client.get(done.get_absolute_url()).content.decode()
    assert "We told the Department what members said." in detail
    assert 'name="action"' not in detail


def test_list_page_query_count_does_not_grow(client, teacher, django_assert_max_num_queries):
    client.force_login(teacher.user)
    make_consultation()
    with django_assert_max_num_queries(20) as first:
        client.get("/consultations/")
    for _ in range(6):
        make_consultation()
        make_consultation(phase="closed")
        make_consultation(phase="outcome", government_response="The Department agreed.")
    assert Consultation.objects.count() == 19
    with django_assert_max_num_queries(len(first.captured_queries)):
        page = client.get("/consultations/")
    assert page.content.decode().count('href="/consultations/consultation-') >= 19


def test_staff_written_text_is_sanitised_and_the_page_obeys_the_csp(client, teacher):
    consultation = make_consultation(
        summary="<script>alert('summary')</script> [click](javascript:alert(1))",
        background='<img src=x onerror="alert(1)"> **Bold** <iframe src="https://evil"></iframe>',
    )
    question = consultation.questions.first()
    question.text = "<b>Bold question</b>"
    question.help_text = "<script>alert('help')</script>"
    question.save()
    client.force_login(teacher.user)
    for url in (consultation.get_absolute_url(), "/consultations/"):
        html = client.get(url).content.decode()
        main = html.split("<main", 1)[1]
        assert "<script>alert" not in main and "javascript:" not in main
        assert "onerror" not in main and "<iframe" not in main
        assert 'style="' not in html
        # Every script is a file: the Content-Security-Policy forbids inline ones.
        assert html.count("<script") == html.count("<script src=")
    html = client.get(consultation.get_absolute_url()).content.decode()
    assert "<strong>Bold</strong>" in html
    assert "&lt;b&gt;Bold question&lt;/b&gt;" in html
