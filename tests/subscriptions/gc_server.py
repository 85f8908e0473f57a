"""A local HTTP server standing in for GoCardless's API: it answers the endpoints the portal
calls with bodies in GoCardless's documented JSON shapes, keeps idempotency keys as
GoCardless does (a create repeated with the same key answers 409
`idempotent_creation_conflict` naming what the first one created), and records every
request so that tests can assert what the client sent."""

from __future__ import annotations

import itertools
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Received:
    method: str
    path: str
    headers: dict
    body: dict | None


@dataclass
class FakeGoCardless:
    url: str = ""
    requests: list[Received] = field(default_factory=list)
    resources: dict[str, dict] = field(default_factory=dict)
    keys: dict[tuple[str, str], str] = field(default_factory=dict)
    # (path regex, status, body) answered once instead of the normal answer.
    failures: list[tuple[str, int, dict]] = field(default_factory=list)
    counter: itertools.count = field(default_factory=lambda: itertools.count(1))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def posts(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.method == "POST" and r.path == path]

    def fail_once(self, pattern: str, status: int, error: dict) -> None:
        self.failures.append((pattern, status, {"error": error}))


PREFIX = {
    "customers": "CU",
    "customer_bank_accounts": "BA",
    "mandates": "MD",
    "payments": "PM",
}
SINGULAR = {"customers", "customer_bank_accounts", "mandates", "payments"}


def _created(fake: FakeGoCardless, kind: str, params: dict) -> dict:
    n = next(fake.counter)
    rid = f"{PREFIX[kind]}{n:012d}"
    now = "2026-12-02T10:00:00.000Z"
    if kind == "customers":
        resource = {
            "id": rid,
            "created_at": now,
            "email": params.get("email"),
            "given_name": params.get("given_name"),
            "family_name": params.get("family_name"),
            "company_name": None,
            "address_line1": params.get("address_line1"),
            "city": params.get("city"),
            "postal_code": params.get("postal_code"),
            "country_code": params.get("country_code"),
            "language": "en",
            "metadata": params.get("metadata", {}),
        }
    elif kind == "customer_bank_accounts":
        resource = {
            "id": rid,
            "created_at": now,
            "account_holder_name": params.get("account_holder_name"),
            "account_number_ending": str(params.get("account_number", ""))[-2:],
            "country_code": "GB",
            "currency": "GBP",
            "bank_name": "BARCLAYS BANK PLC",
            "enabled": True,
            "metadata": {},
            "links": {"customer": params["links"]["customer"]},
        }
    elif kind == "mandates":
        resource = {
            "id": rid,
            "created_at": now,
            "reference": params.get("reference"),
            "status": "pending_submission",
            "scheme": params.get("scheme", "bacs"),
            "next_possible_charge_date": "2026-12-10",
            "payments_require_approval": False,
            "metadata": params.get("metadata", {}),
            "links": {
                "customer_bank_account": params["links"]["customer_bank_account"],
                "creditor": "CR000012345678",
                "customer": "CU000000000001",
            },
        }
    else:
        resource = {
            "id": rid,
            "created_at": now,
            "charge_date": params.get("charge_date"),
            "amount": params.get("amount"),
            "description": params.get("description"),
            "currency": params.get("currency"),
            "status": "pending_submission",
            "reference": None,
            "metadata": params.get("metadata", {}),
            "amount_refunded": 0,
            "links": {"mandate": params["links"]["mandate"], "creditor": "CR000012345678"},
        }
    fake.resources[rid] = resource
    return resource


