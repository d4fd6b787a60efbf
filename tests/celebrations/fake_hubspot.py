"""A fake HubSpot CRM API served over real HTTP on loopback, for end-to-end tests.

Only what the bot reads: `GET /crm/v3/objects/deals/{id}` and `GET /crm/v3/owners/{id}`, with
a bearer token, answering in HubSpot's v3 JSON shapes (what `hubspot-api-client` parses).
Every request is recorded; `fail_next` makes the next calls answer an error status.
"""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

STAMP = "2026-11-01T09:00:00.000Z"


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    authorization: str


class FakeHubSpot:
    def __init__(self, *, token: str) -> None:
        self.token = token
        self.deals: dict[str, dict[str, Any]] = {}
        self.owners: dict[str, dict[str, Any]] = {}
        self.requests: list[Request] = []
        self._faults: deque[tuple[str, int]] = deque()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ lifecycle

    def __enter__(self) -> FakeHubSpot:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                status, payload = fake._answer("GET", self.path, self.headers.get("Authorization"))
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None and self._thread is not None
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # ------------------------------------------------------------ state

    def add_deal(
        self,
        deal_id: str,
        *,
        name: str,
        amount: str | None = None,
        currency: str | None = None,
        owner_id: str | None = None,
        stage: str = "closedwon",
    ) -> None:
        properties = {
            "hs_object_id": deal_id,
            "dealname": name,
            "amount": amount,
            "deal_currency_code": currency,
            "hubspot_owner_id": owner_id,
            "dealstage": stage,
        }
        with self._lock:
            self.deals[deal_id] = properties

    def add_owner(self, owner_id: str, *, email: str, first: str, last: str) -> None:
        with self._lock:
            self.owners[owner_id] = {"email": email, "firstName": first, "lastName": last}

    def fail_next(self, path_prefix: str, status: int = 500, times: int = 1) -> None:
        with self._lock:
            self._faults.extend([(path_prefix, status)] * times)

    def calls(self, path_prefix: str = "") -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path.startswith(path_prefix)]

    # ------------------------------------------------------------ HTTP

    def _answer(self, method: str, raw_path: str, authorization: str | None) -> tuple[int, Any]:
        url = urlsplit(raw_path)
        with self._lock:
            self.requests.append(
                Request(method, url.path, parse_qs(url.query), authorization or "")
            )
            if authorization != f"Bearer {self.token}":
                return 401, _error(
                    "Authentication credentials not found.", "INVALID_AUTHENTICATION"
                )
            for index, (prefix, status) in enumerate(self._faults):
                if url.path.startswith(prefix):
                    del self._faults[index]
                    return status, _error("Injected failure", "ERROR")
            deal = re.fullmatch(r"/crm/v3/objects/deals/([^/]+)", url.path)
            if deal:
                properties = self.deals.get(deal.group(1))
                if properties is None:
                    return 404, _error("Object not found.", "OBJECT_NOT_FOUND")
                return 200, {
                    "id": deal.group(1),
                    "properties": properties,
                    "createdAt": STAMP,
                    "updatedAt": STAMP,
                    "archived": False,
                }
            owner = re.fullmatch(r"/crm/v3/owners/([^/]+)", url.path)
            if owner:
                found = self.owners.get(owner.group(1))
                if found is None:
                    return 404, _error("Owner not found.", "OBJECT_NOT_FOUND")
                return 200, {
                    "id": owner.group(1),
                    "type": "PERSON",
                    "userId": int(owner.group(1)) + 1000,
                    "userIdIncludingInactive": int(owner.group(1)) + 1000,
                    "createdAt": STAMP,
                    "updatedAt": STAMP,
                    "archived": False,
                    "teams": [],
                    **found,
                }
        return 404, _error("Unknown path.", "NOT_FOUND")


def _error(message: str, category: str) -> dict[str, Any]:
    return {"status": "error", "message": message, "category": category, "correlationId": "x"}
