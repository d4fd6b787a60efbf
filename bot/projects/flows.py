"""The projects domain's use cases: read once, apply the rules, write the change and what it owes.

Each flow runs one transaction and writes the Slack messages the change owes as outbox rows in
that same transaction (effects.py says which). Refusals are raised as `ProjectRefused` (the
listener shows them on the form's field, or the app's error path tells the user); field
problems are returned, with nothing stored. No Slack here: listeners parse, ask Slack what only
Slack knows (a channel's access, a user group's members) before or after, call a flow, and
render its outcome.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.actor import Actor
from bot.db import session_scope
from bot.errors import N_
from bot.projects import checkins, effects, flash, reports, rollout, service, service_members
from bot.projects.checkins import UpdateForm
from bot.projects.models import Milestone, Project
from bot.projects.reports import ProjectCard, ProjectPage
from bot.projects.rollout import Celebration
from bot.projects.service import ProjectRefused
from bot.projects.validation import (
    Problems,
    ProjectDraft,
    StatusAction,
    UpdateDraft,
    name_key,
    validate_project,
    validate_update,
)
from bot.scheduling.models import Schedule

Factory = sessionmaker[Session]

GONE = N_("This project no longer exists.")


# ---------------------------------------------------------------- reading


def project_page(factory: Factory, *, team_id: str, offset: int, limit: int) -> ProjectPage:
    with session_scope(factory) as session:
        return reports.list_projects(session=session, team_id=team_id, offset=offset, limit=limit)


@dataclass(frozen=True)
class CardView:
    """A project card as one reader sees it: pause and abandon only if they may steer it."""

    card: ProjectCard
    may_steer: bool


def _view(card: ProjectCard, actor: Actor) -> CardView:
    return CardView(
        card,
        service.may_steer(project=card.project, user_id=actor.user_id, is_admin=actor.is_admin),
    )


def project_card(factory: Factory, actor: Actor, *, project_id: int) -> CardView:
    with session_scope(factory) as session:
        card = reports.project_card(session=session, team_id=actor.team_id, project_id=project_id)
    if card is None:
        raise ProjectRefused(GONE)
    return _view(card, actor)


@dataclass(frozen=True)
class CommandTarget:
    """What `/revops-project TEXT` names: a project's card, or a new project to create."""

    card: CardView | None = None
    new_name: str | None = None


def command_target(factory: Factory, actor: Actor, *, text: str) -> CommandTarget:
    """A project's exact name comes first ("New pricing" is a project, not `new pricing`);
    then `new NAME`; then the only project whose name contains the text. None found: None."""
    word, _, rest = text.partition(" ")
    is_new = word.lower() == "new"
    with session_scope(factory) as session:
        project = (
            reports.project_named(session=session, team_id=actor.team_id, text=text)
            if rest or not is_new
            else None
        )
        if project is None and not is_new:
            project = reports.find_project(session=session, team_id=actor.team_id, text=text)
        card = project and reports.project_card(
            session=session, team_id=actor.team_id, project_id=project.id
        )
    if card:
        return CommandTarget(card=_view(card, actor))
    if is_new:
        return CommandTarget(new_name=rest)
    return CommandTarget()


# ---------------------------------------------------------------- creating a project


def create_problems(factory: Factory, actor: Actor, *, draft: ProjectDraft) -> Problems:
    """What is wrong with a new project's form (checked before the ack; nothing stored)."""
    with session_scope(factory) as session:
        return validate_project(session=session, team_id=actor.team_id, draft=draft)


