"""Error reports: a view that fails while handling a case sends Sentry an event that names
the case reference and the user id, and nothing a member wrote or declared."""

from __future__ import annotations

import io
import json
from types import SimpleNamespace
from urllib.parse import urlencode
from wsgiref.util import setup_testing_defaults

import pytest
import sentry_sdk
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from sentry_sdk.transport import Transport

from casework import services
from portal import observability
from portal.accounts.models import EqualityMonitoring

pytestmark = pytest.mark.django_db

NARRATIVE = "SECRET-NARRATIVE my head teacher shouted at me"
EMAIL = "sentry.scan.member@example.org"


class KeepingTransport(Transport):
    """Keeps every envelope in memory: nothing goes to the network."""

    sent: list = []

    def capture_envelope(self, envelope):
        KeepingTransport.sent.append(envelope.serialize().decode("utf-8", errors="replace"))

    def flush(self, timeout=None, callback=None):
        return None


@pytest.fixture
def sentry():
    KeepingTransport.sent = []
    observability.sentry_init("https://public@sentry.example.invalid/1", transport=KeepingTransport)
    yield KeepingTransport.sent
    sentry_sdk.get_client().close()
    sentry_sdk.get_global_scope().set_client(None)  # no client again, as without a DSN
    observability._sentry_on = False


@pytest.fixture
def case_and_member(member):
    member.email = EMAIL
    member.save(update_fields=["email"])
    EqualityMonitoring.objects.create(user=member, sexual_orientation="bisexual")
    case = services.case_submit(
        member=member,
        details=services.CaseDetails(
            category="grievance",
            employer=member.membership.employer,
            what_happened=NARRATIVE,
            desired_outcome="SECRET-OUTCOME an apology",
        ),
    )
    return case, member


@pytest.mark.urls("tests.ops.urls")
def test_event_from_a_failing_case_page_carries_only_ids(
    sentry, case_and_member, client, monkeypatch
):
    # The JSON log lines and the conftest's scan would flag the narrative in the log line the
    # view writes: that view is built to leak, so its logger is silenced for the test only;
    # what Sentry receives is what is tested here.
    import logging

    monkeypatch.setattr(logging.getLogger("casework.views"), "disabled", True)
    case, member = case_and_member
    client.force_login(member)  # for its session cookie
    body = urlencode({"message": NARRATIVE, "email": EMAIL}).encode()
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": f"/cases/{case.reference}/fails/",
        "QUERY_STRING": urlencode({"email": EMAIL, "q": "SECRET-NARRATIVE"}),
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_COOKIE": f"sessionid={client.cookies['sessionid'].value}; tracking={EMAIL}",
        "HTTP_X_NOTE": NARRATIVE,
        "HTTP_REFERER": f"https://portal.example/?who={EMAIL}",
        "REMOTE_ADDR": "203.0.113.7",
        "wsgi.input": io.BytesIO(body),
    }
    setup_testing_defaults(environ)
    environ["SERVER_NAME"] = "testserver"
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = status, dict(headers)

    # Through Django's WSGI handler, as gunicorn calls it (Sentry hooks in there).
    # As Django's test client does: keep the test's database connection open.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response_body = WSGIHandler()(environ, start_response)
        answer["body"] = b"".join(response_body)
        response_body.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    sentry_sdk.flush()
    response = SimpleNamespace(
        status_code=int(answer["status"].split()[0]), headers=answer["headers"]
    )
    assert response.status_code == 500, answer.get("body", b"")[:3000]
    events = [e for e in sentry if '"exception"' in e]
    assert events, "no error event was sent"
    payload = "\n".join(events)
    for word in (
        "SECRET-NARRATIVE",
        "head teacher shouted",
        "SECRET-OUTCOME",
        "bisexual",
        EMAIL,
        "sentry.scan.member",
        "tracking",
        "sessionid",
        "HTTP_X_NOTE",
        "203.0.113.7",
    ):
        assert word not in payload, f"{word!r} reached Sentry"
    event = json.loads([line for line in events[0].splitlines() if '"exception"' in line][0])
    assert case.reference in event["request"]["url"]
    assert event["user"] == {"id": str(member.pk)}
    assert event["exception"]["values"][-1]["type"] == "ValueError"
    assert event["tags"]["request_id"] == response.headers["X-Request-ID"]


def test_scrubber_drops_frame_variables_bodies_and_log_arguments():
    """Whatever an SDK version or an integration adds, before_send removes it."""
    event = {
        "request": {
            "url": "https://portal.example/cases/C-1/?email=a@b.example",
            "method": "POST",
            "data": {"what_happened": "SECRET-NARRATIVE"},
            "cookies": {"sessionid": "abc"},
            "query_string": "email=a@b.example",
            "headers": {"Cookie": "sessionid=abc", "User-Agent": "test", "X-Note": "secret"},
            "env": {"REMOTE_ADDR": "203.0.113.9"},
        },
        "user": {"id": 7, "email": "a@b.example", "ip_address": "203.0.113.9"},
        "exception": {
            "values": [
                {
                    "type": "ValueError",
                    "value": "SECRET-NARRATIVE",
                    "stacktrace": {"frames": [{"function": "f", "vars": {"x": "SECRET"}}]},
                }
            ]
        },
        "logentry": {"message": "for %s", "params": ["a@b.example"]},
        "extra": {"note": "SECRET"},
        "breadcrumbs": {"values": [{"category": "query", "message": "SELECT 'a@b.example'"}]},
    }
    scrubbed = json.dumps(observability.scrub_event(event))
    for word in ("SECRET", "a@b.example", "sessionid", "203.0.113.9", "X-Note"):
        assert word not in scrubbed
    assert '"id": "7"' in scrubbed and "/cases/C-1/" in scrubbed and "User-Agent" in scrubbed


def test_no_sentry_without_a_dsn(settings):
    assert not settings.SENTRY_DSN
    assert not observability.sentry_enabled()
    assert not sentry_sdk.get_client().is_active()
