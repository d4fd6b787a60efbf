"""Rules of the weekly personal digest.

- Every active human member of a workspace gets a weekly digest schedule at the workspace's
  digest weekday and hour, in the member's own Slack time zone (the schedule follows the zone
  when the member moves).
- Unsubscribing pauses the member's schedule at once; resubscribing resumes it from the next
  slot. A member who left (deleted in Slack) gets nothing.
- A digest covers the seven local days before the day it was due (its slot, not the moment a
  late or retried send goes out).
- It says what concerns the reader (their open requests, projects, wins), the team's wins, and
  one line on the team's week whenever the team's week had anything: wins, requests delivered or
  answered by a doc, milestones reached, teams or countries gone live, KPIs on target. A week
  with nothing for the reader and nothing in the team sends nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_, delete, select
from sqlalchemy.orm import Session

from bot.celebrations import service as celebrations
from bot.db import insert_or_ignore
from bot.digests.models import DigestOptOut, DigestSettings
from bot.intake import report as intake_report
from bot.projects import reports as project_reports
from bot.scheduling import service as scheduling
from bot.scheduling.cadence import Cadence, Frequency
from bot.scheduling.models import Schedule
from bot.workspaces.models import Member
from bot.workspaces.service import ensure_workspace

KIND = "weekly-digest"
MEMBER_SYNC_EVERY = timedelta(hours=24)
# Creating schedules is cheap but not free: a first sync of a big workspace spreads over ticks.
NEW_SCHEDULES_PER_TICK = 5000


@dataclass(frozen=True)
class Week:
    start: date
    end: date  # inclusive


def settings_of(*, session: Session, team_id: str) -> DigestSettings:
    """The workspace's digest settings, created with the defaults (Monday 09:00) on first use."""
    settings = session.get(DigestSettings, team_id)
    if settings is None:
        ensure_workspace(session=session, team_id=team_id)
        # Two first uses at once (two clocks, a click and a tick): one row, no error.
        insert_or_ignore(
            session,
            DigestSettings,
            [{"team_id": team_id, "weekday": 0, "hour": 9, "enabled": True}],
            ["team_id"],
        )
        settings = session.get(DigestSettings, team_id)
        assert settings is not None
    return settings


def cadence_for(settings: DigestSettings, tz: str) -> Cadence:
    return Cadence(Frequency.weekly, hour=settings.hour, weekday=settings.weekday, tz=tz)


def needs_member_sync(*, settings: DigestSettings, now: datetime) -> bool:
    """The member list is refreshed from Slack (paged users.list) at most once a day."""
    return (
        settings.members_synced_at is None or now - settings.members_synced_at >= MEMBER_SYNC_EVERY
    )


def schedule_new_members(*, session: Session, team_id: str, now: datetime) -> int:
    """Give each active member without a digest schedule (and not opted out) their schedule."""
    settings = settings_of(session=session, team_id=team_id)
    if not settings.enabled:
        return 0
    missing = session.scalars(
        select(Member)
        .outerjoin(
            Schedule,
            and_(
                Schedule.team_id == Member.team_id,
                Schedule.kind == KIND,
                Schedule.subject == Member.user_id,
            ),
        )
        .outerjoin(
            DigestOptOut,
            and_(DigestOptOut.team_id == Member.team_id, DigestOptOut.user_id == Member.user_id),
        )
        .where(
            Member.team_id == team_id,
            Member.deleted.is_(False),
            Member.is_bot.is_(False),
            Schedule.id.is_(None),
            DigestOptOut.user_id.is_(None),
        )
        .limit(NEW_SCHEDULES_PER_TICK)
    ).all()
    for member in missing:
        scheduling.save_schedule(
            session=session,
            team_id=team_id,
            kind=KIND,
            subject=member.user_id,
            recipient=member.user_id,
            cadence=cadence_for(settings, member.tz),
            now=now,
            tz_follows_recipient=True,
        )
    return len(missing)


def is_subscribed(*, session: Session, team_id: str, user_id: str) -> bool:
    return session.get(DigestOptOut, (team_id, user_id)) is None


def unsubscribe(*, session: Session, team_id: str, user_id: str, now: datetime) -> None:
    """Stop the member's digests at once, including one already planned this week."""
    if session.get(DigestOptOut, (team_id, user_id)) is None:
        ensure_workspace(session=session, team_id=team_id)
        session.add(DigestOptOut(team_id=team_id, user_id=user_id, unsubscribed_at=now))
    scheduling.pause_schedule(session=session, team_id=team_id, kind=KIND, subject=user_id)


def resubscribe(*, session: Session, team_id: str, user_id: str, now: datetime) -> None:
    """Digests start again from the next slot; nothing missed meanwhile is sent."""
    session.execute(
        delete(DigestOptOut).where(DigestOptOut.team_id == team_id, DigestOptOut.user_id == user_id)
    )
    scheduling.resume_schedule(
        session=session, team_id=team_id, kind=KIND, subject=user_id, now=now
    )


def change_cadence(
    *, session: Session, team_id: str, weekday: int, hour: int, now: datetime
) -> int:
    """A new digest day or hour applies to every member's schedule at once, each in their zone."""
    settings = settings_of(session=session, team_id=team_id)
    settings.weekday, settings.hour = weekday, hour
    schedules = session.scalars(
        select(Schedule).where(Schedule.team_id == team_id, Schedule.kind == KIND)
    ).all()
    for schedule in schedules:
        scheduling.save_schedule(
            session=session,
            team_id=team_id,
            kind=KIND,
            subject=schedule.subject,
            recipient=schedule.recipient,
            cadence=cadence_for(settings, schedule.tz),
            now=now,
            tz_follows_recipient=True,
        )
    return len(schedules)


def week_before(send_day: date) -> Week:
    """The seven local days a digest sent on `send_day` looks back on."""
    return Week(start=send_day - timedelta(days=7), end=send_day - timedelta(days=1))


def may_receive(member: Member | None, *, subscribed: bool) -> bool:
    """Only a present, human, subscribed member gets a digest."""
    return member is not None and not member.deleted and not member.is_bot and subscribed


# ---------------------------------------------------------------- the team's week


@dataclass(frozen=True)
class TeamWeek:
    """What the whole team did in a week, for the digest's one line on it."""

    wins: int = 0
    won: dict[str, Decimal] = field(default_factory=dict)  # per currency, never added up
    delivered: int = 0
    deflected: int = 0
    milestones: int = 0
    gone_live: int = 0
    targets: int = 0

    @property
    def is_empty(self) -> bool:
        return not (
            self.wins
            or self.delivered
            or self.deflected
            or self.milestones
            or self.gone_live
            or self.targets
        )


def team_week(*, session: Session, team_id: str, start: datetime, end: datetime) -> TeamWeek:
    """The team's week in [start, end), counted as the gazette counts it: wins (totals per
    currency), the run's requests delivered and answered by a doc, projects' milestones
    reached, teams or countries gone live and KPIs that reached their target."""
    wins = celebrations.wins_between(session=session, team_id=team_id, start=start, end=end)
    run = intake_report.run_report(session=session, team_id=team_id, start=start, end=end)
    moves = project_reports.gazette_moves(session=session, team_id=team_id, start=start, end=end)
    return TeamWeek(
        wins=len(wins),
        won=celebrations.totals_per_currency(wins),
        delivered=run.delivered,
        deflected=run.deflected_by_doc,
        milestones=sum(len(move.milestones) for move in moves),
        gone_live=sum(len(move.gone_live) for move in moves),
        targets=sum(len(move.targets_reached) for move in moves),
    )
