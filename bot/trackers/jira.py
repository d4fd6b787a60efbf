"""Jira adapter (Cloud and Data Center), through the `jira` client (pycontribs).

Cloud logs in with an account's e-mail and API token (basic auth), Data Center with a personal
access token (bearer). Issues are read and written with REST API v2 (plain-text descriptions
on both). Each issue the bot creates carries two labels: `revops-bot` (the poll reads only
those) and one per request (`revops-T1-12`), searched before creating so that a retry after a
lost answer finds the issue the first try made. No database here, and no credential in any
log line or exception text.

Statuses reduce to the status category (To Do, In Progress, Done); a done issue whose
resolution (or status) reads like "Won't Do" counts as won't do.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import requests
from jira import JIRA, JIRAError

from bot.settings import Settings
from bot.trackers.client import (
    IssueGone,
    IssueRef,
    IssueState,
    IssueStatus,
    NewIssue,
    TrackerRefused,
    TrackerUnavailable,
)

logger = logging.getLogger(__name__)

BOT_LABEL = "revops-bot"
REQUEST_TIMEOUT_SECONDS = 20
PAGE_SIZE = 50
# JQL reads dates in the Jira user's own time zone, which the bot cannot know: a poll reads
# from this much earlier (the widest UTC offset); what it reads twice is recognised as seen.
JQL_ZONE_MARGIN = timedelta(hours=14)
WONT_DO_WORDS = ("won't", "wont", "not do", "cancel", "decline", "reject", "duplicate", "abandon")
CATEGORY_STATUS = {
    "new": IssueStatus.to_do,
    "indeterminate": IssueStatus.in_progress,
    "done": IssueStatus.done,
}
STATUS_CATEGORY = {
    IssueStatus.to_do: "new",
    IssueStatus.in_progress: "indeterminate",
    IssueStatus.done: "done",
    IssueStatus.wont_do: "done",
}
T = TypeVar("T")


def _wont_do(*names: str | None) -> bool:
    return any(word in (name or "").lower() for name in names for word in WONT_DO_WORDS)


def parse_time(value: str | None) -> datetime | None:
    """Jira's '2026-12-05T04:10:00.000+0000' as an aware UTC datetime."""
    if not value:
        return None
    for pattern in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return datetime.strptime(value, pattern).astimezone(UTC)
        except ValueError:
            continue
    return None


def issue_state(
    raw: dict[str, Any],
    *,
    base_url: str,
    story_points_field: str,
    hours_per_point: float,
    deleted: bool = False,
) -> IssueState | None:
    """An issue of the REST API (a read, a search, a webhook) as the domain sees it; None when
    it lacks what every issue has (an id, a key, an update time)."""
    fields = raw.get("fields")
    issue_id, key = raw.get("id"), raw.get("key")
    if not isinstance(fields, dict) or not issue_id or not isinstance(key, str):
        return None
    updated = parse_time(fields.get("updated"))
    if updated is None:
        return None
    status = fields.get("status") or {}
    category = (
        ((status.get("statusCategory") or {}).get("key")) if isinstance(status, dict) else None
    )
    mapped = CATEGORY_STATUS.get(str(category)) if category else None
    resolution = fields.get("resolution")
    resolution_name = resolution.get("name") if isinstance(resolution, dict) else None
    if mapped is IssueStatus.done and _wont_do(resolution_name, status.get("name")):
        mapped = IssueStatus.wont_do
    return IssueState(
        ref=IssueRef(issue_id=str(issue_id), key=key, url=f"{base_url}/browse/{key}"),
        status=mapped,
        estimate_hours=_estimate(fields, story_points_field, hours_per_point),
        updated_at=updated,
        deleted=deleted,
    )


def _estimate(
    fields: dict[str, Any], story_points_field: str, hours_per_point: float
) -> float | None:
    """Time tracking's original estimate first; else story points times the hours a point is
    worth (JIRA_HOURS_PER_STORY_POINT)."""
    tracking = fields.get("timetracking")
    seconds = fields.get("timeoriginalestimate")
    if isinstance(tracking, dict) and tracking.get("originalEstimateSeconds") is not None:
        seconds = tracking["originalEstimateSeconds"]
    if isinstance(seconds, int | float) and seconds > 0:
        return round(seconds / 3600, 2)
    points = fields.get(story_points_field)
    if isinstance(points, int | float) and points > 0:
        return round(points * hours_per_point, 2)
    return None


def _error(exc: Exception, *, what: str) -> Exception:
    """What a failed call means to the domain; the text names the call and Jira's answer."""
    if isinstance(exc, JIRAError):
        status = exc.status_code
        text = (exc.text or "").strip()[:300]
        if status == 404:
            return IssueGone(f"{what}: not found")
        if status is None or status == 429 or status >= 500:
            return TrackerUnavailable(f"{what}: Jira answered {status or 'nothing'} {text}")
        return TrackerRefused(f"{what}: Jira refused ({status}) {text}")
    return TrackerUnavailable(f"{what}: {type(exc).__name__}")


