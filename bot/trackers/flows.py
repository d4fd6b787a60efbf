"""The trackers' use cases: a request's issue follows it, and it follows its issue.

Tracker calls are made with no transaction open: each flow reads what it needs in one
transaction, calls the tracker, then writes the outcome and what it owes in another. Changes
from the tracker (webhook, poll) are applied in one transaction with the request's move, so
a change is applied once whatever the redeliveries.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.actor import Actor
from bot.db import read_scope, session_scope
from bot.errors import UserFacingError
from bot.home.effects import owe_homes
from bot.i18n import translator_for
from bot.intake import flows as intake_flows
from bot.intake import flows_tracker
from bot.intake import service as intake_service
from bot.intake.models import IntakeRequest
from bot.trackers import effects, service, texts
from bot.trackers.adapters import ADAPTERS
from bot.trackers.client import (
    IssueGone,
    IssueState,
    IssueStatus,
    NewIssue,
    TrackerClient,
    TrackerRefused,
    TrackerUnavailable,
)
from bot.trackers.models import IssueLink, TrackerConnection
from bot.workspaces.models import Member, Workspace

logger = logging.getLogger(__name__)
Factory = sessionmaker[Session]
ClientFor = Callable[[TrackerConnection], TrackerClient | None]


def tracker_name(kind: str) -> str:
    adapter = ADAPTERS.get(kind)
    return adapter.label if adapter else kind


# ---------------------------------------------------------------- Slack → tracker


@dataclass(frozen=True)
class SyncPlan:
    connection: TrackerConnection
    create: NewIssue | None  # the request has no issue yet and should
    issue_id: str | None  # the issue to move
    target: IssueStatus | None  # where it belongs, when the link does not say it is there


def _plan(session: Session, *, team_id: str, request_id: int, asked: bool) -> SyncPlan | None:
    connection = service.connection_of(session=session, team_id=team_id)
    request = intake_service.find_request(session=session, team_id=team_id, request_id=request_id)
    if connection is None or request is None:
        return None
    session.expunge(connection)
    link = service.link_of(session=session, team_id=team_id, request_id=request_id)
    target = service.issue_target(request)
    if link is None:
        if not service.wants_issue(connection=connection, request=request, asked=asked):
            return None
        return SyncPlan(connection, _new_issue(session, request), None, target)
    if link.deleted_at is not None or target is None or link.status == target.value:
        return None  # gone, or already where it belongs (its own move, seen again)
    return SyncPlan(connection, None, link.issue_id, target)


def _new_issue(session: Session, request: IntakeRequest) -> NewIssue:
    workspace = session.get(Workspace, request.team_id)
    t = translator_for(workspace.default_locale if workspace else None)
    member = session.get(Member, (request.team_id, request.requester_id))
    name = member.name if member is not None and member.name else request.requester_id
    description = texts.description(
        t, request, requester_name=name, card_url=service.card_url(request)
    )
    return service.new_issue(request=request, description=description, team_id=request.team_id)


def sync_issue(
    factory: Factory,
    client_for: ClientFor,
    *,
    team_id: str,
    request_id: int,
    now: datetime,
    asked: bool = False,
) -> None:
    """Make the request's issue match the request: create it (once, whatever the retries),
    then move it where the request's status says. Raises TrackerUnavailable (the outbox
    tries again later); a refusal is recorded and told to an admin once; a deleted issue
    is shown on the card."""
    with session_scope(factory) as session:
        plan = _plan(session, team_id=team_id, request_id=request_id, asked=asked)
    if plan is None:
        return
    client = client_for(plan.connection)
    if client is None:
        logger.warning(
            "tracker %s of %s is not configured in the environment", plan.connection.kind, team_id
        )
        return
    try:
        issue_id = plan.issue_id
        if plan.create is not None:
            ref = client.create_issue(plan.create)
            with session_scope(factory) as session:
                request = intake_service.find_request(
                    session=session, team_id=team_id, request_id=request_id
                )
                if request is None:
                    return
                created = service.record_created(
                    session=session, request=request, kind=client.kind, ref=ref, now=now
                )
                _working(session, team_id, now)
                effects.owe_request_shown(session=session, request=request, now=now)
                issue_id = created.issue_id
                target = service.issue_target(request)
                if target is None or created.status == target.value:
                    return
        if issue_id is None or plan.target is None:
            return
        with session_scope(factory) as session:  # the latest target (a move meanwhile)
            request = intake_service.find_request(
                session=session, team_id=team_id, request_id=request_id
            )
            target = service.issue_target(request) if request is not None else None
        if target is None:
            return
        client.move_issue(issue_id, target)
        with session_scope(factory) as session:
            moved = service.link_of(session=session, team_id=team_id, request_id=request_id)
            if moved is not None:
                moved.status = target.value
            _working(session, team_id, now)
    except IssueGone:
        with session_scope(factory) as session:
            link = service.link_of(session=session, team_id=team_id, request_id=request_id)
            request = intake_service.find_request(
                session=session, team_id=team_id, request_id=request_id
            )
            if link is not None and link.deleted_at is None and request is not None:
                link.deleted_at = now
                effects.owe_request_shown(session=session, request=request, now=now)
                logger.info(
                    "issue %s of request %s was deleted in the tracker", link.identifier, request_id
                )
    except TrackerRefused as refused:
        logger.error("tracker refused the sync of request %s: %s", request_id, refused)
        tell_problem(factory, team_id=team_id, problem=str(refused), now=now)


def _working(session: Session, team_id: str, now: datetime) -> None:
    """The tracker works (again): requests it refused while it did not get their issues."""
    connection = service.connection_of(session=session, team_id=team_id)
    if connection is not None and service.record_working(connection):
        for request_id in service.requests_missing_issues(session=session, connection=connection):
            effects.owe_sync(session=session, team_id=team_id, request_id=request_id, now=now)


def tell_problem(factory: Factory, *, team_id: str, problem: str, now: datetime) -> None:
    """The tracker refused the bot: recorded for App Home, told to an admin once."""
    with session_scope(factory) as session:
        connection = service.connection_of(session=session, team_id=team_id)
        if connection is None:
            return
        if service.record_problem(connection=connection, problem=problem, now=now):
            effects.owe_problem_told(session=session, connection=connection, now=now)


def create_asked(factory: Factory, actor: Actor, *, request_id: int, now: datetime) -> bool:
    """Someone of the RevOps team pressed "Create issue" on the card: the sync is owed even
    when issues are not created on Accept. Returns False when the request cannot have one
    now."""
    team_id = actor.team_id
    with session_scope(factory) as session:
        if not intake_flows.is_revops(session, actor):
            raise UserFacingError(intake_service.REVOPS_ONLY)
        connection = service.connection_of(session=session, team_id=team_id)
        request = intake_service.find_request(
            session=session, team_id=team_id, request_id=request_id
        )
        if connection is None or request is None:
            return False
        if not service.wants_issue(connection=connection, request=request, asked=True):
            return False
        effects.owe_sync(session=session, team_id=team_id, request_id=request_id, now=now)
        return True


# ---------------------------------------------------------------- tracker → Slack


def issue_changed(
    factory: Factory, *, team_id: str, kind: str, state: IssueState, now: datetime
) -> str:
    """A change seen in the tracker (webhook or poll). Returns what it did, for the log line:
    "unknown" (not an issue of a request), "old" (seen before), "moved", "noted"."""
    with session_scope(factory) as session:
        link = service.link_by_issue(
            session=session, team_id=team_id, kind=kind, issue_id=state.ref.issue_id, lock=True
        )
        if link is None:
            return "unknown"
        request = intake_service.find_request(
            session=session, team_id=team_id, request_id=link.request_id
        )
        if request is None:
            return "unknown"
        key_changed = link.identifier != state.ref.key and not state.deleted
        if key_changed:  # moved to another project: Jira gives it a new key
            link.identifier, link.url = state.ref.key, state.ref.url
        seen = service.read_news(link=link, state=state, now=now)
        if not seen.news:
            return "old"
        outcome = None
        if seen.request_target is not None:
            outcome = flows_tracker.move_from_tracker(
                session,
                request=request,
                target=seen.request_target,
                issue_name=f"{tracker_name(kind)} {link.identifier}",
                now=now,
            )
        if seen.estimate_hours is not None:
            flows_tracker.estimate_from_tracker(
                session, request=request, hours=seen.estimate_hours, now=now
            )
        if outcome is None and (state.deleted or key_changed):
            effects.owe_request_shown(session=session, request=request, now=now)
        return "moved" if outcome is not None else "noted"


def link_for_issue(factory: Factory, *, team_id: str, kind: str, issue_id: str) -> IssueLink | None:
    with read_scope(factory) as session:
        link = service.link_by_issue(session=session, team_id=team_id, kind=kind, issue_id=issue_id)
        if link is not None:
            session.expunge(link)
        return link


def poll(factory: Factory, client_for: ClientFor, *, team_id: str, now: datetime) -> int:
    """One poll of a workspace's tracker: the changes since the cursor, each applied as a
    webhook's would be; the cursor moves once every change read is applied. Returns how many
    changes were news."""
    with session_scope(factory) as session:
        connection = service.claim_poll(session=session, team_id=team_id, now=now)
        if connection is None:
            return 0
        since = service.read_from(connection)
        session.expunge(connection)
    client = client_for(connection)
    if client is None:
        with session_scope(factory) as session:
            service.release_poll(session=session, team_id=team_id)
        return 0
    try:
        changes = client.changed_since(since)
    except TrackerUnavailable as error:
        logger.warning(
            "tracker poll of %s interrupted, the next tick tries again: %s", team_id, error
        )
        with session_scope(factory) as session:
            service.release_poll(session=session, team_id=team_id)
        return 0
    except TrackerRefused as refused:
        logger.error("tracker poll of %s refused: %s", team_id, refused)
        with session_scope(factory) as session:
            service.release_poll(session=session, team_id=team_id)
        tell_problem(factory, team_id=team_id, problem=str(refused), now=now)
        return 0
    except Exception:
        with session_scope(factory) as session:
            service.release_poll(session=session, team_id=team_id)
        raise
    applied = 0
    for state in changes:
        if issue_changed(factory, team_id=team_id, kind=client.kind, state=state, now=now) in (
            "moved",
            "noted",
        ):
            applied += 1
    with session_scope(factory) as session:
        service.poll_done(
            session=session,
            team_id=team_id,
            up_to=max((s.updated_at for s in changes), default=None),
            now=now,
        )
        _working(session, team_id, now)
    return applied


# ---------------------------------------------------------------- App Home


def summary(
    session: Session, *, team_id: str, available: list[tuple[str, str]]
) -> service.ConnectionSummary:
    connection = service.connection_of(session=session, team_id=team_id)
    if connection is None:
        return service.ConnectionSummary(
            kind=None,
            tracker="",
            project="",
            issue_type=None,
            create_on="accept",
            issues=0,
            problem=None,
            available=available,
        )
    return service.ConnectionSummary(
        kind=connection.kind,
        tracker=tracker_name(connection.kind),
        project=connection.project,
        issue_type=connection.issue_type,
        create_on=connection.create_on,
        issues=service.count_links(session=session, team_id=team_id),
        problem=connection.problem,
        available=available,
    )


def settings_shown(
    factory: Factory, *, team_id: str, available: list[tuple[str, str]]
) -> service.ConnectionSummary:
    with read_scope(factory) as session:
        return summary(session, team_id=team_id, available=available)


def connect(
    factory: Factory,
    *,
    team_id: str,
    user_id: str,
    kind: str,
    project: str,
    issue_type: str | None,
    create_on: str,
    now: datetime,
) -> None:
    """An admin connected a tracker (checked with it first, by the listener): saved, a past
    problem forgotten (the requests it kept from their issues get them now), the poll's
    cursor starting now; App Home shows it."""
    with session_scope(factory) as session:
        before = service.connection_of(session=session, team_id=team_id)
        fixing = before is not None and before.problem is not None
        connection = service.save_connection(
            session=session,
            team_id=team_id,
            user_id=user_id,
            kind=kind,
            project=project,
            issue_type=issue_type,
            create_on=create_on,
            now=now,
        )
        if fixing:  # saved again to fix what the tracker refused: the missed issues follow
            for request_id in service.requests_missing_issues(
                session=session, connection=connection
            ):
                effects.owe_sync(session=session, team_id=team_id, request_id=request_id, now=now)
        owe_homes(session=session, team_id=team_id, user_ids=[user_id], now=now)
