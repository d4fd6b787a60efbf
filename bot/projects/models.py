"""SQLAlchemy models of the projects domain (every row carries the Slack team id).

A project is animated in one channel: check-ins on a cadence (a row in `schedules`), KPIs with a
baseline and a target, milestones with reminders, and a roll-out table of teams or countries.
Every change a person makes is kept in `project_events` (who, when, why).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
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


def _team_fk() -> Any:
    return mapped_column(String(32), ForeignKey("workspaces.team_id", ondelete="CASCADE"))


def _project_fk() -> Any:
    return mapped_column(Integer, ForeignKey("projects.id", ondelete="CASCADE"))


class ProjectStatus(StrEnum):
    active = "active"
    paused = "paused"
    abandoned = "abandoned"
    completed = "completed"  # handed off to local owners: no more check-ins


class Phase(StrEnum):
    framing = "framing"
    pilot = "pilot"
    tooling = "tooling"
    rollout = "rollout"
    follow_up = "follow_up"
    handed_off = "handed_off"


class Health(StrEnum):
    on_track = "on_track"
    at_risk = "at_risk"
    off_track = "off_track"


class Direction(StrEnum):
    up = "up"  # higher is better
    down = "down"  # lower is better


class RolloutStatus(StrEnum):
    not_started = "not_started"
    piloting = "piloting"
    live = "live"
    handed_off = "handed_off"


class CheckinStatus(StrEnum):
    pending = "pending"  # card posted, no update yet
    posted = "posted"  # the owner (or a member) posted the update
    missed = "missed"  # no update two days after the reminder
    cancelled = "cancelled"  # the project was paused or abandoned before an update


class StatusReason(StrEnum):
    reprioritisation = "reprioritisation"
    failure = "failure"
    not_mature = "not_mature"
    other = "other"


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = (
        UniqueConstraint("team_id", "name_key"),
        Index("ix_projects_team_status", "team_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = _team_fk()
    name: Mapped[str] = mapped_column(String(80))
    # Lower-cased name: `/revops-project NAME` and the KPI webhook find a project by it.
    name_key: Mapped[str] = mapped_column(String(80))
    objective: Mapped[str] = mapped_column(String(300))
    owner_id: Mapped[str] = mapped_column(String(32))
    usergroup_id: Mapped[str | None] = mapped_column(String(32), default=None)
    channel_id: Mapped[str] = mapped_column(String(32))
    # The owner's time zone when the project was saved: check-ins and reminders use it.
    tz: Mapped[str] = mapped_column(String(64), default="UTC")
    start_date: Mapped[date] = mapped_column(Date)
    target_end_date: Mapped[date] = mapped_column(Date)
    phase: Mapped[str] = mapped_column(String(16), default=Phase.framing)
    status: Mapped[str] = mapped_column(String(16), default=ProjectStatus.active)
    status_reason: Mapped[str | None] = mapped_column(String(32), default=None)
    status_note: Mapped[str | None] = mapped_column(Text, default=None)
    status_changed_at: Mapped[datetime | None] = mapped_column(default=None)
    # The latest update, copied here so that cards and the flash report need no extra query.
    health: Mapped[str | None] = mapped_column(String(16), default=None)
    progress_pct: Mapped[int | None] = mapped_column(Integer, default=None)
    blockers: Mapped[str | None] = mapped_column(Text, default=None)
    last_update_at: Mapped[datetime | None] = mapped_column(default=None)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProjectMember(Base):
    """Who takes part: named users, and a snapshot of the project's user group."""

    __tablename__ = "project_members"
    __table_args__ = (Index("ix_project_members_user", "team_id", "user_id"),)

    project_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    team_id: Mapped[str] = _team_fk()
    via_group: Mapped[bool] = mapped_column(Boolean, default=False)


