"""The rules of following a request in the team's tracker. No Slack, no tracker calls.

- A workspace has at most one tracker connection; issues are created on Accept (default) or
  by a button on the card, once per request (the idempotency key names the request).
- The issue follows the request: accepted → to do, in progress → in progress, done → done,
  any other close (declined, withdrawn, self-service, answered, merged) → won't do.
- The request follows the issue: in progress, done, won't do (intake's flows_tracker says
  from which statuses). A change is applied once: a state no newer than the last one seen
  (`seen_updated_at`) is old news, and a status the bot already knew (its own move coming
  back) moves nothing: no Slack → tracker → Slack ping-pong.
- The poll reads from its cursor minus READ_OVERLAP, one process at a time (a lease).
- A problem (credentials, permissions, a workflow with no way to a status) is told to the
  admin who connected the tracker once, until the tracker works again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from bot.db import rows_affected
from bot.errors import N_
from bot.intake.models import IntakeRequest, Status
from bot.trackers.client import IssueRef, IssueState, IssueStatus, NewIssue
from bot.trackers.models import CreateOn, IssueLink, TrackerConnection
from bot.workspaces.service import ensure_workspace

READ_OVERLAP = timedelta(minutes=2)
POLL_LEASE = timedelta(minutes=5)
PROBLEM_MAX = 2000

ISSUE_STATUS_OF_REQUEST: dict[str, IssueStatus] = {
    Status.accepted: IssueStatus.to_do,
    Status.in_progress: IssueStatus.in_progress,
    Status.done: IssueStatus.done,
    Status.declined: IssueStatus.wont_do,
    Status.withdrawn: IssueStatus.wont_do,
    Status.self_service: IssueStatus.wont_do,
    Status.answered_doc: IssueStatus.wont_do,
    Status.merged: IssueStatus.wont_do,
}
REQUEST_STATUS_OF_ISSUE: dict[IssueStatus, str] = {
    IssueStatus.in_progress: Status.in_progress,
    IssueStatus.done: Status.done,
    IssueStatus.wont_do: Status.declined,
}


@dataclass(frozen=True)
class ConnectionSummary:
    kind: str | None  # None: no tracker connected
    tracker: str  # "Jira"
    project: str
    issue_type: str | None
    create_on: str
    issues: int
    problem: str | None
    available: list[tuple[str, str]]  # (kind, label) the environment configures


def connection_of(*, session: Session, team_id: str) -> TrackerConnection | None:
    """The workspace's tracker, if an admin connected one."""
    return session.get(TrackerConnection, team_id)


def link_of(*, session: Session, team_id: str, request_id: int) -> IssueLink | None:
    """A request's issue, if it has one."""
    return session.scalar(
        select(IssueLink).where(IssueLink.team_id == team_id, IssueLink.request_id == request_id)
    )


def links_of(*, session: Session, team_id: str, request_ids: Sequence[int]) -> list[IssueLink]:
    """The issues of these requests (App Home's lists: one read)."""
    return list(
        session.scalars(
            select(IssueLink).where(
                IssueLink.team_id == team_id, IssueLink.request_id.in_(list(request_ids))
            )
        )
    )


def link_by_issue(
    *, session: Session, team_id: str, kind: str, issue_id: str, lock: bool = False
) -> IssueLink | None:
    """The link of a tracker's issue; `lock`: held until the transaction ends, so that a
    webhook and a poll bringing the same change apply it one after the other (the second
    then sees it as old news)."""
    query = select(IssueLink).where(
        IssueLink.team_id == team_id, IssueLink.kind == kind, IssueLink.issue_id == issue_id
    )
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalar(query)


def idempotency_key(*, team_id: str, request_id: int) -> str:
    """The same for every try at one request's issue (a Jira label: no spaces)."""
    return f"revops-{team_id}-{request_id}"


def card_url(request: IntakeRequest) -> str | None:
    """A link to the request's card in Slack (once it is posted)."""
    if not request.card_channel_id or not request.card_ts:
        return None
    return (
        f"https://slack.com/archives/{request.card_channel_id}/p{request.card_ts.replace('.', '')}"
    )


