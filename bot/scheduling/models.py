from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, utcnow


class Schedule(Base):
    """A recurring send: what (kind), about what (subject), to whom, on which local cadence.

    Domains own the meaning of `subject` (a user id for digests, a project id for check-ins,
    "workspace" for a workspace-wide report). The tick reads `next_run_at`, so a cadence edited
    in Slack takes effect at the next tick in every process.
    """

    __tablename__ = "schedules"
    __table_args__ = (
        UniqueConstraint("team_id", "kind", "subject"),
        Index("ix_schedules_due", "kind", "next_run_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("workspaces.team_id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(64))
    recipient: Mapped[str] = mapped_column(String(32))
    frequency: Mapped[str] = mapped_column(String(32))
    weekday: Mapped[int | None] = mapped_column(Integer, default=None)
    hour: Mapped[int] = mapped_column(Integer)
    minute: Mapped[int] = mapped_column(Integer, default=0)
    tz: Mapped[str] = mapped_column(String(64), default="UTC")
    # True when `tz` tracks the recipient's own Slack time zone (digests); False when an owner
    # chose a zone for a channel post.
    tz_follows_recipient: Mapped[bool] = mapped_column(Boolean, default=False)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    next_run_at: Mapped[datetime]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class DeliveryStatus(StrEnum):
    pending = "pending"  # due, not yet attempted
    sending = "sending"  # claimed by a worker; the Slack call may be under way
    retry = "retry"  # failed; tried again at next_attempt_at
    sent = "sent"
    failed = "failed"  # gave up after the kind's max attempts; shown to admins
    skipped = "skipped"  # missed beyond the grace window, or nothing to say


class Delivery(Base):
    """The ledger: one row per (workspace, kind, recipient, period), claimed before any send.

    Scheduled sends and the outbox share it. An outbox row is written in the transaction of the
    change that owes it: a one-off message carries what it says in `payload`; an object Slack
    shows (a card, a Home tab) is one row per object whose `version` moves with each change,
    rendered from the current state when it is sent (bot/outbox).
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("team_id", "kind", "recipient", "period"),
        Index("ix_deliveries_work", "kind", "status", "next_attempt_at"),
        Index("ix_deliveries_subject", "team_id", "kind", "subject"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("workspaces.team_id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(64))
    recipient: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.pending)
    due_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    claimed_by: Mapped[str | None] = mapped_column(String(64), default=None)
    # Wall-clock time of the claim or its last renewal: the claim lease counts from it.
    claimed_at: Mapped[datetime | None] = mapped_column(default=None)
    parts_sent: Mapped[int] = mapped_column(Integer, default=0)
    channel: Mapped[str | None] = mapped_column(String(32), default=None)
    ts: Mapped[str | None] = mapped_column(String(32), default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # What a one-off outbox message says (render parameters, JSON); None for scheduled sends.
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), default=None)
    # An object's state changes since the row was created; a send done for an older version
    # than the row's sends again (the latest state wins).
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The image a part shows (a report's chart), once uploaded: a retry shows this file
    # instead of uploading it again.
    uploaded_file_id: Mapped[str | None] = mapped_column(String(32), default=None)

    @property
    def key(self) -> str:
        """The ledger key as tagged on the Slack message (metadata) for crash recovery."""
        return f"{self.team_id}/{self.kind}/{self.recipient}/{self.period}"


class SendBudget(Base):
    """Slack's rate limits, shared by every process that sends (web workers, clocks): one row
    per workspace ("team") and per channel ("channel:C…"), holding the theoretical arrival
    time of the next send (GCRA, seconds since the epoch). A send reserves its slot with one
    UPDATE; two clocks together stay within what one is allowed (bot/scheduling/budget.py).
    Never a user id: a DM counts against the workspace's lane only."""

    __tablename__ = "send_budgets"

    team_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("workspaces.team_id", ondelete="CASCADE"), primary_key=True
    )
    lane: Mapped[str] = mapped_column(String(64), primary_key=True)
    tat: Mapped[float] = mapped_column(Float, default=0.0)
