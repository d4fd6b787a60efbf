"""What a change owes on the trackers' side: the one place that says it.

- A request moved (intake calls `request_moved` in the move's transaction): when a tracker is
  connected and the request has, or should have, an issue, the issue's sync is owed: one
  versioned row per request (`trackers-issue`), so many moves coalesce and the issue ends in
  the request's latest state; the outbox retries it while the tracker is down.
- The issue was created, deleted, or its key changed: the request's card shows it.
- The tracker refused the bot: the admin who connected it hears it once (`trackers-message`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.home.effects import owe_homes
from bot.intake import configuration as intake_configuration
from bot.intake.effects import owe_card
from bot.intake.models import IntakeRequest
from bot.outbox.service import owe_message, owe_refresh
from bot.trackers import service
from bot.trackers.models import TrackerConnection

SYNC_KIND = "trackers-issue"
MESSAGE_KIND = "trackers-message"
SYNC_RECIPIENT = "tracker"


def owe_sync(*, session: Session, team_id: str, request_id: int, now: datetime) -> None:
    """The request's issue must match the request's state (created first if it has none)."""
    owe_refresh(
        session=session,
        kind=SYNC_KIND,
        team_id=team_id,
        recipient=SYNC_RECIPIENT,
        subject=str(request_id),
        now=now,
    )


def request_moved(session: Session, request: IntakeRequest, now: datetime) -> None:
    """Intake's follower (bot/intake/followers.py): a move of a request owes its issue's sync
    when a tracker is connected and the request has an issue or should get one."""
    connection = service.connection_of(session=session, team_id=request.team_id)
    if connection is None:
        return
    link = service.link_of(session=session, team_id=request.team_id, request_id=request.id)
    if link is None and not service.wants_issue(
        connection=connection, request=request, asked=False
    ):
        return
    if link is not None and link.deleted_at is not None:
        return  # deleted in the tracker: nothing to follow
    owe_sync(session=session, team_id=request.team_id, request_id=request.id, now=now)


def owe_request_shown(*, session: Session, request: IntakeRequest, now: datetime) -> None:
    """The request's card and its requester's and assignee's Home show the issue anew."""
    channel_id = intake_configuration.settings_of(
        session=session, team_id=request.team_id
    ).intake_channel_id
    owe_card(session=session, request=request, channel_id=channel_id, now=now)
    owe_homes(
        session=session,
        team_id=request.team_id,
        user_ids=[request.requester_id, request.assignee_id],
        now=now,
    )


def owe_problem_told(*, session: Session, connection: TrackerConnection, now: datetime) -> None:
    """The admin who connected the tracker hears what it refused, once per problem."""
    if connection.connected_by is None:
        return
    owe_message(
        session=session,
        kind=MESSAGE_KIND,
        team_id=connection.team_id,
        recipient=connection.connected_by,
        key=f"problem-{now.isoformat()}",
        payload={"what": "problem", "kind": connection.kind, "problem": connection.problem},
        now=now,
    )
