"""Weekly digest settings per workspace, and who opted out."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, TeamScoped, utcnow


class DigestSettings(TeamScoped, Base):
    """When the workspace's digests go out: a weekday and an hour in each recipient's own zone."""

    __tablename__ = "digest_settings"

    team_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("workspaces.team_id", ondelete="CASCADE"), primary_key=True
    )
    weekday: Mapped[int] = mapped_column(Integer, default=0)  # Monday
    hour: Mapped[int] = mapped_column(Integer, default=9)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    members_synced_at: Mapped[datetime | None] = mapped_column(default=None)


class DigestOptOut(TeamScoped, Base):
    """A member who pressed Unsubscribe; honoured until they resubscribe."""

    __tablename__ = "digest_opt_outs"

    team_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("workspaces.team_id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    unsubscribed_at: Mapped[datetime] = mapped_column(default=utcnow)