class Kpi(Base):
    __tablename__ = "project_kpis"
    __table_args__ = (UniqueConstraint("project_id", "name_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = _team_fk()
    project_id: Mapped[int] = _project_fk()
    name: Mapped[str] = mapped_column(String(80))
    name_key: Mapped[str] = mapped_column(String(80))
    unit: Mapped[str] = mapped_column(String(20), default="")
    baseline: Mapped[float] = mapped_column(Float)
    target: Mapped[float] = mapped_column(Float)
    target_date: Mapped[date | None] = mapped_column(Date, default=None)
    direction: Mapped[str] = mapped_column(String(8), default=Direction.up)
    current_value: Mapped[float | None] = mapped_column(Float, default=None)
    current_at: Mapped[datetime | None] = mapped_column(default=None)
    # Values given at the latest check-in and at the one before: "change since the last
    # check-in" compares with them (kpi_values.value_before).
    checkin_value: Mapped[float | None] = mapped_column(Float, default=None)
    checkin_at: Mapped[datetime | None] = mapped_column(default=None)
    previous_checkin_value: Mapped[float | None] = mapped_column(Float, default=None)
    # When a value first reached the target (the gazette tells the team).
    target_reached_at: Mapped[datetime | None] = mapped_column(default=None)
    position: Mapped[int] = mapped_column(Integer, default=0)


class KpiValue(Base):
    """Every value a KPI was given, by a check-in or by a dashboard tool (the webhook)."""

    __tablename__ = "project_kpi_values"
    __table_args__ = (Index("ix_project_kpi_values_kpi", "kpi_id", "recorded_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = _team_fk()
    kpi_id: Mapped[int] = mapped_column(Integer, ForeignKey("project_kpis.id", ondelete="CASCADE"))
    value: Mapped[float] = mapped_column(Float)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    source: Mapped[str] = mapped_column(String(16))  # "checkin" or "webhook"
    recorded_by: Mapped[str | None] = mapped_column(String(32), default=None)


class Milestone(Base):
    __tablename__ = "project_milestones"
    __table_args__ = (
        # The milestone reminder tick reads open milestones by date, across workspaces.
        Index("ix_project_milestones_open", "reached_at", "due_date"),
        Index("ix_project_milestones_remind", "reached_at", "remind_on"),
        Index("ix_project_milestones_project", "project_id", "due_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = _team_fk()
    project_id: Mapped[int] = _project_fk()
    name: Mapped[str] = mapped_column(String(120))
    due_date: Mapped[date] = mapped_column(Date)
    is_decision: Mapped[bool] = mapped_column(Boolean, default=False)  # a GO/NO-GO
    remind_days_before: Mapped[int] = mapped_column(Integer, default=3)
    # due_date - remind_days_before: lets the tick read only milestones whose reminder is near.
    remind_on: Mapped[date] = mapped_column(Date)
    # Set once each reminder went out (the ledger stays the guard against a second send).
    before_reminded_at: Mapped[datetime | None] = mapped_column(default=None)
    day_reminded_at: Mapped[datetime | None] = mapped_column(default=None)
    reached_at: Mapped[datetime | None] = mapped_column(default=None)
    reached_by: Mapped[str | None] = mapped_column(String(32), default=None)


class RolloutLine(Base):
    """One team or country of the roll-out table."""

    __tablename__ = "project_rollout_lines"
    __table_args__ = (UniqueConstraint("project_id", "name_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = _team_fk()
    project_id: Mapped[int] = _project_fk()
    name: Mapped[str] = mapped_column(String(80))
    name_key: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(16), default=RolloutStatus.not_started)
    local_owner_id: Mapped[str | None] = mapped_column(String(32), default=None)
    live_at: Mapped[datetime | None] = mapped_column(default=None)  # first went live
    handed_off_at: Mapped[datetime | None] = mapped_column(default=None)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Checkin(Base):
    """One check-in: the card posted for a cadence period, then the update that answers it.

    `period` is the schedule's ledger period ("2026-W48"); an update posted outside any
    check-in (from the project card) has no period.
    """

    __tablename__ = "project_checkins"
    __table_args__ = (
        UniqueConstraint("project_id", "period"),
        UniqueConstraint("update_nonce"),
        Index("ix_project_checkins_open", "status", "remind_at"),
        Index("ix_project_checkins_project", "project_id", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = _team_fk()
    project_id: Mapped[int] = _project_fk()
    period: Mapped[str | None] = mapped_column(String(64), default=None)
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default=CheckinStatus.pending)
    channel_id: Mapped[str | None] = mapped_column(String(32), default=None)
    card_ts: Mapped[str | None] = mapped_column(String(32), default=None)
    # When the one reminder is due and when the check-in counts as missed, fixed when it opens
    # (followups.py): the tick then reads only the check-ins whose time has come.
    remind_at: Mapped[datetime | None] = mapped_column(default=None)
    miss_at: Mapped[datetime | None] = mapped_column(default=None)
    reminded_at: Mapped[datetime | None] = mapped_column(default=None)
    missed_at: Mapped[datetime | None] = mapped_column(default=None)
    # The update
    health: Mapped[str | None] = mapped_column(String(16), default=None)
    progress_pct: Mapped[int | None] = mapped_column(Integer, default=None)
    done_text: Mapped[str | None] = mapped_column(Text, default=None)
    blockers: Mapped[str | None] = mapped_column(Text, default=None)
    posted_by: Mapped[str | None] = mapped_column(String(32), default=None)
    posted_at: Mapped[datetime | None] = mapped_column(default=None)
    update_ts: Mapped[str | None] = mapped_column(String(32), default=None)
    # Set by the update modal when it opens: a submission that arrives twice is stored once.
    update_nonce: Mapped[str | None] = mapped_column(String(40), default=None)


class ProjectEvent(Base):
    """The project's history: every change, with who, when and why."""

    __tablename__ = "project_events"
    __table_args__ = (Index("ix_project_events_project", "project_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = _team_fk()
    project_id: Mapped[int] = _project_fk()
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[str | None] = mapped_column(String(32), default=None)  # None: the bot
    kind: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(String(32), default=None)
    note: Mapped[str | None] = mapped_column(Text, default=None)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class KpiPush(Base):
    """An accepted POST /webhooks/kpis, by Idempotency-Key: a replay gets this answer back."""

    __tablename__ = "project_kpi_pushes"
    __table_args__ = (UniqueConstraint("team_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = _team_fk()
    idempotency_key: Mapped[str] = mapped_column(String(200))
    body_sha256: Mapped[str] = mapped_column(String(64))
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
