"""What staff see: counts and percentages, filters, small-group suppression, free text and
tags, CSV and PDF, anonymity, and query counts that do not grow with responses."""

import csv
import io
import subprocess

import pytest

from consultations import reports, services
from consultations.admin import BAD_FILTER
from consultations.answer_tokens import answer_token
from consultations.forms import TAG_INVALID
from consultations.models import AnalystTag, Answer, Response
from portal.accounts.choices import EmployerKind, JobRole
from portal.accounts.roles import Role
from tests.factories import EmployerFactory, MembershipFactory, region, staff_user

from .conftest import answers_for, make_consultation, qs

pytestmark = pytest.mark.django_db


def respond(
    consultation,
    n,
    *,
    region_slug="london",
    job_role=JobRole.TEACHER,
    kind=EmployerKind.SCHOOL,
    consent="anonymous",
    **answer_overrides,
):
    """n members of one group submit the same answers."""
    q = qs(consultation)
    made = []
    for _ in range(n):
        m = MembershipFactory(
            job_role=job_role, region=region(region_slug), employer=EmployerFactory(kind=kind)
        )
        services.response_save(
            consultation=consultation,
            user=m.user,
            answers=answers_for(q, **answer_overrides),
            quote_consent=consent,
            submit=True,
        )
        made.append(m)
    return made


@pytest.fixture
def analyst(client):
    user, _ = staff_user(Role.PUBLISHER)
    client.force_login(user)
    return client


def results_url(c, suffix=""):
    return f"/admin/consultations/consultation/{c.pk}/results/{suffix}"


def test_counts_and_percentages(analyst):
    c = make_consultation()
    respond(c, 6, role="Teacher", support="Yes", useful="5", kinds=["Mentoring", "Data"])
    respond(c, 5, role="Leader", support="No", kinds=["Data"])
    page = analyst.get(results_url(c))
    assert page.status_code == 200
    r = page.context["results"]
    assert r.respondents == 11 and not r.suppressed
    by_q = {item.question.text: item for item in r.questions}
    role = {o.value: (o.count, o.percent) for o in by_q["Which best describes you?"].options}
    # Nobody chose "Adviser": under 5, so not shown as a number either.
    assert role == {"Teacher": (6, 54.5), "Leader": (5, 45.5), "Adviser": (None, None)}
    kinds = {o.value: o.count for o in by_q["Which kinds of support help?"].options}
    assert kinds == {"Mentoring": 6, "Data": 11, "Peer review": None}
    useful = by_q["How useful was it?"]
    assert useful.answered == 6
    assert [o.label for o in useful.options][0] == "1 – Not useful"
    html = page.content.decode()
    assert "54.5%" in html and "Which best describes you?" in html
    assert "11 written answers" in html  # free text is counted here, read on its own page
    assert "fewer than 5" in html


def test_small_selections_are_suppressed(analyst):
    c = make_consultation()
    respond(c, 6, region_slug="london")
    respond(c, 3, region_slug="wales", job_role=JobRole.HEADTEACHER)
    # All respondents: shown; the Wales group is too small to count in the table.
    r = analyst.get(results_url(c)).context["results"]
    assert not r.suppressed
    nations = {g.label: g.count for g in r.groups["nation"][1]}
    # Wales (3) is hidden, and so is England: 9 respondents minus 6 would give Wales away.
    assert nations == {"England": None, "Wales": None}
    # Filtered to Wales: three respondents, nothing shown, not even how many.
    page = analyst.get(results_url(c), {"nation": "wales"})
    r = page.context["results"]
    assert r.respondents is None and r.suppressed
    assert all(item.options == [] for item in r.questions)
    html = page.content.decode()
    assert "Fewer than 5 members responded in this selection" in html
    assert "Teacher" not in html.split("Answers", 1)[-1] or r.suppressed
    # The free text of the small group is not shown either.
    q = qs(c)
    text = analyst.get(results_url(c, f"questions/{q['story'].pk}/"), {"nation": "wales"})
    assert text.status_code == 200
    assert "A longer story" not in text.content.decode()
    # Nor in the PDF.
    pdf = analyst.get(results_url(c, "pdf/"), {"nation": "wales"})
    assert "A longer story" not in pdftotext(pdf.content)
    assert "3 submitted" not in html
    # England alone (6) is not shown either: all (9) minus England would be Wales (3).
    r = analyst.get(results_url(c), {"nation": "england"}).context["results"]
    assert r.suppressed and r.respondents is None


def test_a_conditional_question_answered_by_few_is_suppressed(analyst):
    c = make_consultation()
    respond(c, 5, support="No")
    respond(c, 2, support="Yes", useful="1")
    r = analyst.get(results_url(c)).context["results"]
    useful = next(i for i in r.questions if i.question.text == "How useful was it?")
    assert useful.answered is None and useful.suppressed and useful.options == []


