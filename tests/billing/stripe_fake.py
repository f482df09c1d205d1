"""A Stripe-shaped HTTP server on loopback for the real `stripe` library: it records every
request (form-decoded) and answers the few endpoints Roughy calls with Stripe's response shapes.
Like Stripe, a repeated `Idempotency-Key` returns the first response."""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

_ids = itertools.count(1)


def stripe_id(prefix: str) -> str:
    return f"{prefix}_test{next(_ids):08d}{time.time_ns() % 10**6:06d}"


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    params: dict[str, str]


@dataclass
class FakeStripe:
    server: ThreadingHTTPServer
    thread: threading.Thread
    requests: list[Recorded] = field(default_factory=list)
    answered: dict[str, dict[str, Any]] = field(default_factory=dict)
    invoice_of_intent: dict[str, str] = field(default_factory=dict)
    fail_with: int | None = None
    hosted: str | None = None  # serve the hosted pages here instead of Stripe's hosts
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def to(self, method: str, path: str) -> list[Recorded]:
        with self.lock:
            return [r for r in self.requests if r.method == method and r.path == path]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def _customer(fake: FakeStripe, params: dict[str, str]) -> dict[str, Any]:
    return {
        "id": stripe_id("cus"),
        "object": "customer",
        "created": int(time.time()),
        "email": params.get("email"),
        "livemode": False,
        "metadata": {
            k[len("metadata[") : -1]: v for k, v in params.items() if k.startswith("metadata[")
        },
    }


def _checkout_session(fake: FakeStripe, params: dict[str, str]) -> dict[str, Any]:
    session_id = stripe_id("cs")
    return {
        "id": session_id,
        "object": "checkout.session",
        "created": int(time.time()),
        "customer": params.get("customer"),
        "client_reference_id": params.get("client_reference_id"),
        "mode": params.get("mode"),
        "status": "open",
        "payment_status": "unpaid",
        "success_url": params.get("success_url"),
        "cancel_url": params.get("cancel_url"),
        "url": f"{fake.hosted or 'https://checkout.stripe.com'}/c/pay/{session_id}",
        "livemode": False,
        "metadata": {},
    }


def _portal_session(fake: FakeStripe, params: dict[str, str]) -> dict[str, Any]:
    portal_id = stripe_id("bps")
    return {
        "id": portal_id,
        "object": "billing_portal.session",
        "created": int(time.time()),
        "customer": params.get("customer"),
        "return_url": params.get("return_url"),
        "url": f"{fake.hosted or 'https://billing.stripe.com'}/p/session/{portal_id}",
        "livemode": False,
    }


def _invoice_payments(fake: FakeStripe, params: dict[str, str]) -> dict[str, Any]:
    intent = params.get("payment[payment_intent]", "")
    invoice = fake.invoice_of_intent.get(intent)
    data = (
        []
        if invoice is None
        else [
            {
                "id": stripe_id("inpay"),
                "object": "invoice_payment",
                "invoice": invoice,
                "is_default": True,
                "payment": {"type": "payment_intent", "payment_intent": intent},
                "status": "paid",
            }
        ]
    )
    return {"object": "list", "data": data, "has_more": False, "url": "/v1/invoice_payments"}


_ERROR_401 = {
    "error": {
        "message": "Invalid API Key provided: sk_test_****",
        "type": "invalid_request_error",
    }
}


def start_fake_stripe() -> FakeStripe:
    holder: dict[str, FakeStripe] = {}

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, method: str) -> None:
            fake = holder["fake"]
            split = urlsplit(self.path)
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length).decode() if length else split.query
            params = dict(parse_qsl(body, keep_blank_values=True))
            headers = {k.lower(): v for k, v in self.headers.items()}
            with fake.lock:
                fake.requests.append(Recorded(method, split.path, headers, params))
                status, payload = self._route(fake, method, split.path, params, headers)
            raw = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Request-Id", stripe_id("req"))
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def _route(
            self,
            fake: FakeStripe,
            method: str,
            path: str,
            params: dict[str, str],
            headers: dict[str, str],
        ) -> tuple[int, dict[str, Any]]:
            if fake.fail_with is not None:
                return fake.fail_with, _ERROR_401
            key = headers.get("idempotency-key")
            if method == "POST" and key in fake.answered:
                return 200, fake.answered[key]
            if method == "GET" and path == "/v1/invoice_payments":
                return 200, _invoice_payments(fake, params)
            builders = {
                "/v1/customers": _customer,
                "/v1/checkout/sessions": _checkout_session,
                "/v1/billing_portal/sessions": _portal_session,
            }
            build = builders.get(path) if method == "POST" else None
            if build is None:
                error = {"type": "invalid_request_error", "message": "Unrecognized request URL"}
                return 404, {"error": error}
            answer = build(fake, params)
            if key:
                fake.answered[key] = answer
            return 200, answer

        def do_GET(self) -> None:
            if self.path.startswith(("/c/pay/", "/p/session/")):
                self._hosted_page()
            else:
                self._answer("GET")

        def _hosted_page(self) -> None:
            fake = holder["fake"]
            with fake.lock:
                fake.requests.append(Recorded("GET", self.path, {}, {}))
            page = b"<!doctype html><title>Stripe (fake)</title><h1>Stripe hosted page</h1>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def do_POST(self) -> None:
            self._answer("POST")

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    fake = FakeStripe(server=server, thread=thread)
    holder["fake"] = fake
    thread.start()
    return fake