class JiraTracker:
    """One Jira site from the environment, and one project from App Home. Thread-safe: the
    client is made on first use and shared."""

    kind = "jira"

    def __init__(self, settings: Settings, *, project: str, issue_type: str | None) -> None:
        assert settings.jira_base_url is not None
        self.base_url = str(settings.jira_base_url).rstrip("/")
        self.project = project
        self.issue_type = issue_type or "Task"
        self.story_points_field = settings.jira_story_points_field
        self.hours_per_point = settings.jira_hours_per_story_point
        self._settings = settings
        self._client: JIRA | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------ plumbing

    def _jira(self) -> JIRA:
        with self._lock:
            if self._client is None:
                settings = self._settings
                auth: dict[str, Any] = (
                    {"token_auth": settings.jira_pat.get_secret_value()}
                    if settings.jira_pat is not None and settings.jira_api_token is None
                    else {
                        "basic_auth": (
                            settings.jira_email or "",
                            settings.jira_api_token.get_secret_value()
                            if settings.jira_api_token
                            else "",
                        )
                    }
                )
                self._client = JIRA(
                    server=self.base_url,
                    options={"rest_api_version": "2"},
                    # serverInfo says Cloud or Data Center: they search differently.
                    get_server_info=True,
                    max_retries=0,  # the outbox and the poll retry, with their own backoff
                    timeout=REQUEST_TIMEOUT_SECONDS,
                    **auth,
                )
            return self._client

    def _call(self, what: str, call: Callable[[JIRA], T]) -> T:
        try:
            return call(self._jira())
        except (JIRAError, requests.RequestException, ValueError) as exc:
            with self._lock:
                if isinstance(exc, JIRAError) and exc.status_code == 401:
                    self._client = None  # a new token in the environment needs a restart anyway
            raise _error(exc, what=what) from None

    def _state(self, raw: dict[str, Any]) -> IssueState:
        state = issue_state(
            raw,
            base_url=self.base_url,
            story_points_field=self.story_points_field,
            hours_per_point=self.hours_per_point,
        )
        if state is None:
            raise TrackerUnavailable("Jira sent an issue without id, key or update time")
        return state

    @property
    def _fields(self) -> list[str]:
        return [
            "status",
            "resolution",
            "updated",
            "timetracking",
            "timeoriginalestimate",
            self.story_points_field,
        ]

    def _search(self, jql: str) -> Iterator[dict[str, Any]]:
        """Every issue the query finds, page by page (Cloud's token pages, Data Center's
        offsets)."""
        if self._call("server info", lambda jira: jira._is_cloud):
            token: str | None = None
            while True:
                page = self._call(
                    "search",
                    lambda jira, token=token: jira.enhanced_search_issues(  # type: ignore[misc]
                        jql,
                        nextPageToken=token,
                        maxResults=PAGE_SIZE,
                        fields=self._fields,
                        json_result=True,
                    ),
                )
                assert isinstance(page, dict)
                yield from page.get("issues") or []
                token = page.get("nextPageToken")
                if page.get("isLast", True) or not token:
                    return
        start = 0
        while True:
            page = self._call(
                "search",
                lambda jira, start=start: jira.search_issues(  # type: ignore[misc]
                    jql, startAt=start, maxResults=PAGE_SIZE, fields=self._fields, json_result=True
                ),
            )
            assert isinstance(page, dict)
            issues = page.get("issues") or []
            yield from issues
            start += len(issues)
            if not issues or start >= int(page.get("total") or 0):
                return

    # ------------------------------------------------------------ the contract

    def check_connection(self) -> list[str]:
        """The project's issue type names; raises TrackerRefused (IssueGone for an unknown
        project) when the connection in App Home cannot work."""
        project = self._call("project", lambda jira: jira.project(self.project))
        return [str(t.name) for t in getattr(project, "issueTypes", []) or []]

    def create_issue(self, issue: NewIssue) -> IssueRef:
        jql = f'project = "{self.project}" AND labels = "{issue.idempotency_key}"'
        for raw in self._search(jql):
            return self._state(raw).ref  # an earlier try made it (its answer was lost)
        fields: dict[str, Any] = {
            "project": {"key": self.project},
            "issuetype": {"name": self.issue_type},
            "summary": issue.title[:250],
            "description": issue.description,
            "labels": [BOT_LABEL, issue.idempotency_key],
        }
        created = self._call(
            "create issue", lambda jira: jira.create_issue(fields=fields, prefetch=False)
        )
        key = str(created.key)
        return IssueRef(issue_id=str(created.id), key=key, url=f"{self.base_url}/browse/{key}")

    def get_issue(self, issue_id: str) -> IssueState:
        raw = self._call(
            "read issue", lambda jira: jira.issue(issue_id, fields=",".join(self._fields)).raw
        )
        return self._state(raw)

    def move_issue(self, issue_id: str, status: IssueStatus) -> None:
        current = self.get_issue(issue_id)
        if current.status == status:
            return
        transitions = self._call(
            "transitions", lambda jira: jira.transitions(issue_id, expand="transitions.fields")
        )
        chosen = _pick_transition(transitions, status)
        if chosen is None:
            raise TrackerRefused(
                f"no transition of {current.ref.key} leads to a {status.value} status "
                f"(the workflow of project {self.project})"
            )
        transition_id, fields = chosen
        self._call(
            "move issue",
            lambda jira: jira.transition_issue(issue_id, transition_id, fields=fields or None),
        )

    def changed_since(self, since: datetime) -> list[IssueState]:
        start = (since - JQL_ZONE_MARGIN).astimezone(UTC).strftime("%Y/%m/%d %H:%M")
        jql = (
            f'project = "{self.project}" AND labels = "{BOT_LABEL}" AND updated >= "{start}" '
            "ORDER BY updated ASC"
        )
        states = [self._state(raw) for raw in self._search(jql)]
        return sorted(
            (state for state in states if state.updated_at >= since), key=lambda s: s.updated_at
        )


