"""SQLAlchemy models of the celebrations domain (every row carries the Slack team id)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db.base import Base, utcnow


class WinKind(StrEnum):
    deal_signed = "deal_signed"
    expansion = "expansion"
    project_first_result = "project_first_result"
    customer_saved = "customer_saved"
    support_case = "support_case"
    other = "other"


class WinSource(StrEnum):
    slack = "slack"  # /revops-win, or another domain's "Celebrate it"
    hubspot = "hubspot"  # a deal moved to a won stage
    webhook = "webhook"  # POST /webhooks/wins
    salesforce = "salesforce"  # an opportunity closed-won, polled from Salesforce


class PostState(StrEnum):
    preparing = "preparing"  # details still to fetch: the HubSpot deal, winners' e-mails
    ready = "ready"  # complete; waits for the next post tick (and a celebration channel)
    queued = "queued"  # entered in the delivery ledger, which posts it exactly once
    posted = "posted"
    failed = "failed"  # preparation gave up (e.g. the deal no longer exists in HubSpot)


class DecimalText(TypeDecorator[Decimal]):
    """An exact decimal stored as text: SQLite has no decimal type (floats would round money)."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        return None if value is None else format(value, "f")

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        try:
            return Decimal(value)
        except InvalidOperation:
            return None


class CelebrationSettings(Base):
    """A workspace's celebration settings; defaults apply until an admin saves them."""

    __tablename__ = "celebration_settings"

    team_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("workspaces.team_id", ondelete="CASCADE"), primary_key=True
    )
    channel_id: Mapped[str | None] = mapped_column(String(32), default=None)
    gazette_weekday: Mapped[int] = mapped_column(Integer, default=4)  # Friday
    gazette_hour: Mapped[int] = mapped_column(Integer, default=16)
    gazette_tz: Mapped[str] = mapped_column(String(64), default="UTC")
    top_performers: Mapped[bool] = mapped_column(Boolean, default=True)
    # HubSpot pipeline stage ids that count as won (internal ids, e.g. "closedwon").
    won_stages: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Salesforce opportunity stage names that count as won; empty: the opportunity's IsWon.
    salesforce_won_stages: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The HubSpot account (portal) whose webhooks belong to this workspace.
    hubspot_portal_id: Mapped[str | None] = mapped_column(String(32), default=None, unique=True)
    # Amounts in several currencies are summed only in this currency, with these rates
    # ({"USD": "0.92"}: one USD is worth 0.92 of the base currency).
    base_currency: Mapped[str | None] = mapped_column(String(3), default=None)
    exchange_rates: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # Why the bot cannot post in the channel ("not_in_channel", ...), and for which channel the
    # admins were already told by DM (once per channel).
    channel_problem: Mapped[str | None] = mapped_column(String(64), default=None)
    channel_warned_for: Mapped[str | None] = mapped_column(String(32), default=None)
    updated_by: Mapped[str | None] = mapped_column(String(32), default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Win(Base):
    """One celebrated win. `source_ref` makes it unique: a deal, an external id, a modal."""

    __tablename__ = "wins"
    __table_args__ = (
        UniqueConstraint("team_id", "source_ref"),
        Index("ix_wins_team_created", "team_id", "created_at"),
        Index("ix_wins_post_state", "post_state"),
        # Reactions arrive as (channel, ts): find the win post they are on.
        Index("ix_wins_team_post", "team_id", "channel_id", "ts"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("workspaces.team_id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal | None] = mapped_column(DecimalText(), default=None)
    currency: Mapped[str | None] = mapped_column(String(3), default=None)
    message: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(16))
    source_ref: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str | None] = mapped_column(String(32), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    post_state: Mapped[str] = mapped_column(String(16), default=PostState.ready)
    prepare_attempts: Mapped[int] = mapped_column(Integer, default=0)
    prepare_after: Mapped[datetime | None] = mapped_column(default=None)
    problem: Mapped[str | None] = mapped_column(Text, default=None)
    hubspot_portal_id: Mapped[str | None] = mapped_column(String(32), default=None)
    hubspot_deal_id: Mapped[str | None] = mapped_column(String(32), default=None)
    channel_id: Mapped[str | None] = mapped_column(String(32), default=None)
    ts: Mapped[str | None] = mapped_column(String(32), default=None)
    posted_at: Mapped[datetime | None] = mapped_column(default=None)

    winners: Mapped[list[WinWinner]] = relationship(
        back_populates="win",
        order_by="WinWinner.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )


class WinWinner(Base):
    """Who won: a Slack user, or a name as text when their e-mail matched nobody in Slack."""

    __tablename__ = "win_winners"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("workspaces.team_id", ondelete="CASCADE"), index=True
    )
    win_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("wins.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    user_id: Mapped[str | None] = mapped_column(String(32), default=None)
    email: Mapped[str | None] = mapped_column(String(254), default=None)
    name: Mapped[str] = mapped_column(String(200), default="")

    win: Mapped[Win] = relationship(back_populates="winners")


class WinReaction(Base):
    """A reaction on a win's post in the celebration channel (the month's best cases)."""

    __tablename__ = "win_reactions"

    team_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("workspaces.team_id", ondelete="CASCADE"), primary_key=True
    )
    win_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("wins.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    # Slack may hand an add and its removal to two listener threads at once: the row keeps
    # the latest event's time, and an older event arriving late changes nothing.
    present: Mapped[bool] = mapped_column(Boolean, default=True)
    event_ts: Mapped[str] = mapped_column(String(32), default="")


class EmailLookup(Base):
    """users.lookupByEmail answers, cached: a HubSpot owner's e-mail → Slack user (or nobody)."""

    __tablename__ = "celebration_email_users"

    team_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("workspaces.team_id", ondelete="CASCADE"), primary_key=True
    )
    email: Mapped[str] = mapped_column(String(254), primary_key=True)
    user_id: Mapped[str | None] = mapped_column(String(32), default=None)
    looked_up_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Admins are told once that this e-mail matches nobody in Slack.
    admins_told_at: Mapped[datetime | None] = mapped_column(default=None)


class SalesforceSync(Base):
    """Where the Salesforce poll of a workspace stands: the SystemModstamp it has read up to
    (wins before it are stored), who polls now (a lease, so two clocks do not both query), and
    what went wrong last (shown to admins, told once until it works again), and since when it
    has not answered. No credentials:
    those live in the environment only."""

    __tablename__ = "salesforce_sync"

    team_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("workspaces.team_id", ondelete="CASCADE"), primary_key=True
    )
    read_up_to: Mapped[datetime] = mapped_column()
    polling_until: Mapped[datetime | None] = mapped_column(default=None)
    # The org's currency when it is not multi-currency (no CurrencyIsoCode field).
    org_currency: Mapped[str | None] = mapped_column(String(3), default=None)
    last_polled_at: Mapped[datetime | None] = mapped_column(default=None)
    problem: Mapped[str | None] = mapped_column(Text, default=None)
    problem_told_at: Mapped[datetime | None] = mapped_column(default=None)
    # An outage (timeouts, 5xx): since when no poll has finished, and when an admin was told
    # that it lasts (once; told again when a poll finishes).
    unanswered_since: Mapped[datetime | None] = mapped_column(default=None)
    outage_told_at: Mapped[datetime | None] = mapped_column(default=None)
