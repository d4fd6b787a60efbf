"""A fake Linear GraphQL API served over HTTP on loopback, for the adapter and end-to-end tests.

Not a GraphQL engine: it knows the operations the bot sends (by `operationName`, checked
against the query text) and reads their variables: Team, CreateIssue, Issue, IssueWithStates,
MoveIssue, ChangedIssues. Anything else is refused as Linear refuses an invalid document (400,
GRAPHQL_VALIDATION_FAILED). Teams with Linear's default workflow states, issues and their
numbers, a cursor per page of changed issues, archived, trashed and deleted issues.

As Linear does: a personal API key in `Authorization` (an OAuth token as "Bearer ..."), else 401
with an AUTHENTICATION_ERROR; a client-chosen issue id that is taken (even by a deleted issue)
is refused; an unknown id is "Entity not found". Faults: `down` (503 from a proxy),
`rate_limited` (Linear's RATELIMITED error, HTTP 400 as Linear answers it, or 429), and
`drop_answer(op)`: do the work, then close the connection before answering (a lost answer).
Every call is recorded. `send_webhook` posts a delivery signed as Linear signs it.
"""

from __future__ import annotations

import base64
import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

from bot.trackers.linear_webhooks import sign

# Linear's default workflow for a new team: (name, type).
DEFAULT_STATES = (
    ("Backlog", "backlog"),
    ("Todo", "unstarted"),
    ("In Progress", "started"),
    ("In Review", "started"),
    ("Done", "completed"),
    ("Canceled", "canceled"),
    ("Duplicate", "canceled"),
)


def _error(message: str, code: str, kind: str, shown: str | None = None) -> dict[str, Any]:
    extensions: dict[str, Any] = {"code": code, "type": kind, "userError": kind != "internal"}
    if shown:
        extensions["userPresentableMessage"] = shown
    return {"message": message, "extensions": extensions}


AUTHENTICATION_ERROR = _error(
    "Authentication required, not authenticated",
    "AUTHENTICATION_ERROR",
    "authentication error",
    "You need to authenticate to access this operation.",
)
RATELIMITED = _error("Rate limit exceeded", "RATELIMITED", "ratelimited", "Rate limit exceeded.")


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class FakeState:
    id: str
    name: str
    type: str
    position: float


@dataclass
class FakeTeam:
    id: str
    key: str
    name: str
    states: list[FakeState]
    next_number: int = 1


@dataclass
class FakeIssue:
    id: str
    team: FakeTeam
    number: int
    title: str
    description: str
    state: FakeState
    estimate: float | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    updated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    archived_at: datetime | None = None
    trashed: bool = False
    deleted: bool = False

    @property
    def identifier(self) -> str:
        return f"{self.team.key}-{self.number}"

    @property
    def url(self) -> str:
        return f"https://linear.app/fake/issue/{self.identifier}"


@dataclass(frozen=True)
class Call:
    operation: str
    variables: dict[str, Any]
    authorization: str