def wants_issue(*, connection: TrackerConnection, request: IntakeRequest, asked: bool) -> bool:
    """Whether the request should have an issue now: accepted or in progress, and the
    connection creates on Accept, or someone pressed the card's button (`asked`)."""
    if request.status not in (Status.accepted, Status.in_progress):
        return False
    return asked or connection.create_on == CreateOn.accept


def issue_target(request: IntakeRequest) -> IssueStatus | None:
    """Where the request's issue belongs given the request's status (None: leave it)."""
    return ISSUE_STATUS_OF_REQUEST.get(request.status)


@dataclass(frozen=True)
class Seen:
    """What a tracker's news means for the request: whether it is news at all, and the
    request move and estimate it asks for."""

    news: bool
    request_target: str | None = None
    estimate_hours: float | None = None


def read_news(*, link: IssueLink, state: IssueState, now: datetime) -> Seen:
    """Record the issue's state on its link and say what is new. Old news (not newer than the
    last state seen) changes nothing; a status the link already holds (the bot's own move
    coming back, or a change of another field) moves nothing."""
    if link.seen_updated_at is not None and state.updated_at <= link.seen_updated_at:
        return Seen(news=False)
    link.seen_updated_at = state.updated_at
    if state.deleted:
        if link.deleted_at is None:
            link.deleted_at = now
            return Seen(news=True)
        return Seen(news=False)
    link.deleted_at = None
    target = None
    if state.status is not None and state.status.value != link.status:
        link.status = state.status.value
        target = REQUEST_STATUS_OF_ISSUE.get(state.status)
    estimate = None
    if state.estimate_hours is not None and state.estimate_hours != link.estimate_hours:
        link.estimate_hours = state.estimate_hours
        estimate = state.estimate_hours
    return Seen(news=True, request_target=target, estimate_hours=estimate)


def new_issue(*, request: IntakeRequest, description: str, team_id: str) -> NewIssue:
    return NewIssue(
        title=request.title,
        description=description,
        request_ref=f"REQ-{request.number}",
        card_url=card_url(request),
        estimate_hours=request.estimate_hours,
        idempotency_key=idempotency_key(team_id=team_id, request_id=request.id),
    )


def record_created(
    *, session: Session, request: IntakeRequest, kind: str, ref: IssueRef, now: datetime
) -> IssueLink:
    """The issue exists: its link starts at to do (where a new issue is), known to the bot."""
    link = link_of(session=session, team_id=request.team_id, request_id=request.id)
    if link is None:
        link = IssueLink(
            team_id=request.team_id,
            request_id=request.id,
            kind=kind,
            issue_id=ref.issue_id,
            identifier=ref.key,
            url=ref.url,
            status=IssueStatus.to_do.value,
            estimate_hours=None,
            created_at=now,
        )
        session.add(link)
        session.flush()
    return link


def record_problem(*, connection: TrackerConnection, problem: str, now: datetime) -> bool:
    """The tracker refused the bot. Returns True when an admin must be told now: the first
    problem since it last worked."""
    connection.problem = problem[:PROBLEM_MAX]
    if connection.problem_told_at is not None:
        return False
    connection.problem_told_at = now
    return True


def record_working(connection: TrackerConnection) -> bool:
    """The tracker answered well: a past problem is forgotten (the next is told again).
    Returns whether there was one (requests accepted meanwhile are owed their issues)."""
    if connection.problem is not None or connection.problem_told_at is not None:
        connection.problem = None
        connection.problem_told_at = None
        return True
    return False


MISSING_ISSUES_MAX = 200


def requests_missing_issues(*, session: Session, connection: TrackerConnection) -> list[int]:
    """Accepted or in-progress requests with no issue although issues are created on Accept
    (the tracker refused them while a problem lasted); the oldest MISSING_ISSUES_MAX."""
    if connection.create_on != CreateOn.accept:
        return []
    linked = select(IssueLink.request_id).where(IssueLink.team_id == connection.team_id)
    return list(
        session.scalars(
            select(IntakeRequest.id)
            .where(
                IntakeRequest.team_id == connection.team_id,
                IntakeRequest.status.in_([Status.accepted, Status.in_progress]),
                IntakeRequest.id.not_in(linked),
            )
            .order_by(IntakeRequest.id)
            .limit(MISSING_ISSUES_MAX)
        )
    )


