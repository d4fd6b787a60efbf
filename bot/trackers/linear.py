"""Linear adapter: accepted requests as Linear issues, through Linear's GraphQL API.

One team (chosen in App Home, by key like "OPS" or by id), one API key from the environment
(LINEAR_API_KEY: a personal key sent as is, or an OAuth token sent as "Bearer ..."), plain HTTP
with `requests` and a timeout on every call. No database here, no credential in a log line or
an exception's text.

Idempotent creation: Linear lets the client choose a new issue's UUID. The id is derived from
the request's idempotency key (uuid5), so a retry after a lost answer asks Linear to create the
same id again; Linear refuses a taken id, and the adapter then reads the issue the first try
made and returns it.

Status comes from the workflow state's type, not its name (teams rename "In Review", "QA"...):
triage, backlog and unstarted are to do, started is in progress, completed is done, canceled is
won't do. Estimates are points on the team's scale, turned into hours with
LINEAR_HOURS_PER_POINT. Archived or trashed issues count as gone: a request cannot follow them.
"""

from __future__ import annotations

import logging
import math
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests

from bot.settings import Settings
from bot.trackers.client import (
    IssueGone,
    IssueRef,
    IssueState,
    IssueStatus,
    NewIssue,
    TrackerError,
    TrackerRefused,
    TrackerUnavailable,
)
from bot.trackers.linear_queries import (
    CHANGED_ISSUES,
    CREATE_ISSUE,
    ISSUE,
    ISSUE_WITH_STATES,
    MOVE_ISSUE,
    TEAM,
)

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = (5, 20)  # connect, read
PAGE_SIZE = 50
# Fixed for good: the same idempotency key must give the same issue id in every process and
# every release, or a retry after an upgrade would create a second issue.
ISSUE_ID_NAMESPACE = uuid.UUID("bb9eefd5-cc90-4592-8f11-004073a6e07e")

STATUS_OF_STATE_TYPE: dict[str, IssueStatus] = {
    "triage": IssueStatus.to_do,
    "backlog": IssueStatus.to_do,
    "unstarted": IssueStatus.to_do,
    "started": IssueStatus.in_progress,
    "completed": IssueStatus.done,
    "canceled": IssueStatus.wont_do,
}
# Where a move puts an issue: the team's first state (by position) of the first type it has.
STATE_TYPES_OF_STATUS: dict[IssueStatus, tuple[str, ...]] = {
    IssueStatus.to_do: ("unstarted", "backlog"),
    IssueStatus.in_progress: ("started",),
    IssueStatus.done: ("completed",),
    IssueStatus.wont_do: ("canceled",),
}

_RETRY_CODES = {"RATELIMITED", "INTERNAL_ERROR", "LOCK_TIMEOUT"}
_RETRY_TYPES = {"ratelimited", "internal error", "lock timeout", "network error"}
_REFUSE_CODES = {"AUTHENTICATION_ERROR", "FORBIDDEN"}
_REFUSE_TYPES = {"authentication error", "forbidden"}


class _NotFound(TrackerRefused):
    """Linear has no issue with that id (never made, deleted, or out of the key's reach)."""


class _NoTeam(TrackerRefused):
    """The team chosen in App Home is not one the API key can see."""


class _Unreached(TrackerUnavailable):
    """No answer from Linear itself: the network, a 5xx, or its rate limit."""


class _KeyRefused(TrackerRefused):
    """Linear refused the API key (401/403, AUTHENTICATION_ERROR, FORBIDDEN)."""


@dataclass(frozen=True)
class LinearTeam:
    id: str
    key: str
    name: str


def issue_id_for(idempotency_key: str) -> str:
    """The id every try at creating this request's issue asks Linear for."""
    return str(uuid.uuid5(ISSUE_ID_NAMESPACE, idempotency_key))


