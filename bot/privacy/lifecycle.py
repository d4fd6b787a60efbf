"""What happens when Slack says the app is gone from a workspace, or back (rules; no Slack
imports).

- `app_uninstalled` or a revoked bot token: every send stops at once (due sends are skipped;
  schedules are not planned while the workspace is uninstalled, and the runner refuses any send
  to it). The data stays for the grace period, then `purge_workspace` deletes it.
- The workspace is back when the bot has proof the app is installed: an OAuth install, the bot
  token working at start-up (token and Socket Mode), or a request Slack sent *after* the
  uninstall (an event that happened later, a command or click signed later). Slack may deliver
  an event late (a retry of something that happened before the uninstall): that is no proof.
  An `app_uninstalled` older than the last proof is late news too, and changes nothing.
- Schedules simply go on from their next slot; nothing missed meanwhile floods out (the
  runner's catch-up sends at most the latest missed occurrence within its grace window).
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from bot.db import insert_or_ignore, rows_affected
from bot.privacy.models import AuditEntry, PrivacySettings
from bot.privacy.pseudonyms import pseudonym
from bot.scheduling.models import Delivery, DeliveryStatus
from bot.slack import oauth_tables
from bot.workspaces.models import Member, Workspace
from bot.workspaces.service import ensure_workspace

REINSTALLED = "reinstalled"
_SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]+$")
_WORD = re.compile(r"[A-Za-z0-9]+")


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


def uninstalled_since(*, session: Session, team_id: str) -> datetime | None:
    workspace = session.get(Workspace, team_id)
    return workspace.uninstalled_at if workspace is not None else None


def mark_uninstalled(
    *,
    session: Session,
    team_id: str,
    now: datetime,
    reason: str,
    happened_at: datetime | None = None,
) -> int | None:
    """The app was uninstalled or its bot token revoked (at `happened_at`, Slack's event
    time): every send stops at once and the grace period starts.

    Returns the number of sends cancelled, or None when the news is older than the last proof
    that the workspace is back (a late delivery): then nothing changes.
    """
    happened = happened_at or now
    last_back = session.scalar(
        select(func.max(AuditEntry.at)).where(
            AuditEntry.team_id == team_id, AuditEntry.action == REINSTALLED
        )
    )
    if last_back is not None and happened < last_back:
        return None
    workspace = ensure_workspace(session=session, team_id=team_id)
    if workspace.uninstalled_at is None:
        workspace.uninstalled_at = happened
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
        details={"reason": reason, "sends_cancelled": cancelled},
    )
    return cancelled


def installed_again(
    *, session: Session, team_id: str, seen_at: datetime, now: datetime, evidence: str
) -> bool:
    """Proof that the app is installed, dated `seen_at` (when Slack says the event happened or
    signed the request, or now for a token that works): a proof later than the uninstall gives
    the workspace its sends back. Returns whether it did."""
    workspace = session.get(Workspace, team_id)
    if workspace is None or workspace.uninstalled_at is None:
        return False
    if seen_at <= workspace.uninstalled_at:
        return False  # news from before the uninstall, delivered late
    workspace.uninstalled_at = None
    audit(
        session=session,
        team_id=team_id,
        action=REINSTALLED,
        actor="slack",
        now=now,
        details={"evidence": evidence, "seen_at": seen_at.isoformat()},
    )
    return True


def mark_reinstalled(*, session: Session, team_id: str, now: datetime) -> None:
    """An OAuth install of a workspace that had uninstalled the app: its sends are back."""
    installed_again(session=session, team_id=team_id, seen_at=now, now=now, evidence="oauth")


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


def purge_workspace(*, session: Session, team_id: str, now: datetime, secret: str | None) -> int:
    """Delete everything the bot holds about a workspace (every table cascades from it, the
    OAuth rows are deleted with it). The audit trail stays, as proof of the purge, with every
    user id in it replaced by that user's pseudonym. Returns the audit rows pseudonymised."""
    entries = list(session.scalars(select(AuditEntry).where(AuditEntry.team_id == team_id)))
    users = set(session.scalars(select(Member.user_id).where(Member.team_id == team_id)))
    for entry in entries:
        users.update(
            value for value in (entry.actor, entry.subject) if value and _SLACK_USER_ID.match(value)
        )

    def alias(word: re.Match[str]) -> str:
        found = word.group()
        if found not in users:
            return found
        return pseudonym(team_id=team_id, user_id=found, secret=secret)

    changed = 0
    for entry in entries:
        actor = _WORD.sub(alias, entry.actor)
        subject = _WORD.sub(alias, entry.subject) if entry.subject else entry.subject
        details = json.loads(_WORD.sub(alias, json.dumps(entry.details, ensure_ascii=False)))
        if (actor, subject, details) != (entry.actor, entry.subject, entry.details):
            entry.actor, entry.subject, entry.details = actor, subject, details
            changed += 1
    session.execute(delete(Workspace).where(Workspace.team_id == team_id))
    for table in (oauth_tables.installations, oauth_tables.bots):
        session.execute(delete(table).where(table.c.team_id == team_id))
    audit(
        session=session,
        team_id=team_id,
        action="workspace purged",
        actor="retention",
        now=now,
        details={"audit_rows_pseudonymised": changed},
    )
    return changed