def _pick_transition(
    transitions: list[dict[str, Any]], status: IssueStatus
) -> tuple[str, dict[str, Any]] | None:
    """The transition into a status of the wanted category: for won't do, one whose name
    (or target's) says so, else any to done with a won't-do resolution when the screen asks
    for one; for done, one that does not read as won't do."""
    category = STATUS_CATEGORY[status]
    candidates = [
        t
        for t in transitions
        if ((t.get("to") or {}).get("statusCategory") or {}).get("key") == category
    ]
    if status is IssueStatus.wont_do:
        named = [t for t in candidates if _wont_do(t.get("name"), (t.get("to") or {}).get("name"))]
        pool = named or candidates
    elif status is IssueStatus.done:
        pool = [
            t for t in candidates if not _wont_do(t.get("name"), (t.get("to") or {}).get("name"))
        ] or candidates
    else:
        pool = candidates
    if not pool:
        return None
    chosen = pool[0]
    fields: dict[str, Any] = {}
    resolution = (chosen.get("fields") or {}).get("resolution")
    if isinstance(resolution, dict):
        allowed = [v.get("name") for v in resolution.get("allowedValues") or []]
        wanted = (
            [n for n in allowed if _wont_do(n)]
            if status is IssueStatus.wont_do
            else [n for n in allowed if n and not _wont_do(n)]
        )
        if wanted:
            fields["resolution"] = {"name": wanted[0]}
    return str(chosen["id"]), fields


# ---------------------------------------------------------------- webhooks (POST /webhooks/jira)

SIGNATURE_HEADER = "X-Hub-Signature"
ISSUE_EVENTS = {"jira:issue_created", "jira:issue_updated", "jira:issue_deleted"}


def verify_webhook(
    settings: Settings, *, headers: Mapping[str, str], body: bytes, args: Mapping[str, str]
) -> str | None:
    """None when the call is Jira's; else why not. Jira Cloud signs the body with the
    webhook's secret (`X-Hub-Signature: sha256=<hex HMAC>`); a Data Center webhook, which
    cannot sign, sends the secret in its URL (`?secret=`) or as a bearer token."""
    secret = settings.jira_webhook_secret
    if secret is None:
        return "JIRA_WEBHOOK_SECRET is not set: calls cannot be checked"
    key = secret.get_secret_value().encode()
    signature = headers.get(SIGNATURE_HEADER)
    if signature:
        method, _, digest = signature.partition("=")
        if method != "sha256":
            return f"unsupported signature method {method[:20]!r}"
        expected = hmac.new(key, body, hashlib.sha256).hexdigest()
        return None if hmac.compare_digest(expected, digest.strip()) else "invalid signature"
    shared = args.get("secret") or headers.get("Authorization", "").removeprefix("Bearer ")
    if shared and hmac.compare_digest(shared.encode(), key):
        return None
    return "missing or invalid signature"


def parse_webhook(settings: Settings, payload: Any) -> list[IssueState]:
    """The issue states a webhook call carries (none for events about other things: a
    comment, a sprint); raises ValueError saying what is malformed."""
    if not isinstance(payload, dict):
        raise ValueError("expected a JSON object")
    event = payload.get("webhookEvent")
    if not isinstance(event, str):
        raise ValueError("webhookEvent is missing")
    if event not in ISSUE_EVENTS:
        return []
    raw = payload.get("issue")
    if not isinstance(raw, dict):
        raise ValueError("issue is missing")
    deleted = event == "jira:issue_deleted"
    stamp = payload.get("timestamp")
    if deleted and isinstance(stamp, int):  # the deletion is newer than the last update
        moment = datetime.fromtimestamp(stamp / 1000, UTC)
        fields = dict(raw.get("fields") or {})
        fields["updated"] = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp % 1000:03d}+0000"
        raw = {**raw, "fields": fields}
    assert settings.jira_base_url is not None
    state = issue_state(
        raw,
        base_url=str(settings.jira_base_url).rstrip("/"),
        story_points_field=settings.jira_story_points_field,
        hours_per_point=settings.jira_hours_per_story_point,
        deleted=deleted,
    )
    if state is None:
        raise ValueError("issue needs id, key and fields.updated")
    return [state]