def issue_state(
    node: Mapping[str, Any],
    *,
    hours_per_point: float,
    url: str | None = None,
    removed: bool = False,
) -> IssueState:
    """An issue as an API answer or a webhook's `data` has it; ValueError names what is wrong."""
    issue_id = node.get("id")
    if not isinstance(issue_id, str) or not issue_id:
        raise ValueError("issue id missing")
    updated = node.get("updatedAt")
    if not isinstance(updated, str):
        raise ValueError("issue updatedAt missing")
    try:
        updated_at = datetime.fromisoformat(updated)
    except ValueError:
        raise ValueError("issue updatedAt is not an ISO 8601 date") from None
    if updated_at.tzinfo is None:
        updated_at = updated_at.replace(tzinfo=UTC)
    state = node.get("state")
    state_type = state.get("type") if isinstance(state, Mapping) else None
    points = finite_number(node.get("estimate"))
    hours = points * hours_per_point if points is not None and points >= 0 else None
    key = node.get("identifier")
    link = node.get("url") if isinstance(node.get("url"), str) else url
    gone = removed or bool(node.get("trashed")) or node.get("archivedAt") is not None
    return IssueState(
        ref=IssueRef(
            issue_id=issue_id,
            key=key if isinstance(key, str) and key else issue_id,
            url=link or "",
        ),
        status=STATUS_OF_STATE_TYPE.get(state_type) if isinstance(state_type, str) else None,
        estimate_hours=hours,
        updated_at=updated_at.astimezone(UTC),
        deleted=gone,
    )


