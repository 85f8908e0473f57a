"""Request ids and JSON log lines: a request's id comes back in the response, is on every
log line written while it runs, travels with the tasks it queues, and never carries a
confidential field."""

from __future__ import annotations

import json
import logging

import pytest
from django.test import Client

from portal import observability
from portal.observability import JsonFormatter

pytestmark = pytest.mark.django_db


def record(message, *args, exc_info=None, name="portal.test"):
    return logging.LogRecord(name, logging.WARNING, __file__, 1, message, args, exc_info)


def test_a_json_line_has_the_fields_and_the_context():
    tokens = (
        observability.request_id_var.set("req-12345678"),
        observability.user_id_var.set("42"),
        observability.view_var.set("casework:detail"),
    )
    try:
        line = JsonFormatter().format(record("case %s moved", "CW-2026-000001"))
    finally:
        observability.request_id_var.reset(tokens[0])
        observability.user_id_var.reset(tokens[1])
        observability.view_var.reset(tokens[2])
    assert "\n" not in line
    data = json.loads(line)
    assert set(data) == {"time", "level", "logger", "message", "request_id", "user_id", "view"}
    assert data["message"] == "case CW-2026-000001 moved"
    assert (data["request_id"], data["user_id"], data["view"]) == (
        "req-12345678",
        "42",
        "casework:detail",
    )
    assert data["level"] == "WARNING" and data["logger"] == "portal.test"
    assert data["time"].endswith("+00:00")


def test_an_exception_line_names_the_type_and_place_but_not_the_message():
    text = "-".join(["SECRET", "NARRATIVE"])  # not in the source line the stack quotes
    try:
        raise ValueError(f"{text} in a message")
    except ValueError:
        import sys

        line = JsonFormatter().format(record("failed", exc_info=sys.exc_info()))
    data = json.loads(line)
    assert data["exception"] == "ValueError"
    assert "test_an_exception_line" in data["stack"]
    assert "SECRET-NARRATIVE" not in line


def test_production_logs_json_and_the_demo_plain(settings):
    # Tests run with DEBUG off, as production does.
    assert settings.LOG_FORMAT == "json"
    assert settings.LOGGING["handlers"]["console"]["formatter"] == "json"


def test_the_request_id_is_returned_and_on_the_request_log_lines(member, caplog):
    client = Client()
    client.force_login(member)
    with caplog.at_level(logging.INFO):
        response = client.get("/me/", HTTP_X_REQUEST_ID="lb-trace-0001")
        logging.getLogger("portal.test").info("outside any request")
    assert response["X-Request-ID"] == "lb-trace-0001"
    # A line written while the request ran carries it, and the user id and view.
    inside = [json.loads(JsonFormatter().format(r)) for r in caplog.records]
    assert inside[-1]["request_id"] is None  # after the request: none
    fresh = client.get("/me/")
    assert len(fresh["X-Request-ID"]) == 32 and fresh["X-Request-ID"] != "lb-trace-0001"


@pytest.mark.parametrize(
    "sent", ["", "short", "has spaces in it", "x" * 65, "<script>alert(1)</script>", "a\nb-12345"]
)
def test_a_malformed_incoming_id_is_replaced(sent):
    response = Client().get("/healthz/", HTTP_X_REQUEST_ID=sent)
    rid = response["X-Request-ID"]
    assert rid != sent and len(rid) == 32 and rid.isalnum()


def test_lines_logged_in_a_view_carry_the_id_user_and_view(member, monkeypatch):
    seen = []

    def spy(self, record):
        seen.append(json.loads(JsonFormatter().format(record)))

    handler = logging.Handler()
    monkeypatch.setattr(handler, "emit", spy.__get__(handler))
    logging.getLogger().addHandler(handler)
    try:
        client = Client()
        client.force_login(member)
        # An unknown case: Django logs the 404 ("Not Found: ...") while the request runs.
        response = client.get("/cases/CW-2099-000009/", HTTP_X_REQUEST_ID="trace-abcdefgh")
    finally:
        logging.getLogger().removeHandler(handler)
    assert response.status_code == 404
    lines = [line for line in seen if line["request_id"] == "trace-abcdefgh"]
    assert lines, seen
    assert all(line["user_id"] == str(member.pk) for line in lines)
    assert all(line["view"] == "casework:detail" for line in lines)


def test_the_request_id_goes_into_the_task_headers_and_back_while_it_runs():
    """The hooks on their own (tests/ops/test_worker.py follows a real worker)."""
    from types import SimpleNamespace

    headers = {}
    token = observability.request_id_var.set("web-req-00000001")
    try:
        observability._on_before_publish(headers=headers)
    finally:
        observability.request_id_var.reset(token)
    assert headers == {observability.TASK_HEADER: "web-req-00000001"}
    task = SimpleNamespace(request=SimpleNamespace(**headers))
    observability._on_task_prerun(task_id="t-1", task=task)
    assert observability.request_id_var.get() == "web-req-00000001"
    observability._on_task_postrun(task_id="t-1")
    assert observability.request_id_var.get() is None
    # A forged header is not taken.
    task = SimpleNamespace(request=SimpleNamespace(**{observability.TASK_HEADER: "bad id\n"}))
    observability._on_task_prerun(task_id="t-2", task=task)
    assert observability.request_id_var.get() is None
    observability._on_task_postrun(task_id="t-2")
