"""SQLAlchemy models of the intake domain (every row carries the Slack team id).

The vocabulary (statuses, impact classes, who benefits, categories) lives here as StrEnums so
that service, views and tests share one spelling; the rules about them live in service.py and
priority.py.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, utcnow


class Status(StrEnum):
    new = "new"
    waiting = "waiting_on_requester"
    accepted = "accepted"
    in_progress = "in_progress"
    done = "done"
    answered_doc = "answered_with_doc"
    self_service = "self_service"
    declined = "declined"
    withdrawn = "withdrawn"
    merged = "merged"  # into the request it duplicated (merged_into_id)


class Impact(StrEnum):
    blocks_deal = "blocks_deal"
    stops_team = "stops_team"
    slows_team = "slows_team"
    nice_to_have = "nice_to_have"


class Beneficiary(StrEnum):
    me = "me"
    my_team = "my_team"
    leadership = "leadership"
    customers = "customers"


class Category(StrEnum):
    crm = "crm"
    report = "report"
    data_pull = "data_pull"
    tool_access = "tool_access"
    process = "process"
    other = "other"


class WhoMayFile(StrEnum):
    everyone = "everyone"
    usergroups = "usergroups"


class IntakeSettings(Base):
    """One row per workspace: where requests go, who files, who triages, the run capacity."""

    __tablename__ = "intake_settings"

    team_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("workspaces.team_id", ondelete="CASCADE"), primary_key=True
    )
    intake_channel_id: Mapped[str | None] = mapped_column(String(32), default=None)
    revops_usergroup_id: Mapped[str | None] = mapped_column(String(32), default=None)
    # Who was in the RevOps group when last looked up: the Home tab renders without Slack calls.
    revops_member_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    who_may_file: Mapped[str] = mapped_column(String(16), default=WhoMayFile.everyone)
    filer_usergroup_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    team_lead_id: Mapped[str | None] = mapped_column(String(32), default=None)
    run_capacity_hours: Mapped[int] = mapped_column(Integer, default=20)
    first_response_sla_days: Mapped[int] = mapped_column(Integer, default=1)
    ask_why_reminder_days: Mapped[int] = mapped_column(Integer, default=3)
    ask_why_close_days: Mapped[int] = mapped_column(Integer, default=10)
    # The zone of the team's scheduled channel posts (nudges, report), chosen by an admin;
    # None until the settings are first saved (read as UTC).
    tz: Mapped[str | None] = mapped_column(String(64), default=None)
    # The next human reference (REQ-<n>), taken under a row lock so two filers never share one.
    next_number: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Rollout(Base):
    """A tool roll-out the team declared: its requests get a priority boost to protect adoption."""

    __tablename__ = "intake_rollouts"
    __table_args__ = (UniqueConstraint("team_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("workspaces.team_id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IntakeRequest(Base):
    """A run request, from filing to its outcome. `number` is the human reference (REQ-42)."""

    __tablename__ = "intake_requests"
    __table_args__ = (
        UniqueConstraint("team_id", "number"),
        # A modal submitted twice (double click, Slack retry) files once.
        UniqueConstraint("team_id", "filed_from_view"),
        Index("ix_intake_requests_queue", "team_id", "status"),
        Index("ix_intake_requests_requester", "team_id", "requester_id", "created_at"),
        Index("ix_intake_requests_card", "team_id", "card_ts"),
        # The run report's windows (requests in, first responses).
        Index("ix_intake_requests_created", "team_id", "created_at"),
        Index("ix_intake_requests_first_response", "team_id", "first_response_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("workspaces.team_id", ondelete="CASCADE")
    )
    number: Mapped[int] = mapped_column(Integer)
    filed_from_view: Mapped[str | None] = mapped_column(String(64), default=None)
    requester_id: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    need: Mapped[str] = mapped_column(Text)
    impact: Mapped[str] = mapped_column(String(32))
    beneficiary: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(32))
    wished_date: Mapped[date | None] = mapped_column(Date, default=None)
    rollout_id: Mapped[int | None] = mapped_column(
        ForeignKey("intake_rollouts.id", ondelete="SET NULL"), default=None
    )
    link: Mapped[str | None] = mapped_column(Text, default=None)
    # Ordering the queue in SQL: priority.base_score at filing, and priority.weekday_index of
    # the filing day (UTC). Impact and who benefits never change after filing.
    base_score: Mapped[float] = mapped_column(Float, default=0.0)
    filed_weekday_index: Mapped[int] = mapped_column(Integer, default=0)
    source_permalink: Mapped[str | None] = mapped_column(Text, default=None)
    status: Mapped[str] = mapped_column(String(32), default=Status.new)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Last transition: "untouched for a week" is measured from here.
    touched_at: Mapped[datetime] = mapped_column(default=utcnow)
    first_response_at: Mapped[datetime | None] = mapped_column(default=None)
    waiting_since: Mapped[datetime | None] = mapped_column(default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    estimate_hours: Mapped[float | None] = mapped_column(Float, default=None)
    assignee_id: Mapped[str | None] = mapped_column(String(32), default=None)
    card_channel_id: Mapped[str | None] = mapped_column(String(32), default=None)
    card_ts: Mapped[str | None] = mapped_column(String(32), default=None)
    # The ETA the requester was last told; a DM goes out only when it moves materially.
    eta_told: Mapped[date | None] = mapped_column(Date, default=None)
    solved: Mapped[bool | None] = mapped_column(Boolean, default=None)
    # The team lead heard of it being untouched; a later move starts a new quiet spell.
    escalated_at: Mapped[datetime | None] = mapped_column(default=None)
    # "Me too": distinct people who follow it besides its requester (RequestWatcher rows),
    # counted into base_score (service.benefit_factor).
    watcher_count: Mapped[int] = mapped_column(Integer, default=0)
    # An open request that looked like this one when it was filed: the card offers a merge.
    # Plain ids (migration i006 says why): read through find_request, a purged one is gone.
    duplicate_of_id: Mapped[int | None] = mapped_column(Integer, default=None)
    # Merged into another request (status merged): its requester follows that one.
    merged_into_id: Mapped[int | None] = mapped_column(Integer, default=None)
    # Unit float32 vector of title + need (bot.semantic), when semantic matching is on.
    semantic_vector: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, default=None)


class WatchVia(StrEnum):
    follow = "follow"  # chose to follow it instead of filing a duplicate
    merge = "merge"  # their own request was merged into it


class RequestWatcher(Base):
    """Someone who follows a request they did not file: they hear its news as its requester
    does, and see it in their App Home. One row per person and request."""

    __tablename__ = "intake_watchers"
    __table_args__ = (
        UniqueConstraint("team_id", "request_id", "user_id"),
        Index("ix_intake_watchers_user", "team_id", "user_id"),
        Index("ix_intake_watchers_created", "team_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("workspaces.team_id", ondelete="CASCADE")
    )
    request_id: Mapped[int] = mapped_column(ForeignKey("intake_requests.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    via: Mapped[str] = mapped_column(String(16), default=WatchVia.follow)
    # The request of theirs that was merged (via merge).
    merged_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("intake_requests.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RequestEvent(Base):
    """Every transition: who, when, from, to, and the note that went with it; also the
    requester's "yes, solved" (from done to done), which moves nothing."""

    __tablename__ = "intake_request_events"
    __table_args__ = (Index("ix_intake_request_events_team_time", "team_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("workspaces.team_id", ondelete="CASCADE")
    )
    request_id: Mapped[int] = mapped_column(
        ForeignKey("intake_requests.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[str | None] = mapped_column(String(32), default=None)  # None: the bot
    from_status: Mapped[str | None] = mapped_column(String(32), default=None)
    to_status: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text, default=None)
    # What the move set besides the status: the estimate and assignee on acceptance (or the
    # assignee when work starts), the requester's answer to "did this solve it?".
    estimate_hours: Mapped[float | None] = mapped_column(Float, default=None)
    assignee_id: Mapped[str | None] = mapped_column(String(32), default=None)
    solved: Mapped[bool | None] = mapped_column(Boolean, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class KnowledgeDoc(Base):
    """A document the team answered with once: offered again before the next similar filing."""

    __tablename__ = "intake_docs"
    __table_args__ = (UniqueConstraint("team_id", "url_sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("workspaces.team_id", ondelete="CASCADE")
    )
    url: Mapped[str] = mapped_column(Text)
    url_sha256: Mapped[str] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(Text)
    # Normalised keywords (space separated) of the summary and of the requests it answered.
    keywords: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    times_used: Mapped[int] = mapped_column(Integer, default=1)
    # Unit float32 vector of summary + keywords (bot.semantic), when semantic matching is on.
    semantic_vector: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, default=None)


class Deflection(Base):
    """A would-be request withdrawn before filing because a known doc answered it."""

    __tablename__ = "intake_deflections"
    __table_args__ = (UniqueConstraint("team_id", "view_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("workspaces.team_id", ondelete="CASCADE")
    )
    user_id: Mapped[str] = mapped_column(String(32))
    doc_id: Mapped[int | None] = mapped_column(
        ForeignKey("intake_docs.id", ondelete="SET NULL"), default=None
    )
    view_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class QueuePage(Base):
    """Which page of the queue a RevOps member is looking at in their Home tab."""

    __tablename__ = "intake_queue_pages"

    team_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("workspaces.team_id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    page: Mapped[int] = mapped_column(Integer, default=0)
