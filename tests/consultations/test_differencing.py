"""Anonymity that comparing selections must not break: three filters, each over five
respondents, side by side, once singled out one person's written answer (stable answer ids,
answers in the order saved) and the CSV row with the same text gave all their other answers.
Replayed here against the results pages, the written answers, the CSV and the PDF."""

import csv
import io
import re
import subprocess
from itertools import combinations

import pytest

from consultations import reports, selectors, services
from consultations.admin import ANONYMOUS_TEXT_BY_GROUP, BAD_ORDER
from consultations.models import MIN_GROUP_SIZE, Answer
from portal.accounts.choices import EmployerKind, JobRole
from portal.accounts.roles import Role
from tests.factories import EmployerFactory, MembershipFactory, region, staff_user

from .conftest import answers_for, make_consultation, qs

pytestmark = pytest.mark.django_db

TARGET_TEXT = "Our head keeps the improvement grant for the trust office"

FILTERS = [{"section": "leadership"}, {"nation": "wales"}, {"employer_kind": "mat"}]


def submit(c, *, job_role, region_slug, kind, **answers):
    m = MembershipFactory(
        job_role=job_role, region=region(region_slug), employer=EmployerFactory(kind=kind)
    )
    services.response_save(
        consultation=c,
        user=m.user,
        answers=answers_for(qs(c), **answers),
        quote_consent="anonymous",
        submit=True,
    )
    return m


@pytest.fixture
def seeded(db):
    """23 respondents. The target is the only one who is in the Leadership section, in Wales
    and at a multi-academy trust; each of those three filters selects exactly five."""
    c = make_consultation(anonymous=True)
    lead, teach = JobRole.HEADTEACHER, JobRole.TEACHER
    school, mat = EmployerKind.SCHOOL, EmployerKind.MAT
    submit(c, job_role=lead, region_slug="wales", kind=mat, role="Adviser", story=TARGET_TEXT)
    n = 0
    for job_role, region_slug, kind, count in [
        (lead, "london", school, 4),
        (teach, "wales", school, 4),
        (teach, "london", mat, 4),
        (teach, "london", school, 10),
    ]:
        for _ in range(count):
            n += 1
            submit(c, job_role=job_role, region_slug=region_slug, kind=kind, story=f"Story {n:02d}")
    # A small nation: one respondent in Scotland.
    submit(c, job_role=teach, region_slug="scotland", kind=school, story="From Scotland")
    return c


@pytest.fixture
def analyst(client):
    client.force_login(staff_user(Role.PUBLISHER)[0])
    return client


def url(c, suffix=""):
    return f"/admin/consultations/consultation/{c.pk}/results/{suffix}"


