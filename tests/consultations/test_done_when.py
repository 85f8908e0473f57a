"""The issue's "done when", end to end through the pages: a publisher builds a consultation
and a second publisher opens it; members of its audience answer (one saves a draft and
finishes later); after it closes, staff see results, export them and download the PDF; a
member outside the audience can neither see nor answer it."""

import csv
import io

import pytest
from django.test import Client

from consultations.models import Consultation, Response
from portal.accounts.choices import JobRole
from portal.accounts.roles import Role
from tests.factories import MembershipFactory, region, staff_user

from .test_admin import base_form, management
from .test_results import pdftotext

pytestmark = pytest.mark.django_db


def test_done_when():
    publisher = Client()
    publisher.force_login(staff_user(Role.PUBLISHER)[0])
    response = publisher.post(
        "/admin/consultations/consultation/add/",
        base_form(
            title="Attendance and exclusion in England",
            slug="attendance-england",
            **management("questions", total=2),
            **{
                "questions-0-kind": "scale",
                "questions-0-text": "Exclusion guidance is clear.",
                "questions-0-required": "on",
                "questions-0-order": "1",
                "questions-0-scale_min": "1",
                "questions-0-scale_max": "5",
                "questions-0-scale_min_label": "Strongly disagree",
                "questions-0-scale_max_label": "Strongly agree",
                "questions-1-kind": "long_text",
                "questions-1-text": "What should change?",
                "questions-1-order": "2",
                "questions-1-scale_min": "1",
                "questions-1-scale_max": "5",
            },
        ),
    )
    assert response.status_code == 302
    c = Consultation.objects.get(slug="attendance-england")
    publisher.post(f"/admin/consultations/consultation/{c.pk}/lifecycle/submit/")
    approver = Client()  # a second publisher approves and opens it
    approver.force_login(staff_user(Role.PUBLISHER)[0])
    approver.post(f"/admin/consultations/consultation/{c.pk}/lifecycle/open/")
    scale, text = c.questions.order_by("order")
    url = "/consultations/attendance-england/"

    members = [MembershipFactory(region=region("london")) for _ in range(6)]
    browsers = []
    for m in members:
        b = Client()
        b.force_login(m.user)
        browsers.append(b)
    # The first member saves a draft and finishes it later.
    assert browsers[0].post(url, {"action": "save_draft", f"q{scale.pk}": "2"}).status_code == 302
    assert 'href="/consultations/attendance-england/"' in browsers[0].get("/me/").content.decode()
    page = browsers[0].get(url).content.decode()
    assert "You saved a draft" in page
    finish = {
        "action": "submit",
        f"q{scale.pk}": "2",
        f"q{text.pk}": "Clearer rules on managed moves.",
        "quote_consent": "named",
    }
    assert browsers[0].post(url, finish).status_code == 302
    for i, b in enumerate(browsers[1:], start=1):
        data = {
            "action": "submit",
            f"q{scale.pk}": str(1 + i % 5),
            f"q{text.pk}": f"Private view number {i}.",
            "quote_consent": "no",
        }
        assert b.post(url, data).status_code == 302
    assert Response.objects.filter(consultation=c, status="submitted").count() == 6

    # A member in Wales is outside the audience (England): no page, no list entry, no answer.
    outsider = Client()
    outsider.force_login(MembershipFactory(region=region("wales"), job_role=JobRole.LECTURER).user)
    assert outsider.get(url).status_code == 404
    assert "attendance-england" not in outsider.get("/consultations/").content.decode()
    assert outsider.post(url, {"action": "submit", f"q{scale.pk}": "5"}).status_code == 404

    # Closing: members can no longer change their answers.
    publisher.post(f"/admin/consultations/consultation/{c.pk}/lifecycle/close/")
    assert browsers[1].post(url, {**finish, "quote_consent": "no"}).status_code == 400

    results = publisher.get(f"/admin/consultations/consultation/{c.pk}/results/")
    assert results.context["results"].respondents == 6
    rows = list(
        csv.DictReader(
            io.StringIO(
                publisher.get(
                    f"/admin/consultations/consultation/{c.pk}/results/csv/"
                ).content.decode("utf-8-sig")
            )
        )
    )
    assert len(rows) == 6
    pdf = pdftotext(publisher.get(f"/admin/consultations/consultation/{c.pk}/results/pdf/").content)
    assert "Attendance and exclusion in England" in pdf
    assert "Clearer rules on managed moves." in pdf
    assert members[0].user.get_full_name() in pdf
    assert "Private view number" not in pdf  # they said not to quote them
