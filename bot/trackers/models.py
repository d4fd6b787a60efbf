"""SQLAlchemy models of the trackers domain (every row carries the Slack team id).

No credential is stored: those stay in the environment (JIRA_*, LINEAR_*).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Float, ForeignKey, ForeignKeyConstraint, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base


class CreateOn(StrEnum):
    accept = "accept"  # the issue is created when the team accepts the request (default)
    button = "button"  # only when someone presses "Create issue" on the card


class TrackerConnection(Base):
    """The tracker a workspace's accepted requests go to, chosen by an admin in App Home, and
    where its poll stands: the `updated` time it has read up to, who polls now (a lease), and
    what went wrong last (shown to admins, told once until it works again)."""

    __tablename__ = "tracker_connections"

    team_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("workspaces.team_id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # "jira" | "linear" (bot/trackers/adapters.py)
    # Jira: the project key ("OPS") and issue type ("Task"); Linear: the team key ("OPS").
    project: Mapped[str] = mapped_column(String(64))
    issue_type: Mapped[str | None] = mapped_column(String(64), default=None)
    create_on: Mapped[str] = mapped_column(String(16), default=CreateOn.accept)
    connected_by: Mapped[str | None] = mapped_column(String(32), default=None)
    connected_at: Mapped[datetime] = mapped_column()
    read_up_to: Mapped[datetime] = mapped_column()
    polling_until: Mapped[datetime | None] = mapped_column(default=None)
    last_polled_at: Mapped[datetime | None] = mapped_column(default=None)
    problem: Mapped[str | None] = mapped_column(Text, default=None)
    problem_told_at: Mapped[datetime | None] = mapped_column(default=None)


class IssueLink(Base):
    """A request's issue in the tracker, and the issue's state as last seen there: a change
    seen again (a webhook redelivered, a poll overlapping) is recognised by `seen_updated_at`
    and `status`, so it moves the request once, and a move the bot made itself does not come
    back as news (no Slack → tracker → Slack ping-pong)."""

    __tablename__ = "tracker_issue_links"
    __table_args__ = (
        UniqueConstraint("team_id", "request_id"),
        UniqueConstraint("team_id", "kind", "issue_id"),
        ForeignKeyConstraint(
            ["request_id"], ["intake_requests.id"], ondelete="CASCADE", name="fk_issue_request"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("workspaces.team_id", ondelete="CASCADE")
    )
    request_id: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(String(16))
    issue_id: Mapped[str] = mapped_column(String(64))
    identifier: Mapped[str] = mapped_column(String(64))  # what people read: "OPS-12"
    url: Mapped[str] = mapped_column(String(500))
    # The issue's status as the bot last knew it (from the tracker, or as the bot set it).
    status: Mapped[str | None] = mapped_column(String(16), default=None)
    seen_updated_at: Mapped[datetime | None] = mapped_column(default=None)
    estimate_hours: Mapped[float | None] = mapped_column(Float, default=None)
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column()