def create_project(
    factory: Factory,
    actor: Actor,
    *,
    draft: ProjectDraft,
    owner_tz: str,
    group_member_ids: list[str],
    channel_checked: bool,
    may_join: bool,
    now: datetime,
) -> Project:
    """A validated project, its cadence, and what it owes (its announcement, the Home tabs),
    in one transaction. A name taken since the form was checked is refused."""
    with session_scope(factory) as session:
        project = service.create_project(
            session=session,
            team_id=actor.team_id,
            draft=draft,
            created_by=actor.user_id,
            owner_tz=owner_tz,
            group_member_ids=group_member_ids,
            now=now,
        )
        effects.owe_creation(
            session=session,
            project=project,
            creator_id=actor.user_id,
            channel_checked=channel_checked,
            may_join=may_join,
            now=now,
        )
    return project


# ---------------------------------------------------------------- updates


def update_form(factory: Factory, actor: Actor, *, project_id: int, today: date) -> UpdateForm:
    """What the update modal asks about; refused for a project the actor may not update."""
    with session_scope(factory) as session:
        return checkins.update_form(
            session=session,
            team_id=actor.team_id,
            project_id=project_id,
            user_id=actor.user_id,
            is_admin=actor.is_admin,
            today=today,
        )


@dataclass(frozen=True)
class UpdateOutcome:
    """A submitted update: problems by field (nothing stored), a second copy of a submission
    already stored (`duplicate`), or stored with its post owed."""

    problems: Problems = field(default_factory=dict)
    duplicate: bool = False
    project: Project | None = None


def post_update(
    factory: Factory,
    actor: Actor,
    *,
    project_id: int,
    checkin_id: int | None,
    nonce: str,
    draft: UpdateDraft,
    now: datetime,
) -> UpdateOutcome:
    """Check and store an update, and owe its post, in one transaction: the project locked,
    a second copy of the same submission recognised, the actor's right and the project's
    state checked (ProjectRefused), the fields validated against the roll-out table."""
    with session_scope(factory) as session:
        project, already = checkins.lock_for_update(
            session=session, team_id=actor.team_id, project_id=project_id, nonce=nonce
        )
        if already is not None:
            return UpdateOutcome(duplicate=True, project=project)
        checkins.ensure_may_update(
            session=session, project=project, user_id=actor.user_id, is_admin=actor.is_admin
        )
        lines = rollout.rollout_lines_of(session=session, project_id=project.id)
        problems = validate_update(
            draft=draft, existing_line_names={name_key(line.name) for line in lines}
        )
        if problems:
            return UpdateOutcome(problems=problems)
        result = checkins.apply_update(
            session=session,
            project=project,
            checkin_id=checkin_id,
            draft=draft,
            actor_id=actor.user_id,
            nonce=nonce,
            now=now,
            lines=lines,
        )
        effects.owe_update(
            session=session,
            project=result.project,
            checkin_id=result.checkin.id,
            actor_id=actor.user_id,
            readings=result.readings,
            gone_live=result.gone_live,
            reached=result.reached,
            replaces=result.replaces,
            now=now,
        )
    return UpdateOutcome(project=result.project)


# ---------------------------------------------------------------- steering


def status_button(
    factory: Factory, actor: Actor, *, project_id: int, action: StatusAction
) -> Project:
    """Pause, resume or abandon pressed: refused (no modal) to anyone but the owner or an
    admin, and for a change the project's status does not allow."""
    with session_scope(factory) as session:
        project = service.get_project(session=session, team_id=actor.team_id, project_id=project_id)
        service.ensure_may_steer(project=project, user_id=actor.user_id, is_admin=actor.is_admin)
        service.ensure_transition(project=project, action=action)
    return project


def change_status(
    factory: Factory,
    actor: Actor,
    *,
    project_id: int,
    action: StatusAction,
    reason: str,
    note: str,
    now: datetime,
) -> Project:
    """The change, its announcement in the channel and the Home tabs, in one transaction."""
    with session_scope(factory) as session:
        change = service.change_status(
            session=session,
            team_id=actor.team_id,
            project_id=project_id,
            action=action,
            actor_id=actor.user_id,
            is_admin=actor.is_admin,
            reason=reason,
            note=note,
            now=now,
        )
        effects.owe_status_change(
            session=session,
            project=change.project,
            action=action,
            event_id=change.event.id,
            actor_id=actor.user_id,
            reason=reason,
            note=change.project.status_note,
            now=now,
        )
    return change.project