def pdftotext(content: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()


def test_each_filter_selects_five_and_the_target_is_alone_in_all_three(seeded):
    ids = None
    for filters in FILTERS:
        got = set(selectors.submitted_responses(seeded, filters).values_list("pk", flat=True))
        assert len(got) == 5
        ids = got if ids is None else ids & got
    assert len(ids) == 1


def test_the_three_filter_attack_on_written_answers_fails(seeded, analyst):
    story = qs(seeded)["story"]
    # Side by side, by group: refused, with the reason, and no answer shown.
    for filters in FILTERS:
        page = analyst.get(url(seeded, f"questions/{story.pk}/"), filters)
        assert page.status_code == 400
        html = page.content.decode()
        assert ANONYMOUS_TEXT_BY_GROUP in html
        assert TARGET_TEXT not in html and "Story 01" not in html
    # All together: shown, but with no stable name for any answer and in a fresh order.
    first = analyst.get(url(seeded, f"questions/{story.pk}/"))
    second = analyst.get(url(seeded, f"questions/{story.pk}/"))
    html = first.content.decode()
    assert TARGET_TEXT in html
    for answer in Answer.objects.filter(question=story):
        assert f"answer-{answer.pk}" not in html and f"/answers/{answer.pk}/" not in html
    order = [item["answer"].pk for item in first.context["items"]]
    assert order != sorted(order)
    assert order != [item["answer"].pk for item in second.context["items"]]
    tokens = {item["answer"].pk: item["token"] for item in first.context["items"]}
    again = {item["answer"].pk: item["token"] for item in second.context["items"]}
    assert all(tokens[pk] != again[pk] for pk in tokens)
    # The order a visit was given is kept across its pages, and only a real one is taken.
    seed = first.context["query"].split("order=")[1]
    same = analyst.get(url(seeded, f"questions/{story.pk}/"), {"order": seed})
    assert [item["answer"].pk for item in same.context["items"]] == order
    bad = analyst.get(url(seeded, f"questions/{story.pk}/"), {"order": "1' OR '1'='1"})
    assert bad.status_code == 400 and BAD_ORDER in bad.content.decode()


def test_tagging_still_works_through_the_per_view_token(seeded, analyst):
    story = qs(seeded)["story"]
    page = analyst.get(url(seeded, f"questions/{story.pk}/"))
    item = next(i for i in page.context["items"] if i["answer"].text == TARGET_TEXT)
    response = analyst.post(
        url(seeded, f"answers/{item['token']}/tags/"),
        {"tags": "funding", "next": "?" + page.context["query"], "position": item["position"]},
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#answer-{item['position']}")
    assert list(Answer.objects.get(pk=item["answer"].pk).tags.values_list("name", flat=True)) == [
        "funding"
    ]
    tagged = analyst.get(url(seeded, f"questions/{story.pk}/"), {"tag": "funding"})
    assert tagged.status_code == 200
    assert "Fewer than 5 answers" in tagged.content.decode()


def shown_counts(results) -> dict[tuple, int | None]:
    cells = {("respondents",): results.respondents}
    for item in results.questions:
        cells[("answered", item.question.pk)] = item.answered
        for o in item.options:
            cells[("option", item.question.pk, o.value)] = o.count
    for name, (_, groups) in results.groups.items():
        for g in groups:
            cells[("group", name, g.label)] = g.count
    return cells


def test_no_count_under_five_and_no_difference_under_five_on_any_selection(seeded, analyst):
    choices = [
        {"section": "leadership"},
        {"section": "teachers"},
        {"nation": "wales"},
        {"nation": "england"},
        {"nation": "scotland"},
        {"employer_kind": "mat"},
        {"employer_kind": "school"},
    ]
    selections = (
        [{}] + [{**a, **b} for a, b in combinations(choices, 2) if a.keys() != b.keys()] + choices
    )
    seen = {}
    for filters in selections:
        page = analyst.get(url(seeded), filters)
        assert page.status_code == 200
        cells = shown_counts(page.context["results"])
        for key, value in cells.items():
            assert value is None or value >= MIN_GROUP_SIZE, (filters, key, value)
        seen[tuple(sorted(filters.items()))] = cells
        html = page.content.decode()
        assert not re.search(r"<strong>[1-4]</strong> submitted", html), filters
        assert not re.search(r"</td><td>[1-4]</td>", html), filters  # a count cell
    # Whatever two shown counts of the same thing are subtracted, the nested difference is
    # never a group of one to four.
    for wide, wide_cells in seen.items():
        for narrow, narrow_cells in seen.items():
            if not set(wide) < set(narrow):
                continue
            for key, value in narrow_cells.items():
                other = wide_cells.get(key)
                if value is not None and other is not None:
                    assert not 0 < other - value < MIN_GROUP_SIZE, (wide, narrow, key)
    # The target's unique answer ("Adviser") is never a number anywhere.
    role = qs(seeded)["role"].pk
    assert all(cells.get(("option", role, "Adviser")) is None for cells in seen.values())
    # The small nation's page says neither "1 submitted response" nor any count.
    html = analyst.get(url(seeded), {"nation": "scotland"}).content.decode()
    assert "Fewer than 5</strong> submitted responses" in html
    assert "1 submitted" not in html


def test_the_csv_has_one_row_per_answer_and_nothing_joins_them(seeded, analyst):
    response = analyst.get(url(seeded, "csv/"))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == reports.ANONYMOUS_HEADER
    target = [row for row in rows if TARGET_TEXT in row]
    assert len(target) == 1
    assert target[0][2] == TARGET_TEXT
    # The row holds one answer only, and no column is shared with a row of another question
    # except the question's own text and the quoting consent (the same for everyone here).
    assert "Adviser" not in target[0]
    per_question = {}
    for row in rows[1:]:
        per_question.setdefault(row[0], 0)
        per_question[row[0]] += 1
    assert per_question[str(1)] == 24  # "Which best describes you?": everyone answered
    assert (
        len(rows) - 1
        == Answer.objects.filter(response__consultation=seeded)
        .values_list("response_id", "question_id")
        .distinct()
        .count()
    )


def test_the_csv_of_a_small_anonymous_consultation_is_empty(analyst):
    c = make_consultation(anonymous=True)
    submit(
        c, job_role=JobRole.TEACHER, region_slug="london", kind=EmployerKind.SCHOOL, story="Mine"
    )
    rows = list(csv.reader(io.StringIO(analyst.get(url(c, "csv/")).content.decode("utf-8-sig"))))
    assert rows == [reports.ANONYMOUS_HEADER]


def test_consent_is_withheld_in_the_csv_when_one_side_is_small(analyst):
    c = make_consultation(anonymous=True)
    for _ in range(5):
        submit(c, job_role=JobRole.TEACHER, region_slug="london", kind=EmployerKind.SCHOOL)
    m = MembershipFactory()
    services.response_save(
        consultation=c,
        user=m.user,
        answers=answers_for(qs(c), story="I said no"),
        quote_consent="no",
        submit=True,
    )
    rows = list(csv.DictReader(io.StringIO(reports.responses_csv(c))))
    assert {row["May we quote"] for row in rows if row["Answer"] == "I said no"} == {
        reports.CONSENT_WITHHELD
    }
    assert reports.DO_NOT_QUOTE not in {row["May we quote"] for row in rows}


def test_the_pdf_by_group_shows_no_small_counts_and_no_written_answers(seeded, analyst):
    for filters in FILTERS:
        response = analyst.get(url(seeded, "pdf/"), filters)
        assert response.status_code == 200
        text = pdftotext(response.content)
        assert TARGET_TEXT not in text and "Story 0" not in text
        assert not re.search(r"Responses\s+[1-4] submitted", text)
    text = pdftotext(analyst.get(url(seeded, "pdf/"), {"nation": "scotland"}).content)
    assert "Fewer than 5 submitted" in text
    assert "From Scotland" not in text


def test_the_admin_list_shows_no_small_response_count(analyst):
    c = make_consultation(anonymous=True, title="A small anonymous consultation")
    submit(c, job_role=JobRole.TEACHER, region_slug="london", kind=EmployerKind.SCHOOL)
    html = analyst.get("/admin/consultations/consultation/").content.decode()
    row = html[html.index("A small anonymous consultation") :][:1500]
    assert "fewer than 5" in row
