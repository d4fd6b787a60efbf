from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, TeamScoped, utcnow


class Workspace(Base):
    """A Slack team that uses the bot. Domain settings live in each domain's own table."""

    __tablename__ = "workspaces"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    installed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Used when a member's own Slack locale is unknown (e.g. a channel post).
    default_locale: Mapped[str] = mapped_column(String(16), default="en-US")
    # ISO dates on which nobody works: skipped by ETAs, nudges and "first working day" cadences.
    holidays: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The team's country (ISO 3166-1 alpha-2): its public holidays are skipped too, except the
    # ISO dates in `worked_holidays` (public holidays the team works anyway).
    holiday_country: Mapped[str | None] = mapped_column(String(2), default=None)
    # Its region with public holidays of its own (a US state, a German Land), as the
    # `holidays` library codes it; None: the country's national holidays only.
    holiday_subdivision: Mapped[str | None] = mapped_column(String(16), default=None)
    worked_holidays: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Set when Slack says the app was uninstalled or its tokens revoked: nothing is sent any more,
    # and the data is purged after the grace period (privacy settings).
    uninstalled_at: Mapped[datetime | None] = mapped_column(default=None)


class Member(TeamScoped, Base):
    """What the bot caches of a Slack user: enough to speak their language at their hour."""

    __tablename__ = "members"

    team_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("workspaces.team_id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    tz: Mapped[str] = mapped_column(String(64), default="UTC")
    locale: Mapped[str | None] = mapped_column(String(16), default=None)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_owner: Mapped[bool] = mapped_column(Boolean, default=False)
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    # In the workspace's admin user group (privacy settings): admin powers besides Slack's flags.
    in_admin_group: Mapped[bool] = mapped_column(Boolean, default=False)
    refreshed_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookToken(TeamScoped, Base):
    """The bearer token a CRM or dashboard tool uses on /webhooks/wins and /webhooks/kpis.

    Only a SHA-256 of the token is stored; the admin sees the token once, when it is issued.
    """

    __tablename__ = "webhook_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("workspaces.team_id", ondelete="CASCADE"), index=True
    )
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
