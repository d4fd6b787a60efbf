"""Rules of check-ins: the card of each cadence period, the update that answers it (status,
progress, KPI values, phase; roll-out changes by rollout.py), and milestones reached.

A rules module of the projects domain (see service.py for the map). No Slack here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.errors import N_
from bot.projects.followups import checkin_deadlines, close_as_missed
from bot.projects.kpi_values import KpiReading, reading_of, record_kpi_value
from bot.projects.models import (
    Checkin,
    CheckinStatus,
    Kpi,
    Milestone,
    Phase,
    Project,
    ProjectStatus,
    RolloutLine,
)
from bot.projects.rollout import apply_rollout, rollout_lines_of
from bot.projects.service import (
    CHECKIN_KIND,
    ProjectRefused,
    cancel_open_checkins,
    checkin_subject,
    ensure_active,
    ensure_may_post_update,
    get_project,
    record_event,
)
from bot.projects.validation import UpdateDraft, parse_number, progress_percent
from bot.scheduling import service as scheduling
from bot.scheduling.cadence import next_occurrence

# ---------------------------------------------------------------- the check-in card


def open_checkin(
    *, session: Session, team_id: str, project_id: int, period: str, due_at: datetime, now: datetime
) -> tuple[Project, Checkin] | None:
    """The check-in of one cadence period, created once (a retried send finds the same row).

    None when there is nothing to ask: the project is not active any more, or the period was
    already answered or cancelled. A check-in still open when the next one opens is closed as
    missed (followups.py: one open check-in per project).
    """
    project = session.scalar(
        select(Project).where(Project.team_id == team_id, Project.id == project_id)
    )
    if project is None or project.status != ProjectStatus.active:
        return None
    checkin = session.scalar(
        select(Checkin).where(Checkin.project_id == project_id, Checkin.period == period)
    )
    if checkin is None:
        holidays = scheduling.holidays_of(session=session, team_id=team_id)
        deadlines = checkin_deadlines(
            due_at=due_at,
            next_due_at=_next_checkin_after(session, project, due_at, holidays),
            tz=project.tz,
            holidays=holidays,
        )
        checkin = Checkin(
            team_id=team_id,
            project_id=project_id,
            period=period,
            due_at=due_at,
            status=CheckinStatus.pending,
            channel_id=project.channel_id,
            remind_at=deadlines.remind_at,
            miss_at=deadlines.miss_at,
        )
        session.add(checkin)
        session.flush()
        superseded = session.scalars(
            select(Checkin).where(
                Checkin.project_id == project_id,
                Checkin.status == CheckinStatus.pending,
                Checkin.id != checkin.id,
            )
        ).all()
        close_as_missed(session=session, project=project, checkins=list(superseded), now=now)
    if checkin.status != CheckinStatus.pending:
        return None
    return project, checkin


def _next_checkin_after(
    session: Session, project: Project, due_at: datetime, holidays: frozenset[date]
) -> datetime | None:
    schedule = scheduling.find_schedule(
        session=session,
        team_id=project.team_id,
        kind=CHECKIN_KIND,
        subject=checkin_subject(project.id),
    )
    if schedule is None:
        return None
    return next_occurrence(scheduling.cadence_of(schedule, holidays), due_at)


def record_checkin_card(
    *, session: Session, team_id: str, project_id: int, period: str, channel_id: str, ts: str
) -> None:
    """Remember where the card is, so that the update replaces it."""
    session.execute(
        update(Checkin)
        .where(
            Checkin.team_id == team_id,
            Checkin.project_id == project_id,
            Checkin.period == period,
            Checkin.card_ts.is_(None),
        )
        .values(channel_id=channel_id, card_ts=ts)
    )


# ---------------------------------------------------------------- the update

# The update modal offers open milestones due up to this far ahead, this many at most.
UPDATE_MILESTONE_HORIZON = timedelta(days=14)
UPDATE_MILESTONES_SHOWN = 10


@dataclass(frozen=True)
class UpdateForm:
    project: Project
    kpis: list[Kpi]
    lines: list[RolloutLine]
    milestones: list[Milestone]


def update_form(
    *, session: Session, team_id: str, project_id: int, user_id: str, is_admin: bool, today: date
) -> UpdateForm:
    """What the update modal asks about: each KPI, the roll-out table, and the open milestones
    due within two weeks (ten at most, soonest first) to mark reached. Only the owner, the
    members and admins update an active project."""
    project = get_project(session=session, team_id=team_id, project_id=project_id)
    ensure_may_post_update(session=session, project=project, user_id=user_id, is_admin=is_admin)
    ensure_active(project)
    milestones = session.scalars(
        select(Milestone)
        .where(
            Milestone.project_id == project.id,
            Milestone.reached_at.is_(None),
            Milestone.due_date <= today + UPDATE_MILESTONE_HORIZON,
        )
        .order_by(Milestone.due_date, Milestone.id)
        .limit(UPDATE_MILESTONES_SHOWN)
    ).all()
    return UpdateForm(
        project=project,
        kpis=kpis_of(session=session, project_id=project.id),
        lines=rollout_lines_of(session=session, project_id=project.id),
        milestones=list(milestones),
    )


@dataclass
class UpdateResult:
    project: Project
    checkin: Checkin
    readings: list[KpiReading] = field(default_factory=list)
    lines: list[RolloutLine] = field(default_factory=list)
    gone_live: list[RolloutLine] = field(default_factory=list)
    reached: list[Milestone] = field(default_factory=list)
    # The pending check-in card the update replaces: (channel, ts).
    replaces: tuple[str, str] | None = None
    duplicate: bool = False


def lock_for_update(
    *, session: Session, team_id: str, project_id: int, nonce: str
) -> tuple[Project, Checkin | None]:
    """The project, locked, and the check-in this submission (its nonce) already posted, if any.

    The project row lock first, then the nonce: a second copy of the submission waits for the
    first one's commit and then finds its nonce (PostgreSQL), instead of failing on the unique
    nonce after its ack."""
    project = get_project(session=session, team_id=team_id, project_id=project_id, for_update=True)
    already = session.scalar(
        select(Checkin).where(Checkin.project_id == project.id, Checkin.update_nonce == nonce)
    )
    return project, already


def ensure_may_update(*, session: Session, project: Project, user_id: str, is_admin: bool) -> None:
    """Only the owner, the members and admins update a project, and only an active one."""
    ensure_may_post_update(session=session, project=project, user_id=user_id, is_admin=is_admin)
    ensure_active(project)


def post_update(
    *,
    session: Session,
    team_id: str,
    project_id: int,
    checkin_id: int | None,
    draft: UpdateDraft,
    actor_id: str,
    is_admin: bool,
    nonce: str,
    now: datetime,
) -> UpdateResult:
    """Store a validated update (see apply_update); the same submission arriving twice (same
    nonce) is stored once."""
    project, already = lock_for_update(
        session=session, team_id=team_id, project_id=project_id, nonce=nonce
    )
    if already is not None:
        return UpdateResult(project=project, checkin=already, duplicate=True)
    ensure_may_update(session=session, project=project, user_id=actor_id, is_admin=is_admin)
    return apply_update(
        session=session,
        project=project,
        checkin_id=checkin_id,
        draft=draft,
        actor_id=actor_id,
        nonce=nonce,
        now=now,
    )


def apply_update(
    *,
    session: Session,
    project: Project,
    checkin_id: int | None,
    draft: UpdateDraft,
    actor_id: str,
    nonce: str,
    now: datetime,
    lines: list[RolloutLine] | None = None,
) -> UpdateResult:
    """Store a validated update of a locked project: status, progress, KPI values, roll-out
    changes, milestones. `lines`: the roll-out table already read in this transaction.

    It answers the given check-in, else the project's pending one, else stands on its own. A
    line going live for the first time is a first success to celebrate; phase "handed off"
    completes the project.
    """
    checkin = _checkin_to_answer(session=session, project=project, checkin_id=checkin_id, now=now)
    replaces = (
        (checkin.channel_id, checkin.card_ts) if checkin.card_ts and checkin.channel_id else None
    )
    progress = progress_percent(draft.progress) if draft.progress else project.progress_pct
    checkin.status = CheckinStatus.posted
    checkin.health = draft.health
    checkin.progress_pct = progress
    checkin.done_text = draft.done or None
    checkin.blockers = draft.blockers or None
    checkin.posted_by = actor_id
    checkin.posted_at = now
    checkin.update_nonce = nonce
    project.health = draft.health
    project.progress_pct = progress
    project.blockers = draft.blockers or None
    project.last_update_at = now
    result = UpdateResult(project=project, checkin=checkin, replaces=replaces)
    result.readings = _record_kpi_values(session, project, draft, actor_id=actor_id, now=now)
    result.lines, result.gone_live = apply_rollout(session, project, draft, actor_id, now, lines)
    result.reached = _reach_milestones(session, project, draft.milestones_reached, actor_id, now)
    record_event(
        session=session,
        project=project,
        actor_id=actor_id,
        kind="update_posted",
        now=now,
        details={"health": draft.health, "progress": progress, "checkin": checkin.id},
    )
    if draft.phase and draft.phase != project.phase:
        change_phase(
            session=session, project=project, phase=draft.phase, actor_id=actor_id, now=now
        )
    session.flush()
    return result


def _checkin_to_answer(
    *, session: Session, project: Project, checkin_id: int | None, now: datetime
) -> Checkin:
    checkin = None
    if checkin_id is not None:
        checkin = session.scalar(
            select(Checkin).where(Checkin.project_id == project.id, Checkin.id == checkin_id)
        )
    if checkin is None or checkin.status == CheckinStatus.posted:
        # Asked from the project card, or that check-in was answered meanwhile.
        checkin = session.scalar(
            select(Checkin)
            .where(Checkin.project_id == project.id, Checkin.status == CheckinStatus.pending)
            .order_by(Checkin.due_at.desc())
            .limit(1)
        )
    if checkin is None or checkin.status == CheckinStatus.posted:
        checkin = Checkin(
            team_id=project.team_id,
            project_id=project.id,
            period=None,
            due_at=now,
            channel_id=project.channel_id,
        )
        session.add(checkin)
    return checkin


def _record_kpi_values(
    session: Session, project: Project, draft: UpdateDraft, *, actor_id: str, now: datetime
) -> list[KpiReading]:
    """Each KPI's value at this check-in. A blank field leaves the KPI as it was; the value the
    modal showed, left as it was, is no new measure (no value recorded, the current one stays
    exact) but still stands as this check-in's value for "change since the last check-in"."""
    readings = []
    for kpi in kpis_of(session=session, project_id=project.id):
        value = parse_number(draft.kpi_values.get(kpi.id, ""))
        if value is not None:
            if value != kpi.current_value:
                record_kpi_value(
                    session=session,
                    kpi=kpi,
                    value=value,
                    at=now,
                    source="checkin",
                    actor_id=actor_id,
                )
            kpi.previous_checkin_value = kpi.checkin_value
            kpi.checkin_value = value
            kpi.checkin_at = now
        readings.append(reading_of(kpi))
    return readings