def test_filters_by_section_nation_and_employer_type(analyst):
    c = make_consultation()
    respond(c, 5, role="Teacher")
    respond(c, 5, role="Leader", job_role=JobRole.HEADTEACHER, kind=EmployerKind.MAT)
    for params, expected in [
        ({"section": "leadership"}, {"Leader": 5, "Teacher": None}),
        ({"employer_kind": "school"}, {"Leader": None, "Teacher": 5}),
        ({"nation": "england", "section": "teachers"}, {"Leader": None, "Teacher": 5}),
    ]:
        r = analyst.get(results_url(c), params).context["results"]
        role = next(i for i in r.questions if i.question.text == "Which best describes you?")
        got = {o.value: o.count for o in role.options if o.value in expected}
        assert got == expected, params


@pytest.mark.parametrize(
    "params",
    [{"nation": "atlantis"}, {"section": "<script>"}, {"employer_kind": "x" * 5000}],
)
def test_bad_filters_are_a_400_with_a_clear_message(analyst, params):
    c = make_consultation()
    respond(c, 5)
    response = analyst.get(results_url(c), params)
    assert response.status_code == 400
    assert BAD_FILTER in response.content.decode()
    assert analyst.get(results_url(c, "pdf/"), params).status_code == 400


def test_results_need_the_analyse_permission(client):
    c = make_consultation()
    for role in (Role.CASEWORKER, Role.COMMUNICATIONS_OFFICER):
        user, _ = staff_user(role)
        client.force_login(user)
        for suffix in ("", "csv/", "pdf/"):
            assert client.get(results_url(c, suffix)).status_code == 403, (role, suffix)
    member = MembershipFactory().user
    client.force_login(member)
    assert client.get(results_url(c)).status_code == 302  # to the admin login


def test_unknown_consultation_or_question_is_404(analyst):
    c = make_consultation()
    assert analyst.get("/admin/consultations/consultation/999999/results/").status_code == 404
    q = qs(c)
    other = make_consultation()
    assert analyst.get(results_url(c, f"questions/{qs(other)['story'].pk}/")).status_code == 404
    # A choice question has no free text to read.
    assert analyst.get(results_url(c, f"questions/{q['role'].pk}/")).status_code == 404


def test_free_text_answers_and_tags(analyst):
    c = make_consultation()
    respond(c, 5, story="Too much paperwork")
    q = qs(c)
    url = results_url(c, f"questions/{q['story'].pk}/")
    page = analyst.get(url)
    assert page.status_code == 200
    items = page.context["items"]
    assert len(items) == 5
    first = items[0]["answer"]
    tag_url = results_url(c, f"answers/{items[0]['token']}/tags/")
    response = analyst.post(tag_url, {"tags": "Workload, paperwork, workload"})
    assert response.status_code == 302
    assert sorted(Answer.objects.get(pk=first.pk).tags.values_list("name", flat=True)) == [
        "paperwork",
        "workload",
    ]
    filtered = analyst.get(url, {"tag": "workload"})
    assert len(list(filtered.context["page"])) == 1
    # Hostile tags are refused with a clear message and change nothing.
    for bad in ["<script>alert(1)</script>", "x" * 41, ",".join(f"t{i}" for i in range(11))]:
        response = analyst.post(tag_url, {"tags": bad})
        assert response.status_code == 400, bad
        assert AnalystTag.objects.filter(consultation=c).count() == 2
    assert TAG_INVALID in analyst.post(tag_url, {"tags": "<b>"}).content.decode()
    # An answer of another consultation cannot be tagged through this one.
    other = make_consultation()
    respond(other, 1)
    foreign = Answer.objects.filter(response__consultation=other, text__gt="").first()
    foreign_token = answer_token(answer_id=foreign.pk, consultation_id=other.pk)
    for token in (foreign_token, str(foreign.pk), "not-a-token"):
        response = analyst.post(results_url(c, f"answers/{token}/tags/"), {"tags": "x"})
        assert response.status_code == 404, token
    assert analyst.get(tag_url).status_code == 405