def claim_poll(*, session: Session, team_id: str, now: datetime) -> TrackerConnection | None:
    """Take the workspace's poll for POLL_LEASE: None when another process polls it now (or
    no tracker is connected)."""
    taken = session.execute(
        update(TrackerConnection)
        .where(
            TrackerConnection.team_id == team_id,
            or_(TrackerConnection.polling_until.is_(None), TrackerConnection.polling_until <= now),
        )
        .values(polling_until=now + POLL_LEASE)
        .execution_options(synchronize_session=False)
    )
    if rows_affected(taken) != 1:
        return None
    return session.scalars(
        select(TrackerConnection)
        .where(TrackerConnection.team_id == team_id)
        .execution_options(populate_existing=True)
    ).one()


def read_from(connection: TrackerConnection) -> datetime:
    """Where the next poll starts (see READ_OVERLAP: what is read twice is old news)."""
    return connection.read_up_to - READ_OVERLAP


def poll_done(*, session: Session, team_id: str, up_to: datetime | None, now: datetime) -> None:
    """The poll read every page: the cursor moves to the newest change seen (never back)."""
    connection = session.get(TrackerConnection, team_id)
    if connection is None:
        return
    connection.polling_until = None
    connection.last_polled_at = now
    if up_to is not None and up_to > connection.read_up_to:
        connection.read_up_to = up_to


def release_poll(*, session: Session, team_id: str) -> None:
    """A poll that stopped on a passing failure lets the next tick try again."""
    connection = session.get(TrackerConnection, team_id)
    if connection is not None:
        connection.polling_until = None


def connected_teams(*, session: Session) -> list[str]:
    return list(session.scalars(select(TrackerConnection.team_id)))


def count_links(*, session: Session, team_id: str) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(IssueLink).where(IssueLink.team_id == team_id)
        )
        or 0
    )


def parse_connection(
    *, kind: str | None, project: str, issue_type: str, create_on: str | None, available: list[str]
) -> tuple[dict[str, str | None] | None, dict[str, str]]:
    """The settings form: a known tracker, a project key of letters, digits and _ (Jira's and
    Linear's keys), an optional issue type. Returns the values, or field errors (msgids)."""
    errors: dict[str, str] = {}
    project = project.strip().upper()
    if kind not in available:
        errors["kind"] = N_("Choose a tracker the bot's environment is set up for.")
    if not project or not all(c.isalnum() or c == "_" for c in project):
        errors["project"] = N_("Write the key, such as OPS (letters, digits or _).")
    if errors:
        return None, errors
    return {
        "kind": kind,
        "project": project,
        "issue_type": issue_type.strip() or None,
        "create_on": create_on
        if create_on in (CreateOn.accept, CreateOn.button)
        else CreateOn.accept,
    }, {}


def save_connection(
    *,
    session: Session,
    team_id: str,
    user_id: str,
    kind: str,
    project: str,
    issue_type: str | None,
    create_on: str,
    now: datetime,
) -> TrackerConnection:
    """One connection per workspace: saving replaces it; the poll reads changes from now on,
    and a past problem is forgotten (the next one is told again)."""
    ensure_workspace(session=session, team_id=team_id)
    connection = session.get(TrackerConnection, team_id)
    if connection is None:
        connection = TrackerConnection(team_id=team_id, connected_at=now, read_up_to=now)
        session.add(connection)
    elif connection.kind != kind or connection.project != project:
        connection.read_up_to = now
    connection.kind, connection.project = kind, project
    connection.issue_type, connection.create_on = issue_type, create_on
    connection.connected_by, connection.connected_at = user_id, now
    connection.problem = connection.problem_told_at = None
    return connection
