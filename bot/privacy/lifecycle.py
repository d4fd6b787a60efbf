"""What happens when Slack says the app is gone from a workspace (rules; no Slack imports)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from bot.db import insert_or_ignore, rows_affected
from bot.privacy.models import AuditEntry, PrivacySettings
from bot.scheduling.models import Delivery, DeliveryStatus, Schedule
from bot.workspaces.models import Workspace
from bot.workspaces.service import ensure_workspace


def privacy_settings(*, session: Session, team_id: str) -> PrivacySettings:
    settings = session.get(PrivacySettings, team_id)
    if settings is None:
        ensure_workspace(session=session, team_id=team_id)
        # Two first uses at once: one row, no error.
        insert_or_ignore(
            session,
            PrivacySettings,
            [{"team_id": team_id, "uninstall_grace_days": 30}],
            ["team_id"],
        )
        settings = session.get(PrivacySettings, team_id)
        assert settings is not None
    return settings


def audit(
    *,
    session: Session,
    team_id: str,
    action: str,
    actor: str,
    now: datetime,
    subject: str | None = None,
    details: dict[str, object] | None = None,
) -> None:
    """Record an admin or privacy action in the audit trail."""
    session.add(
        AuditEntry(
            team_id=team_id,
            action=action,
            actor=actor,
            subject=subject,
            details=details or {},
            at=now,
        )
    )


def mark_uninstalled(*, session: Session, team_id: str, now: datetime, reason: str) -> int:
    """The app was uninstalled or its bot token revoked: every send stops at once.

    Schedules are paused and due sends skipped; the data stays for the grace period so that a
    reinstall finds it. Returns the number of sends cancelled.
    """
    workspace = ensure_workspace(session=session, team_id=team_id)
    if workspace.uninstalled_at is None:
        workspace.uninstalled_at = now
    session.execute(update(Schedule).where(Schedule.team_id == team_id).values(paused=True))
    cancelled = rows_affected(
        session.execute(
            update(Delivery)
            .where(
                Delivery.team_id == team_id,
                Delivery.status.in_([DeliveryStatus.pending, DeliveryStatus.retry]),
            )
            .values(status=DeliveryStatus.skipped, error=reason, finished_at=now)
        )
    )
    audit(
        session=session,
        team_id=team_id,
        action="uninstalled",
        actor="slack",
        now=now,
        details={"reason": reason, "sends_cancelled": cancelled or 0},
    )
    return cancelled or 0


def mark_reinstalled(*, session: Session, team_id: str, now: datetime) -> None:
    """A workspace that installs the app again gets its sends back (schedules resume later,
    from their next slot, when each domain saves them again)."""
    workspace = session.get(Workspace, team_id)
    if workspace is not None and workspace.uninstalled_at is not None:
        workspace.uninstalled_at = None
        audit(session=session, team_id=team_id, action="reinstalled", actor="slack", now=now)


def workspaces_to_purge(*, session: Session, now: datetime) -> list[str]:
    """Uninstalled workspaces whose grace period is over."""
    rows = session.execute(
        select(Workspace.team_id, Workspace.uninstalled_at, PrivacySettings.uninstall_grace_days)
        .outerjoin(PrivacySettings, PrivacySettings.team_id == Workspace.team_id)
        .where(Workspace.uninstalled_at.is_not(None))
    ).all()
    return [
        team_id
        for team_id, uninstalled_at, grace_days in rows
        if uninstalled_at is not None
        and now - uninstalled_at >= timedelta(days=grace_days if grace_days is not None else 30)
    ]


def purge_workspace(*, session: Session, team_id: str, now: datetime) -> None:
    """Delete everything the bot holds about a workspace (every table cascades from it)."""
    session.execute(delete(Workspace).where(Workspace.team_id == team_id))
    audit(session=session, team_id=team_id, action="workspace purged", actor="retention", now=now)