def _handler(fake: FakeGoCardless):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep the test output clean
            pass

        def _answer(self, status: int, body: dict | None):
            data = json.dumps(body).encode() if body is not None else b""
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _request(self, method: str):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            with fake.lock:
                fake.requests.append(Received(method, self.path, dict(self.headers), body))
                for i, (pattern, status, error) in enumerate(fake.failures):
                    if re.fullmatch(pattern, self.path):
                        del fake.failures[i]
                        return self._answer(status, error)
                return self._route(method, body or {})

        def _route(self, method: str, body: dict):
            parts = self.path.strip("/").split("/")
            if method == "GET" and len(parts) == 2 and parts[1] in fake.resources:
                return self._answer(200, {parts[0]: fake.resources[parts[1]]})
            if method == "POST" and len(parts) == 1 and parts[0] in SINGULAR:
                kind = parts[0]
                key = self.headers.get("Idempotency-Key", "")
                if key and (kind, key) in fake.keys:
                    return self._answer(
                        409,
                        {
                            "error": {
                                "type": "invalid_state",
                                "code": 409,
                                "message": "A resource has already been created with this "
                                "idempotency key",
                                "documentation_url": "https://developer.gocardless.com/api-reference#idempotent_creation_conflict",
                                "request_id": "REQ-conflict",
                                "errors": [
                                    {
                                        "reason": "idempotent_creation_conflict",
                                        "message": "A resource has already been created with "
                                        "this idempotency key",
                                        "links": {
                                            "conflicting_resource_id": fake.keys[(kind, key)]
                                        },
                                    }
                                ],
                            }
                        },
                    )
                resource = _created(fake, kind, body.get(kind, {}))
                if key:
                    fake.keys[(kind, key)] = resource["id"]
                return self._answer(201, {kind: resource})
            if (
                method == "POST"
                and len(parts) == 4
                and parts[0] in ("mandates", "payments")
                and parts[2:] == ["actions", "cancel"]
            ):
                resource = fake.resources.get(parts[1])
                if resource is None:
                    return self._answer(
                        404,
                        {
                            "error": {
                                "type": "invalid_api_usage",
                                "code": 404,
                                "message": "Resource not found",
                                "request_id": "REQ-404",
                                "errors": [
                                    {"reason": "resource_not_found", "message": "Not found"}
                                ],
                            }
                        },
                    )
                resource["status"] = "cancelled"
                return self._answer(200, {parts[0]: resource})
            return self._answer(
                404,
                {
                    "error": {
                        "type": "invalid_api_usage",
                        "code": 404,
                        "message": "Not found",
                        "request_id": "REQ-x",
                        "errors": [{"reason": "path_not_found", "message": "Not found"}],
                    }
                },
            )

        def do_GET(self):
            self._request("GET")

        def do_POST(self):
            self._request("POST")

    return Handler


@pytest.fixture
def gocardless_api(settings):
    fake = FakeGoCardless()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    settings.SUBSCRIPTIONS_PROVIDER = "gocardless"
    settings.GOCARDLESS_ACCESS_TOKEN = "sandbox_test_token"
    settings.GOCARDLESS_BASE_URL = fake.url
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


# --- Rows the tests start from ------------------------------------------------------------------

ACCOUNT_NUMBER = "55779911"
SORT_CODE = "200000"
HOLDER = "Alex Member"


def make_mandate(membership, *, status="pending", provider_id="", reference=None):
    from subscriptions.models import Mandate, PaymentArrangement

    PaymentArrangement.objects.update_or_create(
        membership=membership, defaults={"method": "direct_debit"}
    )
    return Mandate.objects.create(
        membership=membership,
        provider="gocardless",
        reference=reference or f"EDU-{membership.number}",
        account_holder=HOLDER,
        sort_code=SORT_CODE,
        account_number=ACCOUNT_NUMBER,
        account_last2=ACCOUNT_NUMBER[-2:],
        status=status,
        provider_id=provider_id,
    )


def make_collection(mandate, *, due_on=None, status="scheduled", provider_id="", pence=2150):
    import datetime as dt

    from subscriptions.models import Collection

    due_on = due_on or dt.date(2027, 1, 4)
    return Collection.objects.create(
        membership=mandate.membership,
        method="direct_debit",
        mandate=mandate,
        kind="17",
        status=status,
        due_on=due_on,
        period_start=due_on.replace(day=1),
        period_end=due_on.replace(day=28),
        amount_pence=pence,
        provider_id=provider_id,
    )