class FakeLinear:
    def __init__(self, *, api_key: str = "lin_api_fake_key_0123456789", page_size: int = 50):
        self.api_key = api_key
        self.page_size = page_size
        self.teams: dict[str, FakeTeam] = {}
        self.issues: dict[str, FakeIssue] = {}
        self.calls: list[Call] = []
        self.down = False
        self.rate_limited = False
        self.rate_limit_status = 400  # Linear answers RATELIMITED with 400; some proxies 429
        self.taken_id_error = "invalid input"  # or "internal": how a taken issue id is refused
        # Called (under the fake's lock) after each page of changed issues is served: a test
        # moves issues between pages, as people do while a poll reads.
        self.after_page: Callable[[int], None] | None = None
        self._pages_served = 0
        self._drop: dict[str, int] = {}
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ lifecycle

    def __enter__(self) -> FakeLinear:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                answer = fake._answer(self.path, self.headers.get("Authorization") or "", raw)
                if answer is None:  # the work is done; the answer is lost on the way
                    self.close_connection = True
                    return
                status, body, headers = answer
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                content_type = "application/json; charset=utf-8"
                self.send_header("Content-Type", content_type if body else "text/plain")
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
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
        return f"http://127.0.0.1:{self._server.server_address[1]}/graphql"

    # ------------------------------------------------------------ what a Linear user does

    def add_team(self, key: str = "OPS", name: str = "RevOps") -> FakeTeam:
        with self._lock:
            states = [
                FakeState(str(uuid.uuid4()), state_name, kind, float(position))
                for position, (state_name, kind) in enumerate(DEFAULT_STATES)
            ]
            team = FakeTeam(str(uuid.uuid4()), key, name, states)
            self.teams[team.id] = team
            return team

    def team(self, key: str) -> FakeTeam:
        return next(t for t in self.teams.values() if t.key == key)

    def add_issue(
        self,
        team_key: str = "OPS",
        *,
        title: str = "An issue",
        state: str = "Todo",
        estimate: float | None = None,
        updated_at: datetime | None = None,
    ) -> FakeIssue:
        with self._lock:
            team = self.team(team_key)
            issue = self._new_issue(str(uuid.uuid4()), team, title, "")
            issue.state = self._state(team, state)
            issue.estimate = estimate
            if updated_at is not None:
                issue.updated_at = updated_at
            return issue

    def move(self, issue_id: str, state: str) -> FakeIssue:
        """Move the issue to the team's state of that name or, failing that, of that type."""
        with self._lock:
            issue = self.issues[issue_id]
            issue.state = self._state(issue.team, state)
            self._touch(issue)
            return issue

    def set_estimate(self, issue_id: str, estimate: float | None) -> None:
        with self._lock:
            self.issues[issue_id].estimate = estimate
            self._touch(self.issues[issue_id])

    def archive(self, issue_id: str, *, trash: bool = False) -> None:
        with self._lock:
            issue = self.issues[issue_id]
            issue.archived_at = datetime.now(UTC)
            issue.trashed = trash
            self._touch(issue)

    def delete(self, issue_id: str) -> None:
        """Gone for good: reads say "Entity not found"; the id stays taken."""
        with self._lock:
            self.issues[issue_id].deleted = True

    def drop_answer(self, operation: str, times: int = 1) -> None:
        with self._lock:
            self._drop[operation] = self._drop.get(operation, 0) + times

    def live_issues(self) -> list[FakeIssue]:
        with self._lock:
            return [i for i in self.issues.values() if not i.deleted]

    def operations(self) -> list[str]:
        with self._lock:
            return [c.operation for c in self.calls]

    # ------------------------------------------------------------ webhooks

    def webhook_payload(
        self, issue_id: str, *, action: str = "update", timestamp: datetime | None = None
    ) -> dict[str, Any]:
        """An Issue delivery as Linear sends it (the fields the bot reads, and some others)."""
        with self._lock:
            issue = self.issues[issue_id]
            data = {
                **self._node(issue),
                "number": issue.number,
                "createdAt": _stamp(issue.created_at),
                "teamId": issue.team.id,
                "stateId": issue.state.id,
                "priority": 0,
                "team": {"id": issue.team.id, "key": issue.team.key, "name": issue.team.name},
            }
        data["state"] = {**data["state"], "color": "#5e6ad2"}
        return {
            "action": action,
            "type": "Issue",
            "createdAt": _stamp(datetime.now(UTC)),
            "data": data,
            "url": issue.url,
            "updatedFrom": {"updatedAt": data["updatedAt"]} if action == "update" else None,
            "organizationId": "fake-organization",
            "webhookId": "fake-webhook",
            "webhookTimestamp": int((timestamp or datetime.now(UTC)).timestamp() * 1000),
        }

    def send_webhook(
        self,
        url: str,
        payload: dict[str, Any] | bytes,
        *,
        secret: str,
        signature: str | None = None,
    ) -> requests.Response:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        kind = payload.get("type", "Issue") if isinstance(payload, dict) else "Issue"
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Linear-Webhook",
            "Linear-Delivery": str(uuid.uuid4()),
            "Linear-Event": str(kind),
            "Linear-Signature": signature if signature is not None else sign(body, secret),
        }
        return requests.post(url, data=body, headers=headers, timeout=10)

    # ------------------------------------------------------------ the API

    def _answer(
        self, path: str, authorization: str, raw: bytes
    ) -> tuple[int, Any, dict[str, str]] | None:
        try:
            request = json.loads(raw)
        except ValueError:
            request = {}
        operation = str(request.get("operationName") or "") if isinstance(request, dict) else ""
        variables = request.get("variables") if isinstance(request, dict) else None
        variables = variables if isinstance(variables, dict) else {}
        with self._lock:
            self.calls.append(Call(operation, variables, authorization))
            if path != "/graphql":
                return 404, b"Not Found", {}
            if self.down:
                return 503, b"Service Unavailable", {}
            if authorization not in (self.api_key, f"Bearer {self.api_key}"):
                return 401, {"errors": [AUTHENTICATION_ERROR], "data": None}, {}
            if self.rate_limited:
                limited = {"X-RateLimit-Requests-Remaining": "0", "Retry-After": "60"}
                return self.rate_limit_status, {"errors": [RATELIMITED]}, limited
            query = request.get("query") if isinstance(request, dict) else None
            handler = getattr(self, f"_op_{operation}", None)
            if not isinstance(query, str) or handler is None or f" {operation}(" not in query:
                invalid = _error(
                    f"Unknown operation {operation!r}", "GRAPHQL_VALIDATION_FAILED", "graphql error"
                )
                return 400, {"errors": [invalid]}, {}
            try:
                data = handler(variables, query)
            except _Refusal as refusal:
                return 200, {"errors": [refusal.error], "data": None}, {}
            if self._drop.get(operation, 0) > 0:
                self._drop[operation] -= 1
                return None
            return 200, {"data": data}, {}

    def _op_Team(self, variables: dict[str, Any], query: str) -> Any:
        wanted = variables.get("filter") or {}
        by, comparator = next(iter(wanted.items()), ("", {}))
        value = comparator.get("eq") if isinstance(comparator, dict) else None
        nodes = [
            {"id": t.id, "key": t.key, "name": t.name}
            for t in self.teams.values()
            if by in ("id", "key") and getattr(t, by) == value
        ]
        return {"teams": {"nodes": nodes}}

    def _op_CreateIssue(self, variables: dict[str, Any], query: str) -> Any:
        given = variables.get("input") or {}
        team = self.teams.get(str(given.get("teamId")))
        if team is None:
            raise _Refusal(
                _error("Entity not found: Team", "INPUT_ERROR", "invalid input", "Team not found.")
            )
        issue_id = str(given.get("id") or uuid.uuid4())
        try:
            uuid.UUID(issue_id)
        except ValueError:
            raise _Refusal(
                _error("Argument Validation Error", "INVALID_INPUT", "invalid input", "id")
            ) from None
        if issue_id in self.issues:
            # Linear does not document this answer: the adapter reads the issue whatever error
            # a create gets, and `taken_id_error` tries both kinds.
            if self.taken_id_error == "internal":
                raise _Refusal(_error("Internal server error", "INTERNAL_ERROR", "internal error"))
            raise _Refusal(
                _error(
                    "Entity with this id already exists",
                    "INVALID_INPUT",
                    "invalid input",
                    "An issue with this id already exists.",
                )
            )
        if not str(given.get("title") or "").strip():
            raise _Refusal(_error("title must not be empty", "INVALID_INPUT", "invalid input"))
        issue = self._new_issue(issue_id, team, str(given["title"]), given.get("description"))
        return {"issueCreate": {"success": True, "issue": self._node(issue)}}

    def _op_Issue(self, variables: dict[str, Any], query: str) -> Any:
        return {"issue": self._node(self._find(variables.get("id")), with_team="team {" in query)}

    _op_IssueWithStates = _op_Issue

    def _op_MoveIssue(self, variables: dict[str, Any], query: str) -> Any:
        issue = self._find(variables.get("id"))
        state = next((s for s in issue.team.states if s.id == variables.get("stateId")), None)
        if state is None:
            raise _Refusal(
                _error("Entity not found: WorkflowState", "INPUT_ERROR", "invalid input")
            )
        issue.state = state
        self._touch(issue)
        return {"issueUpdate": {"success": True}}

    def _op_ChangedIssues(self, variables: dict[str, Any], query: str) -> Any:
        wanted = variables.get("filter") or {}
        team_id = wanted.get("team", {}).get("id", {}).get("eq")
        since = datetime.fromisoformat(wanted.get("updatedAt", {}).get("gte"))
        matching = sorted(
            (
                i
                for i in self.issues.values()
                if not i.deleted and i.team.id == team_id and i.updated_at >= since
            ),
            key=lambda i: (i.updated_at, i.id),
            reverse=True,  # newest first: the adapter orders what it returns itself
        )
        first = min(int(variables.get("first") or 50), self.page_size)
        after = variables.get("after")
        start = int(base64.b64decode(after).decode()) if after else 0
        page = matching[start : start + first]
        end = start + len(page)
        self._pages_served += 1
        if self.after_page is not None:
            self.after_page(self._pages_served)
        return {
            "issues": {
                "nodes": [self._node(i) for i in page],
                "pageInfo": {
                    "hasNextPage": end < len(matching),
                    "endCursor": base64.b64encode(str(end).encode()).decode() if page else None,
                },
            }
        }

    # ------------------------------------------------------------ helpers

    def _new_issue(
        self, issue_id: str, team: FakeTeam, title: str, description: str | None
    ) -> FakeIssue:
        issue = FakeIssue(
            id=issue_id,
            team=team,
            number=team.next_number,
            title=title,
            description=description or "",
            state=self._state(team, "backlog"),
        )
        team.next_number += 1
        self._touch(issue)
        self.issues[issue_id] = issue
        return issue

    def _find(self, issue_id: Any) -> FakeIssue:
        issue = self.issues.get(str(issue_id))
        if issue is None:  # Linear also finds an issue by its identifier
            issue = next((i for i in self.issues.values() if i.identifier == issue_id), None)
        if issue is None or issue.deleted:
            raise _Refusal(
                _error(
                    "Entity not found: Issue",
                    "INPUT_ERROR",
                    "invalid input",
                    "Could not find referenced Issue.",
                )
            )
        return issue

    def _state(self, team: FakeTeam, name_or_type: str) -> FakeState:
        by_name = [s for s in team.states if s.name == name_or_type]
        by_type = [s for s in team.states if s.type == name_or_type]
        return (by_name or by_type)[0]

    def _touch(self, issue: FakeIssue) -> None:
        """updatedAt in milliseconds, as Linear's; each change later than every one before, so
        that "changed since" orders them as they happened."""
        now = datetime.now(UTC)
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)
        newest = max((i.updated_at for i in self.issues.values()), default=now)
        issue.updated_at = max(now, newest + timedelta(milliseconds=1))

    def _node(self, issue: FakeIssue, *, with_team: bool = False) -> dict[str, Any]:
        node: dict[str, Any] = {
            "id": issue.id,
            "identifier": issue.identifier,
            "url": issue.url,
            "title": issue.title,
            "updatedAt": _stamp(issue.updated_at),
            "archivedAt": _stamp(issue.archived_at) if issue.archived_at else None,
            "trashed": issue.trashed or None,
            "estimate": issue.estimate,
            "state": {"id": issue.state.id, "name": issue.state.name, "type": issue.state.type},
        }
        if with_team:
            states = [
                {"id": s.id, "name": s.name, "type": s.type, "position": s.position}
                for s in issue.team.states
            ]
            node["team"] = {"id": issue.team.id, "states": {"nodes": states}}
        return node


class _Refusal(Exception):
    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error["message"])
        self.error = error
