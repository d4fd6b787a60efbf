"""Privacy settings per workspace, and the audit trail of admin and privacy actions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, TeamScoped, utcnow


class PrivacySettings(TeamScoped, Base):
    __tablename__ = "privacy_settings"

    team_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("workspaces.team_id", ondelete="CASCADE"), primary_key=True
    )
    # Closed requests, check-ins and old deliveries older than this are purged; None keeps all.
    retention_months: Mapped[int | None] = mapped_column(Integer, default=None)
    # After an uninstall the data is kept this long (a reinstall finds it), then purged.
    uninstall_grace_days: Mapped[int] = mapped_column(Integer, default=30)
    # Members of this Slack user group hold admin powers besides Slack's admins and owners.
    admin_usergroup_id: Mapped[str | None] = mapped_column(String(32), default=None)


class AuditEntry(TeamScoped, Base):
    """Who did what, when: admin actions, exports, erasures, purges.

    No foreign key to workspaces on purpose: the trail outlives a purged workspace.
    """

    __tablename__ = "privacy_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    action: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(64))  # a user id, "cli" or "slack"
    subject: Mapped[str | None] = mapped_column(String(64), default=None)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class ErasedMember(TeamScoped, Base):
    """Someone whose data was erased, by pseudonym only: the member sync and Slack's profile
    events do not bring them back, and their digest opt-out (kept under the pseudonym) holds
    if they use the bot again."""

    __tablename__ = "privacy_erased_members"

    team_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("workspaces.team_id", ondelete="CASCADE"), primary_key=True
    )
    pseudonym: Mapped[str] = mapped_column(String(16), primary_key=True)
    erased_at: Mapped[datetime] = mapped_column(default=utcnow)
