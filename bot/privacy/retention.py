"""Retention: what a workspace keeps, and for how long (rules; no Slack imports).

With `retention_months` set, closed requests (and their history), project check-ins and
finished ledger rows older than that are deleted. Open requests, projects, wins and the audit
trail are kept: they are not "old" while they are still part of the work or the record.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.db import rows_affected
from bot.intake.models import IntakeRequest
from bot.privacy.lifecycle import audit, privacy_settings
from bot.privacy.models import PrivacySettings
from bot.projects.models import Checkin
from bot.scheduling.models import Delivery, DeliveryStatus
from bot.workspaces.models import Workspace

FINISHED = [DeliveryStatus.sent, DeliveryStatus.skipped, DeliveryStatus.failed]


@dataclass(frozen=True)
class PurgeReport:
    closed_requests: int
    check_ins: int
    deliveries: int

    def total(self) -> int:
        return self.closed_requests + self.check_ins + self.deliveries


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (clamped to the month's end)."""
    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def workspaces_with_retention(*, session: Session) -> list[str]:
    return list(
        session.scalars(
            select(PrivacySettings.team_id)
            .join(Workspace, Workspace.team_id == PrivacySettings.team_id)
            .where(
                PrivacySettings.retention_months.is_not(None), Workspace.uninstalled_at.is_(None)
            )
        )
    )


def purge_expired(*, session: Session, team_id: str, now: datetime) -> PurgeReport:
    """Delete what is older than the workspace's retention; record what went in the audit."""
    months = privacy_settings(session=session, team_id=team_id).retention_months
    if months is None:
        return PurgeReport(0, 0, 0)
    cutoff = months_before(now, months)
    requests = rows_affected(
        session.execute(
            delete(IntakeRequest).where(
                IntakeRequest.team_id == team_id,
                IntakeRequest.closed_at.is_not(None),
                IntakeRequest.closed_at < cutoff,
            )
        )
    )
    check_ins = rows_affected(
        session.execute(delete(Checkin).where(Checkin.team_id == team_id, Checkin.due_at < cutoff))
    )
    deliveries = rows_affected(
        session.execute(
            delete(Delivery).where(
                Delivery.team_id == team_id,
                Delivery.status.in_(FINISHED),
                Delivery.created_at < cutoff,
            )
        )
    )
    report = PurgeReport(requests or 0, check_ins or 0, deliveries or 0)
    audit(
        session=session,
        team_id=team_id,
        action="retention purge",
        actor="retention",
        now=now,
        details={
            "older_than": cutoff.isoformat(),
            "closed_requests": report.closed_requests,
            "check_ins": report.check_ins,
            "deliveries": report.deliveries,
        },
    )
    return report