def test_csv_export_honours_quoting_consent_and_neutralises_formulas(analyst):
    c = make_consultation()
    named = respond(c, 1, consent="named", story="=cmd|' /C calc'!A0")[0]
    unnamed = respond(c, 1, consent="anonymous")[0]
    refused = respond(c, 1, consent="no")[0]
    response = analyst.get(results_url(c, "csv/"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 3
    by_consent = {row["May we quote"]: row for row in rows}
    assert by_consent["Yes, and you may use my name"]["Respondent"] == named.user.get_full_name()
    assert by_consent["Yes, but without my name"]["Respondent"] == ""
    assert by_consent["No, please do not quote me"]["Quote as"] == "Do not quote"
    text = response.content.decode("utf-8-sig")
    assert unnamed.user.get_full_name() not in text and refused.user.get_full_name() not in text
    assert unnamed.user.email not in text and unnamed.number not in text
    # A formula is written as text.
    assert by_consent["Yes, and you may use my name"]["Q6. Tell us more"].startswith("'=")
    assert rows[0]["Q4. Which kinds of support help?"] == "Mentoring; Data"


def pdftotext(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    result = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
    )
    return result.stdout.decode()


def test_pdf_report_has_the_distributions_and_only_quotable_comments(analyst):
    c = make_consultation(title="SEND support in mainstream schools")
    named = respond(c, 5, consent="named", story="Named member's words")
    respond(c, 5, consent="anonymous", story="Unnamed member's words", role="Leader")
    refused = respond(c, 5, consent="no", story="Words not to be quoted")
    response = analyst.get(results_url(c, "pdf/"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdftotext(response.content)
    assert "SEND support in mainstream schools" in text
    assert "15 submitted" in text
    assert "Which best describes you?" in text
    assert "66.7%" in text and "33.3%" in text  # 10 teachers, 5 leaders
    assert "Named member's words" in text and named[0].user.get_full_name() in text
    assert "Unnamed member's words" in text and "A member (not named)" in text
    assert "Words not to be quoted" not in text
    assert refused[0].user.get_full_name() not in text
    info = subprocess.run(["pdfinfo", "-"], input=response.content, capture_output=True)
    assert b"Results: SEND support in mainstream schools" in info.stdout


def test_anonymous_consultations_never_reveal_who_answered(analyst):
    c = make_consultation(anonymous=True)
    people = respond(c, 3, consent="anonymous", story="Anonymous words")
    people += respond(c, 3, consent="no", story="More anonymous words")
    identifying = []
    for n, m in enumerate(people):
        # Names that cannot occur in the page by chance ("Scott" is in "Scottish").
        m.user.first_name, m.user.last_name = f"Respondentfirst{n}", f"Respondentlast{n}"
        m.user.save(update_fields=["first_name", "last_name"])
        identifying += [m.user.get_full_name(), m.user.email, m.number, m.user.last_name]
    q = qs(c)
    pages = [
        analyst.get(results_url(c)).content.decode(),
        analyst.get(results_url(c, f"questions/{q['story'].pk}/")).content.decode(),
        analyst.get(results_url(c, "csv/")).content.decode("utf-8-sig"),
        pdftotext(analyst.get(results_url(c, "pdf/")).content),
        analyst.get(f"/admin/consultations/consultation/{c.pk}/change/").content.decode(),
    ]
    assert "Anonymous words" in pages[1] and "Anonymous words" in pages[2]
    for content in pages:
        for value in identifying:
            assert value not in content
    header = next(csv.reader(io.StringIO(pages[2])))
    assert "Respondent" not in header and "Submitted" not in header and "Nation" not in header
    # The responses are not reachable one by one anywhere in the admin.
    assert analyst.get("/admin/consultations/response/").status_code == 404


def test_results_page_queries_do_not_grow_with_responses(analyst, django_assert_max_num_queries):
    c = make_consultation()
    respond(c, 5)
    url = results_url(c)
    with django_assert_max_num_queries(40) as first:
        analyst.get(url, {"section": "teachers"})
    respond(c, 25, role="Leader", kinds=["Peer review"])
    respond(c, 10, region_slug="wales", consent="no")
    with django_assert_max_num_queries(len(first.captured_queries)):
        page = analyst.get(url, {"section": "teachers"})
    assert page.context["results"].respondents == 40
    q = qs(c)
    text_url = results_url(c, f"questions/{q['story'].pk}/")
    with django_assert_max_num_queries(40) as text_first:
        analyst.get(text_url)
    respond(c, 20)
    with django_assert_max_num_queries(len(text_first.captured_queries)):
        analyst.get(text_url)


def test_drafts_are_not_counted(analyst):
    c = make_consultation()
    respond(c, 5)
    m = MembershipFactory()
    services.response_save(
        consultation=c, user=m.user, answers={qs(c)["role"].pk: "Adviser"}, submit=False
    )
    r = analyst.get(results_url(c)).context["results"]
    assert r.respondents == 5 and r.drafts is None  # one draft: fewer than 5, not a number
    role = next(i for i in r.questions if i.question.text == "Which best describes you?")
    assert {o.value: o.count for o in role.options} == {
        "Teacher": 5,
        "Leader": None,
        "Adviser": None,
    }
    assert Response.objects.count() == 6
    assert "Adviser" not in reports.responses_csv(c).split("\n", 1)[1]
