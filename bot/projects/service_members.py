"""Projects follow their people as Slack changes them: the members who come through a
project's user group follow the group, and check-ins follow their owner's time zone.

A rules module of the projects domain (see service.py for the map). No Slack here.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.projects.models import Project, ProjectMember, ProjectStatus
from bot.projects.service import CHECKIN_KIND, checkin_subject
from bot.projects.validation import valid_tz
from bot.scheduling import service as scheduling


def follows_group(*, session: Session, team_id: str, usergroup_id: str) -> bool:
    """Whether some project takes its members from this user group."""
    return (
        session.scalar(
            select(Project.id)
            .where(Project.team_id == team_id, Project.usergroup_id == usergroup_id)
            .limit(1)
        )
        is not None
    )


def sync_group_members(
    *, session: Session, team_id: str, usergroup_id: str, member_ids: frozenset[str]
) -> set[str]:
    """Members who come through a project's user group follow the group: whoever joins it takes
    part at once, whoever leaves it no longer does (unless named on the project). Returns the
    users whose projects changed."""
    projects = session.scalars(
        select(Project)
        .where(Project.team_id == team_id, Project.usergroup_id == usergroup_id)
        .order_by(Project.id)
        .with_for_update()  # two changes of one group at once: one after the other
    ).all()
    changed: set[str] = set()
    for project in projects:
        current = {
            member.user_id: member
            for member in session.scalars(
                select(ProjectMember).where(ProjectMember.project_id == project.id)
            )
        }
        for user_id, member in current.items():
            if member.via_group and user_id not in member_ids:
                session.delete(member)
                changed.add(user_id)
        for user_id in sorted(member_ids - current.keys() - {project.owner_id}):
            session.add(
                ProjectMember(
                    project_id=project.id, team_id=team_id, user_id=user_id, via_group=True
                )
            )
            changed.add(user_id)
    session.flush()
    return changed


def follow_owner_tz(
    *, session: Session, team_id: str, owner_id: str, tz: str, now: datetime
) -> int:
    """Check-ins come at the owner's local time: an owner who moves gets them at the same local
    hour in the new time zone, from the next slot. Returns how many projects moved."""
    if not valid_tz(tz):
        return 0
    projects = session.scalars(
        select(Project).where(
            Project.team_id == team_id,
            Project.owner_id == owner_id,
            Project.status.in_((ProjectStatus.active, ProjectStatus.paused)),
            Project.tz != tz,
        )
    ).all()
    holidays = scheduling.holidays_of(session=session, team_id=team_id)
    for project in projects:
        project.tz = tz
        schedule = scheduling.find_schedule(
            session=session,
            team_id=team_id,
            kind=CHECKIN_KIND,
            subject=checkin_subject(project.id),
        )
        if schedule is not None:
            scheduling.save_schedule(
                session=session,
                team_id=team_id,
                kind=CHECKIN_KIND,
                subject=schedule.subject,
                recipient=schedule.recipient,
                cadence=replace(scheduling.cadence_of(schedule, holidays), tz=tz),
                now=now,
            )
    return len(projects)
