"""A fake Jira REST API (v2) served over real HTTP on loopback, for end-to-end tests.

What the bot uses, answered as Jira does:
- `GET /rest/api/2/serverInfo` (deploymentType "Cloud" or "Server");
- `GET /rest/api/2/project/KEY` (its issue types; 404 for an unknown project);
- `POST /rest/api/2/issue` (create: project, issue type and summary required, labels kept);
- `GET /rest/api/2/issue/ID` (by id or key; 404 once deleted);
- `GET|POST /rest/api/2/issue/ID/transitions` (a workflow To Do → In Progress → Done, and
  "Won't Do" with its resolution);
- `GET /rest/api/2/search` (Data Center, startAt paging) and `GET|POST /rest/api/2/search/jql`
  (Cloud, nextPageToken paging), reading the JQL the bot writes: `project = "K"`,
  `labels = "x"`, `updated >= "yyyy/MM/dd HH:mm"` (UTC here), `ORDER BY updated ASC`;
  anything else is 400 as Jira would.
Auth: basic (e-mail + API token) or bearer (PAT); anything else is 401. Modes: `down` (503 on
every call), `refuse` (401 on every call), `fail_next(prefix, status)`. Every request is
recorded; issues can be changed and deleted "by a person in Jira" (`move`, `delete`,
`set_estimate`), which moves their `updated` time forward.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

STATUSES = {
    "To Do": ("1", "new"),
    "In Progress": ("3", "indeterminate"),
    "Done": ("10001", "done"),
    "Won't Do": ("10002", "done"),
}
TRANSITIONS = [  # id, name, to status
    ("11", "To Do", "To Do"),
    ("21", "Start progress", "In Progress"),
    ("31", "Done", "Done"),
    ("41", "Won't do", "Won't Do"),
]
RESOLUTIONS = ["Done", "Won't Do", "Duplicate"]


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    authorization: str


@dataclass
class FakeIssue:
    id: str
    key: str
    project: str
    issue_type: str
    summary: str
    description: str
    labels: list[str]
    status: str = "To Do"
    resolution: str | None = None
    original_estimate_seconds: int | None = None
    story_points: float | None = None
    updated: datetime = field(default_factory=lambda: datetime.now(UTC))

    def raw(self, base: str) -> dict[str, Any]:
        status_id, category = STATUSES[self.status]
        tracking = (
            {"originalEstimateSeconds": self.original_estimate_seconds}
            if self.original_estimate_seconds
            else {}
        )
        return {
            "id": self.id,
            "key": self.key,
            "self": f"{base}/rest/api/2/issue/{self.id}",
            "fields": {
                "summary": self.summary,
                "description": self.description,
                "labels": self.labels,
                "project": {"key": self.project},
                "issuetype": {"name": self.issue_type},
                "status": {
                    "id": status_id,
                    "name": self.status,
                    "statusCategory": {"key": category},
                },
                "resolution": {"name": self.resolution} if self.resolution else None,
                "timetracking": tracking,
                "timeoriginalestimate": self.original_estimate_seconds,
                "customfield_10016": self.story_points,
                "updated": self.updated.strftime("%Y-%m-%dT%H:%M:%S.")
                + f"{self.updated.microsecond // 1000:03d}+0000",
            },
        }


_CLAUSE = re.compile(r'^\s*(project|labels)\s*=\s*"([^"]*)"\s*$|^\s*updated\s*>=\s*"([^"]*)"\s*$')


class FakeJira:
    def __init__(
        self,
        *,
        email: str = "bot@acme.example",
        api_token: str = "jira-api-token",
        pat: str | None = None,
        cloud: bool = True,
        projects: dict[str, list[str]] | None = None,
    ) -> None:
        self.email, self.api_token, self.pat, self.cloud = email, api_token, pat, cloud
        self.projects = projects or {"OPS": ["Task", "Bug", "Story"]}
        self.issues: dict[str, FakeIssue] = {}
        self.requests: list[Request] = []
        self.down = False
        self.refuse = False
        self.page_size = 50
        self._faults: list[tuple[str, int]] = []
        self._next_id = 10000
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = None
                status, payload = fake.handle(
                    self.command, self.path, body, self.headers.get("Authorization", "")
                )
                data = b"" if payload is None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _answer

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FakeJira:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    # ------------------------------------------------------------ what a person does in Jira

    def _touch(self, issue: FakeIssue) -> None:
        now = datetime.now(UTC)
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)
        newest = max((i.updated for i in self.issues.values()), default=None)
        issue.updated = (
            now if newest is None or now > newest else newest + timedelta(milliseconds=1)
        )

    def move(self, key: str, status: str, resolution: str | None = None) -> FakeIssue:
        with self._lock:
            issue = self._find(key)
            assert issue is not None, key
            issue.status = status
            issue.resolution = (
                resolution if resolution else (status if STATUSES[status][1] == "done" else None)
            )
            self._touch(issue)
            return issue

    def set_estimate(
        self, key: str, *, seconds: int | None = None, story_points: float | None = None
    ) -> FakeIssue:
        with self._lock:
            issue = self._find(key)
            assert issue is not None, key
            issue.original_estimate_seconds = seconds
            issue.story_points = story_points
            self._touch(issue)
            return issue

    def delete(self, key: str) -> FakeIssue:
        with self._lock:
            issue = self._find(key)
            assert issue is not None, key
            del self.issues[issue.id]
            return issue

    def fail_next(self, prefix: str, status: int = 503, times: int = 1) -> None:
        with self._lock:
            self._faults.extend([(prefix, status)] * times)

    def calls(self, prefix: str = "", method: str | None = None) -> list[Request]:
        with self._lock:
            return [
                r
                for r in self.requests
                if r.path.startswith(prefix) and (method is None or r.method == method)
            ]

    def webhook_body(self, key: str, event: str = "jira:issue_updated") -> dict[str, Any]:
        """What Jira posts to a webhook about this issue now."""
        with self._lock:
            issue = self._find(key)
            assert issue is not None, key
            return {
                "timestamp": int(datetime.now(UTC).timestamp() * 1000),
                "webhookEvent": event,
                "issue": issue.raw(self.url),
            }

    # ------------------------------------------------------------ the API

    def _find(self, id_or_key: str) -> FakeIssue | None:
        return self.issues.get(id_or_key) or next(
            (i for i in self.issues.values() if i.key == id_or_key), None
        )

    def _authorized(self, authorization: str) -> bool:
        if authorization.startswith("Bearer ") and self.pat:
            return authorization.removeprefix("Bearer ") == self.pat
        if authorization.startswith("Basic "):
            try:
                pair = base64.b64decode(authorization.removeprefix("Basic ")).decode()
            except ValueError:
                return False
            return pair == f"{self.email}:{self.api_token}"
        return False

    def handle(self, method: str, raw_path: str, body: Any, authorization: str) -> tuple[int, Any]:
        url = urlsplit(raw_path)
        query = parse_qs(url.query)
        path = url.path
        with self._lock:
            self.requests.append(Request(method, path, query, body, authorization))
            if self.down:
                return 503, {"errorMessages": ["Service unavailable"]}
            if self.refuse or not self._authorized(authorization):
                return 401, {"errorMessages": ["You are not authenticated."]}
            for index, (prefix, status) in enumerate(self._faults):
                if path.startswith(prefix):
                    del self._faults[index]
                    return status, {"errorMessages": ["injected"]}
            return self._route(method, path, query, body)

    def _route(
        self, method: str, path: str, query: dict[str, list[str]], body: Any
    ) -> tuple[int, Any]:
        api = "/rest/api/2/"
        if not path.startswith(api):
            return 404, {"errorMessages": ["no such resource"]}
        rest = path[len(api) :]
        if rest == "serverInfo":
            return 200, {
                "baseUrl": self.url,
                "version": "1001.0.0" if self.cloud else "9.12.0",
                "versionNumbers": [1001, 0, 0] if self.cloud else [9, 12, 0],
                "deploymentType": "Cloud" if self.cloud else "Server",
            }
        if rest == "field":
            return 200, [
                {"id": "summary", "name": "Summary", "custom": False},
                {"id": "customfield_10016", "name": "Story point estimate", "custom": True},
            ]
        if rest.startswith("project/"):
            key = rest.removeprefix("project/")
            if key not in self.projects:
                return 404, {"errorMessages": [f"No project could be found with key '{key}'."]}
            return 200, {
                "id": "10000",
                "key": key,
                "name": key,
                "issueTypes": [{"id": str(i), "name": n} for i, n in enumerate(self.projects[key])],
            }
        if rest == "issue" and method == "POST":
            return self._create(body)
        if rest in ("search", "search/jql"):
            if (rest == "search/jql") != self.cloud:
                return 410 if self.cloud else 404, {"errorMessages": ["use the other search"]}
            params = dict(body or {}) if method == "POST" else {k: v[0] for k, v in query.items()}
            return self._search(params, cloud=rest == "search/jql")
        match = re.fullmatch(r"issue/([\w-]+)(/transitions)?", rest)
        if match:
            issue = self._find(match.group(1))
            if issue is None:
                return 404, {
                    "errorMessages": [
                        "Issue does not exist or you do not have permission to see it."
                    ]
                }
            if not match.group(2):
                if method == "DELETE":
                    del self.issues[issue.id]
                    return 204, None
                return 200, issue.raw(self.url)
            if method == "GET":
                return 200, {"transitions": self._transitions()}
            return self._transition(issue, body)
        return 404, {"errorMessages": ["no such resource"]}

    def _transitions(self) -> list[dict[str, Any]]:
        out = []
        for tid, name, to in TRANSITIONS:
            status_id, category = STATUSES[to]
            transition: dict[str, Any] = {
                "id": tid,
                "name": name,
                "to": {"id": status_id, "name": to, "statusCategory": {"key": category}},
            }
            if category == "done":
                transition["fields"] = {
                    "resolution": {
                        "required": True,
                        "allowedValues": [{"name": r} for r in RESOLUTIONS],
                    }
                }
            out.append(transition)
        return out

    def _transition(self, issue: FakeIssue, body: Any) -> tuple[int, Any]:
        tid = str(((body or {}).get("transition") or {}).get("id"))
        match = next((t for t in TRANSITIONS if t[0] == tid), None)
        if match is None:
            return 400, {"errorMessages": [f"Transition id '{tid}' is not valid for this issue."]}
        to = match[2]
        resolution = (((body or {}).get("fields") or {}).get("resolution") or {}).get("name")
        if STATUSES[to][1] == "done" and not resolution:
            return 400, {"errors": {"resolution": "Resolution is required."}}
        issue.status = to
        issue.resolution = resolution if STATUSES[to][1] == "done" else None
        self._touch(issue)
        return 204, None

    def _create(self, body: Any) -> tuple[int, Any]:
        fields = (body or {}).get("fields") or {}
        project = (fields.get("project") or {}).get("key")
        issue_type = (fields.get("issuetype") or {}).get("name")
        errors = {}
        if project not in self.projects:
            errors["project"] = "valid project is required"
        elif issue_type not in self.projects[project]:
            errors["issuetype"] = "The issue type selected is invalid."
        if not fields.get("summary"):
            errors["summary"] = "You must specify a summary of the issue."
        if errors:
            return 400, {"errorMessages": [], "errors": errors}
        self._next_id += 1
        number = sum(1 for i in self.issues.values() if i.project == project) + 1
        issue = FakeIssue(
            id=str(self._next_id),
            key=f"{project}-{number}",
            project=project,
            issue_type=issue_type,
            summary=fields["summary"],
            description=fields.get("description") or "",
            labels=list(fields.get("labels") or []),
        )
        self.issues[issue.id] = issue
        self._touch(issue)
        return 201, {
            "id": issue.id,
            "key": issue.key,
            "self": f"{self.url}/rest/api/2/issue/{issue.id}",
        }

    def _search(self, params: dict[str, Any], *, cloud: bool) -> tuple[int, Any]:
        jql = str(params.get("jql") or "")
        where, _, order = jql.partition(" ORDER BY ")
        if order and order.strip() != "updated ASC":
            return 400, {"errorMessages": [f"unsupported ORDER BY {order}"]}
        matches = list(self.issues.values())
        for clause in where.split(" AND "):
            parsed = _CLAUSE.match(clause)
            if parsed is None:
                return 400, {"errorMessages": [f"Error in the JQL Query: {clause!r}"]}
            field_name, value, since = parsed.groups()
            if field_name == "project":
                matches = [i for i in matches if i.project == value]
            elif field_name == "labels":
                matches = [i for i in matches if value in i.labels]
            else:
                try:
                    start = datetime.strptime(since, "%Y/%m/%d %H:%M").replace(tzinfo=UTC)
                except ValueError:
                    return 400, {"errorMessages": [f"Date value '{since}' is invalid"]}
                matches = [i for i in matches if i.updated >= start]
        matches.sort(key=lambda i: (i.updated, int(i.id)))
        size = min(int(params.get("maxResults") or 50), self.page_size)
        if cloud:
            offset = int(params.get("nextPageToken") or 0)
            page = matches[offset : offset + size]
            last = offset + size >= len(matches)
            answer: dict[str, Any] = {"issues": [i.raw(self.url) for i in page], "isLast": last}
            if not last:
                answer["nextPageToken"] = str(offset + size)
            return 200, answer
        offset = int(params.get("startAt") or 0)
        page = matches[offset : offset + size]
        return 200, {
            "startAt": offset,
            "maxResults": size,
            "total": len(matches),
            "issues": [i.raw(self.url) for i in page],
        }