def _reach_milestones(
    session: Session, project: Project, milestone_ids: list[int], actor_id: str, now: datetime
) -> list[Milestone]:
    if not milestone_ids:
        return []
    milestones = session.scalars(
        select(Milestone).where(
            Milestone.project_id == project.id,
            Milestone.id.in_(milestone_ids),
            Milestone.reached_at.is_(None),
        )
    ).all()
    for milestone in milestones:
        milestone.reached_at = now
        milestone.reached_by = actor_id
        record_event(
            session=session,
            project=project,
            actor_id=actor_id,
            kind="milestone_reached",
            now=now,
            details={"milestone": milestone.name},
        )
    return list(milestones)


def change_phase(
    *, session: Session, project: Project, phase: str, actor_id: str, now: datetime
) -> None:
    """A new phase goes in the history; "handed off" completes the project: no more check-ins."""
    record_event(
        session=session,
        project=project,
        actor_id=actor_id,
        kind="phase_changed",
        now=now,
        details={"from": project.phase, "to": phase},
    )
    project.phase = phase
    if phase == Phase.handed_off:
        project.status = ProjectStatus.completed
        project.status_changed_at = now
        cancel_open_checkins(session=session, project_id=project.id)
        scheduling.delete_schedule(
            session=session,
            team_id=project.team_id,
            kind=CHECKIN_KIND,
            subject=checkin_subject(project.id),
        )
        record_event(session=session, project=project, actor_id=actor_id, kind="completed", now=now)


def record_update_message(*, session: Session, checkin_id: int, channel_id: str, ts: str) -> None:
    session.execute(
        update(Checkin).where(Checkin.id == checkin_id).values(channel_id=channel_id, update_ts=ts)
    )


def mark_milestone_reached(
    *,
    session: Session,
    team_id: str,
    milestone_id: int,
    actor_id: str,
    is_admin: bool,
    now: datetime,
) -> tuple[Project, Milestone]:
    """A member marks a milestone reached (from its reminder); a second click changes nothing."""
    milestone = session.scalar(
        select(Milestone).where(Milestone.team_id == team_id, Milestone.id == milestone_id)
    )
    if milestone is None:
        raise ProjectRefused(N_("This milestone no longer exists."))
    project = get_project(session=session, team_id=team_id, project_id=milestone.project_id)
    ensure_may_post_update(session=session, project=project, user_id=actor_id, is_admin=is_admin)
    if milestone.reached_at is None:
        _reach_milestones(session, project, [milestone.id], actor_id, now)
    return project, milestone


def kpis_of(*, session: Session, project_id: int) -> list[Kpi]:
    return list(
        session.scalars(select(Kpi).where(Kpi.project_id == project_id).order_by(Kpi.position))
    )