def mark_milestone_reached(
    factory: Factory,
    actor: Actor,
    *,
    milestone_id: int,
    reminder: tuple[str, str] | None,
    now: datetime,
) -> tuple[Project, Milestone]:
    """Marked reached from its reminder (`reminder`: that message's channel and ts, which
    then says so); a second click changes nothing."""
    with session_scope(factory) as session:
        project, milestone = checkins.mark_milestone_reached(
            session=session,
            team_id=actor.team_id,
            milestone_id=milestone_id,
            actor_id=actor.user_id,
            is_admin=actor.is_admin,
            now=now,
        )
        effects.owe_milestone_reached(
            session=session,
            project=project,
            milestone=milestone,
            actor_id=actor.user_id,
            reminder=reminder,
            now=now,
        )
    return project, milestone


def celebration_of(factory: Factory, actor: Actor, *, project_id: int, line_id: int) -> Celebration:
    with session_scope(factory) as session:
        return rollout.celebration_of(
            session=session,
            team_id=actor.team_id,
            project_id=project_id,
            line_id=line_id,
            user_id=actor.user_id,
            is_admin=actor.is_admin,
        )


# ---------------------------------------------------------------- the flash report (admins)


def flash_schedule(factory: Factory, *, team_id: str) -> Schedule | None:
    with session_scope(factory) as session:
        return flash.flash_report_schedule(session=session, team_id=team_id)


def save_flash_report(
    factory: Factory,
    actor: Actor,
    *,
    channel_id: str,
    weekday: int,
    at: str,
    tz: str,
    channel_checked: bool,
    may_join: bool,
    now: datetime,
) -> None:
    """Validated settings (admins only, checked before), and what they owe, in one
    transaction."""
    with session_scope(factory) as session:
        flash.save_flash_report(
            session=session,
            team_id=actor.team_id,
            channel_id=channel_id,
            weekday=weekday,
            at=at,
            tz=tz,
            now=now,
        )
        effects.owe_flash_settings(
            session=session,
            team_id=actor.team_id,
            admin_id=actor.user_id,
            channel_id=channel_id,
            channel_checked=channel_checked,
            may_join=may_join,
            now=now,
        )


def stop_flash_report(factory: Factory, actor: Actor, *, now: datetime) -> None:
    with session_scope(factory) as session:
        flash.stop_flash_report(session=session, team_id=actor.team_id)
        effects.owe_flash_stopped(
            session=session, team_id=actor.team_id, admin_id=actor.user_id, now=now
        )


# ---------------------------------------------------------------- Slack's changes


def follows_group(factory: Factory, *, team_id: str, usergroup_id: str) -> bool:
    with session_scope(factory) as session:
        return service_members.follows_group(
            session=session, team_id=team_id, usergroup_id=usergroup_id
        )


def group_changed(
    factory: Factory, *, team_id: str, usergroup_id: str, members: Callable[[], frozenset[str]]
) -> set[str]:
    """Someone joined or left a project's user group: they take part, or not, at once.
    `members` asks Slack, between the check and the write. Returns who changed."""
    if not follows_group(factory, team_id=team_id, usergroup_id=usergroup_id):
        return set()
    current = members()
    with session_scope(factory) as session:
        return service_members.sync_group_members(
            session=session, team_id=team_id, usergroup_id=usergroup_id, member_ids=current
        )


def owner_moved(factory: Factory, *, team_id: str, user_id: str, tz: str, now: datetime) -> int:
    """An owner's time zone changed: their projects' check-ins follow, from the next slot."""
    with session_scope(factory) as session:
        return service_members.follow_owner_tz(
            session=session, team_id=team_id, owner_id=user_id, tz=tz, now=now
        )