def finite_number(value: Any) -> float | None:
    """A JSON number as a float; None for anything else (booleans, NaN, 1e400, strings)."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer longer than any float
        return None
    return number if math.isfinite(number) else None


class LinearTracker:
    """One Linear team. Thread-safe: the outbox's senders, the poll and a webhook may share it."""

    kind = "linear"

    def __init__(
        self,
        *,
        api_key: str,
        team: str,
        api_url: str,
        hours_per_point: float,
        timeout: tuple[float, float] = TIMEOUT_SECONDS,
    ) -> None:
        if not api_key.strip():
            raise TrackerRefused("LINEAR_API_KEY is not set")
        if not team.strip():
            raise TrackerRefused("no Linear team chosen")
        self._api_key = api_key.strip()
        self._team_ref = team.strip()
        self._url = api_url
        self._hours_per_point = hours_per_point
        self._timeout = timeout
        self._team: LinearTeam | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, *, team: str) -> LinearTracker:
        key = settings.linear_api_key
        return cls(
            api_key=key.get_secret_value() if key is not None else "",
            team=team,
            api_url=str(settings.linear_api_url),
            hours_per_point=settings.linear_hours_per_point,
        )

    # ------------------------------------------------------------ the contract

    def create_issue(self, issue: NewIssue) -> IssueRef:
        team = self.team()
        issue_id = issue_id_for(issue.idempotency_key)
        # The estimate stays in the text: Linear refuses points off the team's scale, and a
        # request is worth an issue even when its estimate does not fit.
        description = issue.description
        if issue.request_ref not in description:
            description = f"{description}\n\n{issue.request_ref}".strip()
        variables = {
            "input": {
                "id": issue_id,
                "teamId": team.id,
                "title": issue.title[:255],
                "description": description,
            }
        }
        try:
            data = self._call("CreateIssue", CREATE_ISSUE, variables)
        except (_Unreached, _KeyRefused):
            raise  # the outbox tries again later (a read now would fail alike)
        except TrackerError as failure:
            # Linear answers a taken id with an error (its wording is not documented): an
            # earlier try whose answer was lost made it, so the issue is ours. Else it stands.
            try:
                return self._read(issue_id).ref
            except TrackerError:
                raise failure from None
        made = data.get("issueCreate")
        if not isinstance(made, Mapping) or not made.get("success"):
            raise TrackerRefused("Linear CreateIssue: the issue was not created")
        node = made.get("issue")
        if not isinstance(node, Mapping):
            return self._read(issue_id).ref
        return self._state(node).ref

    def get_issue(self, issue_id: str) -> IssueState:
        state = self._read(issue_id)
        if state.deleted:
            raise IssueGone(f"Linear issue {state.ref.key} is archived or in the trash")
        return state

    def move_issue(self, issue_id: str, status: IssueStatus) -> None:
        try:
            data = self._call("IssueWithStates", ISSUE_WITH_STATES, {"id": issue_id})
        except _NotFound:
            raise IssueGone(f"Linear issue {issue_id} is gone") from None
        node = data.get("issue")
        if not isinstance(node, Mapping):
            raise IssueGone(f"Linear issue {issue_id} is gone")
        current = self._state(node)
        if current.deleted:
            raise IssueGone(f"Linear issue {current.ref.key} is archived or in the trash")
        if current.status == status:
            return  # already there: a move from Linear coming back must not bounce
        target = _state_for(node.get("team"), status)
        if target is None:
            raise TrackerRefused(
                f"Linear issue {current.ref.key}: its team has no workflow state of type "
                f"{' or '.join(STATE_TYPES_OF_STATUS[status])}"
            )
        data = self._call("MoveIssue", MOVE_ISSUE, {"id": issue_id, "stateId": target})
        moved = data.get("issueUpdate")
        if not isinstance(moved, Mapping) or not moved.get("success"):
            raise TrackerRefused(f"Linear MoveIssue: {current.ref.key} was not moved")

    def changed_since(self, since: datetime) -> list[IssueState]:
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        team = self.team()
        issue_filter = {
            "team": {"id": {"eq": team.id}},
            "updatedAt": {"gte": since.astimezone(UTC).isoformat().replace("+00:00", "Z")},
        }
        seen: dict[str, IssueState] = {}
        after: str | None = None
        while True:
            variables = {"filter": issue_filter, "first": PAGE_SIZE, "after": after}
            page = self._call("ChangedIssues", CHANGED_ISSUES, variables).get("issues")
            if not isinstance(page, Mapping) or not isinstance(page.get("nodes"), list):
                raise TrackerUnavailable("Linear ChangedIssues: an unreadable page")
            for node in page["nodes"]:
                if isinstance(node, Mapping):
                    state = self._state(node)
                    known = seen.get(state.ref.issue_id)
                    if known is None or known.updated_at < state.updated_at:
                        seen[state.ref.issue_id] = state  # an issue changed while paging: once
            info = page.get("pageInfo")
            cursor = info.get("endCursor") if isinstance(info, Mapping) else None
            if not (isinstance(info, Mapping) and info.get("hasNextPage") and cursor):
                break
            if cursor == after:
                raise TrackerUnavailable("Linear ChangedIssues: the same page twice")
            after = str(cursor)
        # Oldest first, whatever order Linear pages in.
        return sorted(seen.values(), key=lambda s: (s.updated_at, s.ref.issue_id))

    # ------------------------------------------------------------ team

    def check_connection(self) -> list[str]:
        """The team exists and the key may use it (asked when an admin saves the connection).
        Linear has no issue types: []. Raises IssueGone for an unknown team, TrackerRefused
        for a refused key."""
        with self._lock:
            self._team = None  # the admin may have just renamed or created it
        try:
            self.team()
        except _NoTeam as unknown:
            raise IssueGone(str(unknown)) from None
        return []

    def team(self) -> LinearTeam:
        """The configured team (looked up once per adapter, by id or key)."""
        with self._lock:
            if self._team is not None:
                return self._team
        ref = self._team_ref
        by = "id" if _is_uuid(ref) else "key"
        data = self._call("Team", TEAM, {"filter": {by: {"eq": ref}}})
        teams = data.get("teams")
        nodes = teams.get("nodes") if isinstance(teams, Mapping) else None
        if not isinstance(nodes, list) or len(nodes) != 1 or not isinstance(nodes[0], Mapping):
            raise _NoTeam(f"Linear has no team {ref!r} this API key can see")
        node = nodes[0]
        team = LinearTeam(
            id=str(node.get("id")), key=str(node.get("key")), name=str(node.get("name"))
        )
        with self._lock:
            self._team = team
        return team

    # ------------------------------------------------------------ HTTP

    def _read(self, issue_id: str) -> IssueState:
        try:
            data = self._call("Issue", ISSUE, {"id": issue_id})
        except _NotFound:
            raise IssueGone(f"Linear issue {issue_id} is gone") from None
        node = data.get("issue")
        if not isinstance(node, Mapping):
            raise IssueGone(f"Linear issue {issue_id} is gone")
        return self._state(node)

    def _state(self, node: Mapping[str, Any]) -> IssueState:
        try:
            return issue_state(node, hours_per_point=self._hours_per_point)
        except ValueError as error:
            raise TrackerRefused(f"Linear answered an unreadable issue: {error}") from None

    def _authorization(self) -> str:
        key = self._api_key
        if key.startswith("Bearer ") or not key.startswith("lin_oauth_"):
            return key  # a personal API key goes as is; "Bearer ..." given whole
        return f"Bearer {key}"

    def _call(self, operation: str, query: str, variables: Mapping[str, Any]) -> dict[str, Any]:
        where = f"Linear {operation}"
        try:
            response = requests.post(
                self._url,
                json={"operationName": operation, "query": query, "variables": variables},
                headers={"Authorization": self._authorization(), "User-Agent": "revops-bot"},
                timeout=self._timeout,
            )
        except requests.RequestException as error:
            raise _Unreached(f"{where}: {type(error).__name__}") from None
        return self._answer(where, response)

    def _answer(self, where: str, response: requests.Response) -> dict[str, Any]:
        status = response.status_code
        try:
            body = response.json()
        except ValueError:
            body = None
        errors = body.get("errors") if isinstance(body, dict) else None
        errors = [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []
        extensions = [e.get("extensions") for e in errors]
        codes = {str(x.get("code", "")).upper() for x in extensions if isinstance(x, dict)}
        kinds = {str(x.get("type", "")).lower() for x in extensions if isinstance(x, dict)}
        said = self._scrub(_first_message(errors))
        if status == 429 or "RATELIMITED" in codes or "ratelimited" in kinds:
            raise _Unreached(f"{where}: rate limited by Linear")
        if status in (401, 403) or codes & _REFUSE_CODES or kinds & _REFUSE_TYPES:
            raise _KeyRefused(
                f"{where}: HTTP {status}: {said or 'refused'} (check LINEAR_API_KEY and that "
                "its owner is a member of the team)"
            )
        if status >= 500:
            raise _Unreached(f"{where}: HTTP {status}")
        if codes & _RETRY_CODES or kinds & _RETRY_TYPES:
            raise TrackerUnavailable(f"{where}: {said or 'Linear failed'}, try again")
        if errors:
            if "not found" in said.lower() or "could not find" in said.lower():
                raise _NotFound(f"{where}: {said}")
            raise TrackerRefused(f"{where}: {said or 'refused'}")
        data = body.get("data") if isinstance(body, dict) else None
        if status >= 400:
            raise TrackerRefused(f"{where}: HTTP {status}")
        if not isinstance(data, dict):
            raise TrackerUnavailable(f"{where}: HTTP {status}, no GraphQL answer")
        return data

    def _scrub(self, text: str) -> str:
        return text.replace(self._api_key, "[LINEAR_API_KEY]")[:300]


def _first_message(errors: list[dict[str, Any]]) -> str:
    for error in errors:
        extensions = error.get("extensions")
        shown = extensions.get("userPresentableMessage") if isinstance(extensions, dict) else None
        for text in (error.get("message"), shown):
            if isinstance(text, str) and text:
                return text
    return ""


def _state_for(team: Any, status: IssueStatus) -> str | None:
    states = team.get("states") if isinstance(team, Mapping) else None
    nodes = states.get("nodes") if isinstance(states, Mapping) else None
    if not isinstance(nodes, list):
        return None
    for kind in STATE_TYPES_OF_STATUS[status]:
        fitting = [n for n in nodes if isinstance(n, Mapping) and n.get("type") == kind]
        if fitting:
            first = min(fitting, key=lambda n: _position(n.get("position")))
            return str(first.get("id"))
    return None


def _position(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
