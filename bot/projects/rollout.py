"""Rules of the roll-out table (a project's teams or countries, line by line): what an update
changes in it, and the first successes a line going live gives to celebrate.

A rules module of the projects domain (see service.py for the map). No Slack here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import N_
from bot.projects.models import Project, RolloutLine, RolloutStatus
from bot.projects.service import (
    ProjectRefused,
    add_rollout_lines,
    get_project,
    is_member,
    record_event,
)
from bot.projects.validation import UpdateDraft


def rollout_lines_of(*, session: Session, project_id: int) -> list[RolloutLine]:
    return list(
        session.scalars(
            select(RolloutLine)
            .where(RolloutLine.project_id == project_id)
            .order_by(RolloutLine.position, RolloutLine.id)
        )
    )


# ---------------------------------------------------------------- an update's changes


def apply_rollout(
    session: Session,
    project: Project,
    draft: UpdateDraft,
    actor_id: str,
    now: datetime,
    lines: list[RolloutLine] | None = None,
) -> tuple[list[RolloutLine], list[RolloutLine]]:
    """An update's changes to the roll-out table, each in the history; a line live (or handed
    off) for the first time has gone live. Returns the table as it now stands and the lines
    that went live. `lines`: the table already read in this transaction."""
    gone_live = []
    if lines is None:
        lines = rollout_lines_of(session=session, project_id=project.id)
    for line in lines:
        change = draft.rollout.get(line.id)
        if change is None or (
            change.status == line.status and change.local_owner_id in (None, line.local_owner_id)
        ):
            continue
        before = line.status
        line.status = change.status
        if change.status == RolloutStatus.handed_off:
            line.local_owner_id = change.local_owner_id
            line.handed_off_at = line.handed_off_at or now
        if change.status in (RolloutStatus.live, RolloutStatus.handed_off) and line.live_at is None:
            line.live_at = now
            gone_live.append(line)
        record_event(
            session=session,
            project=project,
            actor_id=actor_id,
            kind="rollout_changed",
            now=now,
            details={"line": line.name, "from": before, "to": line.status},
        )
    if draft.new_rollout_names:
        add_rollout_lines(session=session, project=project, names=draft.new_rollout_names)
        lines = rollout_lines_of(session=session, project_id=project.id)
    return lines, gone_live


# ---------------------------------------------------------------- first successes


@dataclass(frozen=True)
class Celebration:
    project: Project
    line: RolloutLine
    winners: list[str]  # the owner, then the line's local owner if any
    source_ref: str  # celebrations post a win once per source_ref


def celebration_of(
    *, session: Session, team_id: str, project_id: int, line_id: int, user_id: str, is_admin: bool
) -> Celebration:
    """A team or country that went live is a first success the project's owner, members or an
    admin may celebrate, once: it must still be in the roll-out table and live (or handed off)."""
    project = get_project(session=session, team_id=team_id, project_id=project_id)
    if not (is_admin or is_member(session=session, project=project, user_id=user_id)):
        raise ProjectRefused(
            N_("Only the owner and the members of “{name}” celebrate its successes."),
            name=project.name,
        )
    line = session.scalar(
        select(RolloutLine).where(
            RolloutLine.team_id == team_id,
            RolloutLine.project_id == project.id,
            RolloutLine.id == line_id,
        )
    )
    if line is None:
        raise ProjectRefused(N_("This team or country is no longer in the roll-out table."))
    if line.status not in (RolloutStatus.live, RolloutStatus.handed_off) or line.live_at is None:
        raise ProjectRefused(
            N_("{line} is not live any more: there is nothing to celebrate yet."), line=line.name
        )
    return Celebration(
        project=project,
        line=line,
        winners=list(dict.fromkeys(filter(None, [project.owner_id, line.local_owner_id]))),
        source_ref=f"project:{project.id}:rollout:{line.id}",
    )
