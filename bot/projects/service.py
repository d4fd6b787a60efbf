"""The rules of project animation: creating a project, who may steer it, pausing, resuming and
abandoning it.

No Slack here. Flows (flows.py: one transaction per use case, with the messages the change
owes, effects.py) and jobs call these functions with a session and never hold one across a
Slack call. The other rules modules of the domain, by concern:
- validation.py: what valid input is (a project, a KPI, a milestone, an update, a reason);
- checkins.py: the check-in of each cadence period and the update that answers it;
- rollout.py: the roll-out table an update changes, and the first successes to celebrate;
- service_members.py: projects follow their people (a user group's members, the owner's time
  zone) as Slack changes them;
- kpi_values.py: KPI values from check-ins and from dashboard tools (the webhook, idempotent),
  and how a KPI progresses from its baseline to its target;
- followups.py: when a check-in's reminder is due, when it is missed, milestone reminders;
- reports.py: what cards, Home, the digest and the gazette show;
- flash.py: what the weekly flash report shows, and its settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.errors import N_, UserFacingError
from bot.projects.models import (
    Checkin,
    CheckinStatus,
    Direction,
    Kpi,
    Milestone,
    Project,
    ProjectEvent,
    ProjectMember,
    ProjectStatus,
    RolloutLine,
)
from bot.projects.validation import (
    DEFAULT_REMIND_DAYS,
    EVERY_WORKING_DAY,
    KpiDraft,
    MilestoneDraft,
    ProjectDraft,
    StatusAction,
    name_key,
    parse_number,
    parse_time,
    reason_problems,
    remind_days,
    valid_tz,
)
from bot.scheduling import service as scheduling
from bot.scheduling.cadence import Cadence, Frequency
from bot.workspaces.service import ensure_workspace

# Ledger kinds of this domain (bot/projects/jobs.py).
CHECKIN_KIND = "project-checkin"
CHECKIN_FOLLOWUP_KIND = "project-checkin-reminder"
MILESTONE_KIND = "project-milestone-reminder"
FLASH_KIND = "project-flash-report"
FLASH_SUBJECT = "workspace"


class ProjectRefused(UserFacingError):
    """An action the project's state or the user's role does not allow; nothing was changed."""


def checkin_subject(project_id: int) -> str:
    return f"project:{project_id}"


def project_id_of(subject: str) -> int | None:
    prefix, _, number = subject.partition(":")
    return int(number) if prefix == "project" and number.isdigit() else None


# ---------------------------------------------------------------- creating a project


def checkin_cadence(*, day: str, at: str, tz: str) -> Cadence:
    """Weekly on a weekday, or every working day, at a local time in the owner's time zone."""
    parsed = parse_time(at)
    assert parsed is not None, "validated before"
    hour, minute = parsed
    if day == EVERY_WORKING_DAY:
        return Cadence(Frequency.daily, hour=hour, minute=minute, tz=tz)
    return Cadence(Frequency.weekly, hour=hour, minute=minute, weekday=int(day), tz=tz)


