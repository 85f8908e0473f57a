"""/metrics: who may read it, what it counts, and that no label names a person or an id."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from casework.models import Case
from portal.communications.models import Delivery, DeliveryStatus
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

TOKEN = "metrics-token-for-tests-0123456789"


def scrape(client=None, **extra) -> str:
    client = client or Client(REMOTE_ADDR="127.0.0.1")
    response = client.get("/metrics", **extra)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


def value(text: str, name: str, **labels) -> float:
    """The value of one sample, 0 when it is not there."""
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        head, _, number = line.rpartition(" ")
        if head.split("{")[0] != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', head))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(number)
    return 0.0


def test_only_the_token_or_an_allowed_address_reads_metrics(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1/32"]
    outside = Client(REMOTE_ADDR="203.0.113.9")
    assert outside.get("/metrics").status_code == 404
    assert outside.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    assert outside.get("/metrics", HTTP_AUTHORIZATION=f"Basic {TOKEN}").status_code == 404
    assert outside.post("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 404
    assert "portal_http_requests_total" in scrape(outside, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    # From this machine no token is needed; a wrong one is still refused.
    assert "portal_http_requests_total" in scrape()
    local = Client(REMOTE_ADDR="127.0.0.1")
    assert local.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    # A forwarded header cannot make an outside request look local.
    assert outside.get("/metrics", HTTP_X_FORWARDED_FOR="127.0.0.1").status_code == 404


def test_no_token_configured_means_no_bearer_access(settings):
    settings.METRICS_TOKEN = ""
    outside = Client(REMOTE_ADDR="203.0.113.9")
    assert outside.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


def test_requests_are_counted_by_view_name_and_status_never_by_path(member):
    member_client = Client(REMOTE_ADDR="127.0.0.1")
    member_client.force_login(member)
    before = scrape()
    for _ in range(3):
        assert member_client.get("/standards/").status_code == 200
    assert member_client.get("/cases/CW-2099-999999/").status_code == 404
    assert member_client.get(f"/no-such-page-{member.email}/").status_code == 404
    after = scrape()
    ok = ("standards:list", "GET", "200")
    grown = value(after, "portal_http_requests_total", view=ok[0], method="GET", status="200")
    was = value(before, "portal_http_requests_total", view=ok[0], method="GET", status="200")
    assert grown - was == 3
    assert value(after, "portal_http_request_duration_seconds_count", view=ok[0]) >= 3
    assert value(after, "portal_http_db_seconds_count", view=ok[0]) >= 3
    assert value(after, "portal_http_cache_seconds_count", view=ok[0]) >= 3
    assert value(after, "portal_http_requests_total", view="<unresolved>", status="404") >= 1
    assert "CW-2099" not in after and member.email not in after and "no-such-page" not in after


def test_cache_and_database_time_are_measured_within_a_request():
    # The employer search counts each address's requests in the cache, then queries.
    view = "accounts:employer_search"
    before = scrape()
    assert Client(REMOTE_ADDR="127.0.0.1").get("/join/employers/?q=school").status_code == 200
    after = scrape()
    for name in ("portal_http_db_queries_total", "portal_http_cache_seconds_sum"):
        assert value(after, name, view=view) > value(before, name, view=view), name


def test_scrape_time_figures_deliveries_cases_and_jobs(member):
    other = MembershipFactory().user
    for status in (DeliveryStatus.FAILED, DeliveryStatus.FAILED, DeliveryStatus.UNCERTAIN):
        Delivery.objects.create(user=other, email=other.email, kind="notification", status=status)
    Delivery.objects.create(user=other, email=other.email, kind="notification", status="sent")
    text = scrape()
    assert value(text, "portal_deliveries_in_trouble", status="failed") == 2
    assert value(text, "portal_deliveries_in_trouble", status="uncertain") == 1
    assert value(text, "portal_deliveries_uncertain_unreviewed") == 1
    assert value(text, "portal_cases_overdue") == Case.objects.filter(overdue=True).count()
    assert 'portal_scheduled_job_late{job="communications-sweep"} 1.0' in text
    assert other.email not in text


def test_overdue_cases_counted(member):
    from casework import services

    case = services.case_submit(
        member=member,
        details=services.CaseDetails(
            category="pay",
            employer=member.membership.employer,
            what_happened="x",
            desired_outcome="y",
        ),
    )
    before = value(scrape(), "portal_cases_overdue")
    Case.objects.filter(pk=case.pk).update(overdue=True)
    assert value(scrape(), "portal_cases_overdue") == before + 1
    Case.objects.filter(pk=case.pk).update(status="closed")
    assert value(scrape(), "portal_cases_overdue") == before


def test_pdf_render_times(settings):
    from portal.pdf import html_to_pdf

    settings.PDF_RENDER_ISOLATED = False
    before = scrape()
    html_to_pdf("<html lang='en'><title>t</title><p>Hello</p></html>")
    after = scrape()
    ok_before = value(before, "portal_pdf_render_seconds_count", outcome="ok")
    assert value(after, "portal_pdf_render_seconds_count", outcome="ok") == ok_before + 1


def test_celery_tasks_counted_by_name_and_state():
    from standards.tasks import render_missing_pdfs

    name = render_missing_pdfs.name
    before = value(scrape(), "portal_celery_tasks_total", task=name, state="SUCCESS")
    render_missing_pdfs.delay()
    after = scrape()
    assert value(after, "portal_celery_tasks_total", task=name, state="SUCCESS") == before + 1
    assert value(after, "portal_celery_task_duration_seconds_count", task=name) >= 1


def test_the_grafana_dashboard_charts_only_metrics_the_portal_serves():
    from pathlib import Path

    dashboard = json.loads(
        (Path(__file__).resolve().parents[2] / "deploy" / "grafana-dashboard.json").read_text()
    )
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    used = {m for e in exprs for m in re.findall(r"\bportal_\w+", e)}
    suffixes = ("_bucket", "_sum", "_count", "_total")

    def base(name):
        return next((name[: -len(s)] for s in suffixes if name.endswith(s)), name)

    served = {base(n) for n in re.findall(r"^# TYPE (portal_\w+) ", scrape(), flags=re.M)}
    for name in used:
        assert base(name) in served, f"the dashboard charts {name}, which /metrics does not serve"
    assert len(dashboard["panels"]) >= 12
