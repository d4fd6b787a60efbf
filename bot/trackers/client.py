"""What the bot asks of a work tracker (Jira, Linear), whatever the tracker.

An adapter (`jira.py`, `linear.py`) turns these calls into the tracker's own API and its
answers into these types. Adapters hold no database session and never log or raise a
credential; the domain's flows decide what a change owes and when to call them.

Status is reduced to what a request can follow: to do, in progress, done, won't do. Each
adapter says how its tracker's states map (Jira's status categories and resolution, Linear's
workflow state types).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class IssueStatus(StrEnum):
    to_do = "to_do"
    in_progress = "in_progress"
    done = "done"
    wont_do = "wont_do"


@dataclass(frozen=True)
class NewIssue:
    """An accepted request as the tracker will show it."""

    title: str
    description: str  # plain text: need, impact, beneficiary, requester, link to the card
    request_ref: str  # "REQ-12": shown in the issue, and how a person finds the card again
    card_url: str | None
    estimate_hours: float | None
    # The same key for every try at creating this request's issue: an adapter uses it so a
    # retry after a lost answer finds the issue the first try made instead of making another
    # (Linear: a client-chosen issue id; Jira: a label searched before creating).
    idempotency_key: str


@dataclass(frozen=True)
class IssueRef:
    issue_id: str  # the tracker's stable id (Jira's numeric id, Linear's UUID)
    key: str  # what people read: "OPS-12"
    url: str


@dataclass(frozen=True)
class IssueState:
    """An issue as the tracker has it now (from a read, a poll or a webhook)."""

    ref: IssueRef
    status: IssueStatus | None  # None: a state the mapping does not know; the request stays
    estimate_hours: float | None
    updated_at: datetime  # aware UTC; orders changes seen twice or out of order
    deleted: bool = False


class TrackerError(Exception):
    """Base of what an adapter raises; the text never holds a credential."""


class TrackerUnavailable(TrackerError):
    """Timeout, connection refused, 5xx, 429: the outbox tries again later."""


class TrackerRefused(TrackerError):
    """401/403/400 and the like: configuration an admin must fix; trying again will not help."""


class IssueGone(TrackerError):
    """The issue was deleted (404): the request says so; nothing crashes."""


class TrackerClient(Protocol):
    kind: str  # "jira" | "linear"

    def check_connection(self) -> list[str]:
        """Whether the connected project (Jira) or team (Linear) exists and the credentials
        may use it, asked when an admin saves the connection in App Home. Returns the issue
        type names it offers (Jira; [] where the tracker has none). Raises IssueGone for an
        unknown project or team, TrackerRefused for credentials it refuses."""
        ...

    def create_issue(self, issue: NewIssue) -> IssueRef:
        """Create the issue, or return the one an earlier try with the same idempotency key
        made."""
        ...

    def get_issue(self, issue_id: str) -> IssueState:
        """Raises IssueGone when the tracker no longer has it."""
        ...

    def move_issue(self, issue_id: str, status: IssueStatus) -> None:
        """Move the issue to a state of that kind; nothing when it is in one already."""
        ...

    def changed_since(self, since: datetime) -> list[IssueState]:
        """Issues of the connected project/team updated at or after `since`, oldest first, all
        pages read (for trackers that cannot reach the bot by webhook)."""
        ...