def create_project(
    *,
    session: Session,
    team_id: str,
    draft: ProjectDraft,
    created_by: str,
    owner_tz: str,
    group_member_ids: list[str],
    now: datetime,
) -> Project:
    """Create a validated project, its KPIs, milestones and roll-out table, and start its
    check-in cadence in the owner's time zone. A name taken meanwhile is refused."""
    ensure_workspace(session=session, team_id=team_id)
    assert draft.start_date is not None and draft.target_end_date is not None
    tz = owner_tz if valid_tz(owner_tz) else "UTC"
    project = Project(
        team_id=team_id,
        name=draft.name,
        name_key=name_key(draft.name),
        objective=draft.objective,
        owner_id=draft.owner_id,
        usergroup_id=draft.usergroup_id,
        channel_id=draft.channel_id,
        tz=tz,
        start_date=draft.start_date,
        target_end_date=draft.target_end_date,
        phase=draft.phase,
        status=ProjectStatus.active,
        created_by=created_by,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(project)
            session.flush()
    except IntegrityError:
        raise ProjectRefused(
            N_("A project named “{name}” already exists."), name=draft.name
        ) from None
    set_members(session=session, project=project, user_ids=draft.member_ids, group=group_member_ids)
    add_kpis(session=session, project=project, kpis=draft.kpis)
    add_milestones(session=session, project=project, milestones=draft.milestones)
    add_rollout_lines(session=session, project=project, names=draft.rollout_names)
    scheduling.save_schedule(
        session=session,
        team_id=team_id,
        kind=CHECKIN_KIND,
        subject=checkin_subject(project.id),
        recipient=project.channel_id,
        cadence=checkin_cadence(day=draft.checkin_day, at=draft.checkin_time, tz=tz),
        now=now,
    )
    record_event(session=session, project=project, actor_id=created_by, kind="created", now=now)
    return project


def set_members(
    *, session: Session, project: Project, user_ids: list[str], group: list[str]
) -> None:
    """Named members plus a snapshot of the user group's members (refreshed on each save)."""
    session.query(ProjectMember).filter(ProjectMember.project_id == project.id).delete()
    members = {user_id: False for user_id in group} | {user_id: True for user_id in user_ids}
    members.pop(project.owner_id, None)
    for user_id, named in members.items():
        session.add(
            ProjectMember(
                project_id=project.id, team_id=project.team_id, user_id=user_id, via_group=not named
            )
        )


def add_kpis(*, session: Session, project: Project, kpis: list[KpiDraft]) -> list[Kpi]:
    start = len(session.scalars(select(Kpi.id).where(Kpi.project_id == project.id)).all())
    created = []
    for position, draft in enumerate((k for k in kpis if not k.is_blank), start=start):
        baseline, target = parse_number(draft.baseline), parse_number(draft.target)
        assert baseline is not None and target is not None, "validated before"
        kpi = Kpi(
            team_id=project.team_id,
            project_id=project.id,
            name=draft.name,
            name_key=name_key(draft.name),
            unit=draft.unit[:20],
            baseline=baseline,
            target=target,
            target_date=draft.target_date,
            direction=draft.direction or Direction.up,
            position=position,
        )
        session.add(kpi)
        created.append(kpi)
    session.flush()
    return created


def add_milestones(
    *, session: Session, project: Project, milestones: list[MilestoneDraft]
) -> list[Milestone]:
    created = []
    for draft in milestones:
        if draft.is_blank:
            continue
        assert draft.due_date is not None
        days_before = remind_days(draft.remind_days_before)
        if days_before is None:
            days_before = DEFAULT_REMIND_DAYS
        milestone = Milestone(
            team_id=project.team_id,
            project_id=project.id,
            name=draft.name,
            due_date=draft.due_date,
            is_decision=draft.is_decision,
            remind_days_before=days_before,
            remind_on=draft.due_date - timedelta(days=days_before),
        )
        session.add(milestone)
        created.append(milestone)
    session.flush()
    return created


def add_rollout_lines(*, session: Session, project: Project, names: list[str]) -> None:
    start = len(
        session.scalars(select(RolloutLine.id).where(RolloutLine.project_id == project.id)).all()
    )
    for position, name in enumerate(names, start=start):
        session.add(
            RolloutLine(
                team_id=project.team_id,
                project_id=project.id,
                name=name,
                name_key=name_key(name),
                position=position,
            )
        )
    session.flush()


def record_event(
    *,
    session: Session,
    project: Project,
    actor_id: str | None,
    kind: str,
    now: datetime,
    reason: str | None = None,
    note: str | None = None,
    details: dict[str, Any] | None = None,
) -> ProjectEvent:
    """History: every change to a project is kept with who, when and why."""
    event = ProjectEvent(
        team_id=project.team_id,
        project_id=project.id,
        at=now,
        actor_id=actor_id,
        kind=kind,
        reason=reason,
        note=note,
        details=details or {},
    )
    session.add(event)
    return event


def get_project(
    *, session: Session, team_id: str, project_id: int, for_update: bool = False
) -> Project:
    query = select(Project).where(Project.team_id == team_id, Project.id == project_id)
    if for_update:
        # Read again once locked, even if this session loaded the project before the lock.
        query = query.with_for_update().execution_options(populate_existing=True)
    project = session.scalar(query)
    if project is None:
        raise ProjectRefused(N_("This project no longer exists."))
    return project


# ---------------------------------------------------------------- who may do what


def is_member(*, session: Session, project: Project, user_id: str) -> bool:
    return (
        user_id == project.owner_id or session.get(ProjectMember, (project.id, user_id)) is not None
    )


def ensure_may_post_update(
    *, session: Session, project: Project, user_id: str, is_admin: bool
) -> None:
    """The owner, the members and workspace admins post updates."""
    if not (is_admin or is_member(session=session, project=project, user_id=user_id)):
        raise ProjectRefused(
            N_("Only the owner and the members of “{name}” post its updates."), name=project.name
        )


def may_steer(*, project: Project, user_id: str, is_admin: bool) -> bool:
    """Pausing, resuming and abandoning belong to the owner and workspace admins."""
    return is_admin or user_id == project.owner_id


def ensure_may_steer(*, project: Project, user_id: str, is_admin: bool) -> None:
    """Refuse a pause, resume or abandon from anyone but the owner or an admin."""
    if not may_steer(project=project, user_id=user_id, is_admin=is_admin):
        raise ProjectRefused(
            N_("Only the owner of “{name}” or a workspace admin can do this."), name=project.name
        )


# ---------------------------------------------------------------- pause, resume, abandon


@dataclass(frozen=True)
class StatusChange:
    project: Project
    event: ProjectEvent


TRANSITIONS: dict[StatusAction, tuple[frozenset[str], ProjectStatus]] = {
    StatusAction.pause: (frozenset({ProjectStatus.active}), ProjectStatus.paused),
    StatusAction.resume: (frozenset({ProjectStatus.paused}), ProjectStatus.active),
    StatusAction.abandon: (
        frozenset({ProjectStatus.active, ProjectStatus.paused}),
        ProjectStatus.abandoned,
    ),
}


def change_status(
    *,
    session: Session,
    team_id: str,
    project_id: int,
    action: StatusAction,
    actor_id: str,
    is_admin: bool,
    reason: str,
    note: str,
    now: datetime,
) -> StatusChange:
    """Pause (active → paused), resume (paused → active) or abandon (active or paused →
    abandoned). A paused project sends nothing; resuming restarts the cadence from its next
    slot; an open check-in is cancelled, so no backlog of missed check-ins. Illegal changes
    are refused and change nothing."""
    if reason_problems(action=action, reason=reason, note=note):
        raise ProjectRefused(N_("A reason is required."))
    project = get_project(session=session, team_id=team_id, project_id=project_id, for_update=True)
    ensure_may_steer(project=project, user_id=actor_id, is_admin=is_admin)
    ensure_transition(project=project, action=action)
    to = TRANSITIONS[action][1]
    project.status = to
    project.status_reason = reason
    project.status_note = note.strip() or None
    project.status_changed_at = now
    subject = checkin_subject(project.id)
    if action is StatusAction.resume:
        scheduling.resume_schedule(
            session=session, team_id=team_id, kind=CHECKIN_KIND, subject=subject, now=now
        )
    else:
        cancel_open_checkins(session=session, project_id=project.id)
        scheduling.pause_schedule(
            session=session, team_id=team_id, kind=CHECKIN_KIND, subject=subject
        )
    event = record_event(
        session=session,
        project=project,
        actor_id=actor_id,
        kind={"pause": "paused", "resume": "resumed", "abandon": "abandoned"}[action.value],
        reason=reason,
        note=project.status_note,
        now=now,
    )
    session.flush()  # the event's id keys what the change owes
    return StatusChange(project=project, event=event)


_ALREADY_PAUSED = N_("“{name}” is already paused.")
_ALREADY_ACTIVE = N_("“{name}” is not paused: there is nothing to resume.")
_ABANDONED = N_("“{name}” was abandoned; it cannot change any more.")
_COMPLETED = N_("“{name}” is handed off and complete; it cannot change any more.")
ILLEGAL: dict[tuple[StatusAction, str], str] = {
    (StatusAction.pause, ProjectStatus.paused): _ALREADY_PAUSED,
    (StatusAction.pause, ProjectStatus.abandoned): _ABANDONED,
    (StatusAction.pause, ProjectStatus.completed): _COMPLETED,
    (StatusAction.resume, ProjectStatus.active): _ALREADY_ACTIVE,
    (StatusAction.resume, ProjectStatus.abandoned): _ABANDONED,
    (StatusAction.resume, ProjectStatus.completed): _COMPLETED,
    (StatusAction.abandon, ProjectStatus.abandoned): _ABANDONED,
    (StatusAction.abandon, ProjectStatus.completed): _COMPLETED,
}


def ensure_transition(*, project: Project, action: StatusAction) -> None:
    """Refuse, clearly, a change the project's current status does not allow."""
    if project.status not in TRANSITIONS[action][0]:
        raise ProjectRefused(ILLEGAL[(action, project.status)], name=project.name)


def cancel_open_checkins(*, session: Session, project_id: int) -> None:
    session.execute(
        update(Checkin)
        .where(Checkin.project_id == project_id, Checkin.status == CheckinStatus.pending)
        .values(status=CheckinStatus.cancelled)
    )


def ensure_active(project: Project) -> None:
    if project.status == ProjectStatus.paused:
        raise ProjectRefused(N_("“{name}” is paused: resume it first."), name=project.name)
    if project.status != ProjectStatus.active:
        raise ProjectRefused(
            N_("“{name}” is no longer active ({status})."), name=project.name, status=project.status
        )
