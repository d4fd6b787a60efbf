"""Moves a request makes because its issue moved in the team's tracker (bot/trackers).

The tracker is the team's own tool: a move there is the team's move, so the request follows
through the same rules and owes the same messages as a button on the card (the thread note,
the requester's DM, the card, the queue's ETA news, Home tabs). Runs in the caller's
transaction, which also records what the tracker said, so a change is applied once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.errors import N_
from bot.intake import configuration, effects, etas, service
from bot.intake.effects import Note
from bot.intake.models import IntakeRequest, Status
from bot.intake.service import Outcome

# What the issue's status asks of the request, by the request's status now.
FOLLOWS: dict[str, frozenset[str]] = {
    Status.in_progress: frozenset({Status.accepted}),
    Status.done: frozenset({Status.accepted, Status.in_progress}),
    Status.declined: frozenset({Status.accepted, Status.in_progress}),
}
NOTES: dict[str, str] = {
    Status.in_progress: N_("Work started in the tracker:"),
    Status.done: N_("The issue was closed as done in the tracker:"),
    Status.declined: N_("The issue was closed as won't do in the tracker:"),
}


def request_follows(request: IntakeRequest, target: str) -> bool:
    """Whether a request in its status follows an issue that moved to `target` (to do and
    back moves nothing; a closed request is not reopened by its issue)."""
    return request.status in FOLLOWS.get(target, frozenset())


def move_from_tracker(
    session: Session, *, request: IntakeRequest, target: str, issue_name: str, now: datetime
) -> Outcome | None:
    """Move the request to `target` ("in_progress", "done", "declined") as its issue did;
    None when its status does not follow (see request_follows). `issue_name` ("Jira OPS-12")
    is the note the requester and the thread read."""
    # The request as it is now, held: a move made in Slack meanwhile is seen, not undone.
    session.refresh(request, with_for_update=True)
    if not request_follows(request, target):
        return None
    team_id = request.team_id
    common: dict[str, Any] = {
        "session": session,
        "team_id": team_id,
        "request_id": request.id,
        "actor_id": None,
        "actor_is_revops": True,
        "now": now,
    }
    moves: dict[str, Callable[[], Outcome]] = {
        Status.in_progress: lambda: service.start_work(**common),
        Status.done: lambda: service.mark_done(**common, outcome_note=issue_name),
        Status.declined: lambda: service.decline(**common, reason=issue_name),
    }
    with etas.change(session=session, team_id=team_id, now=now) as moved:
        outcome = moves[target]()
    if target == Status.done:
        to_requester: dict[str, Any] = {"what": "done", "note": issue_name}
    elif target == Status.declined:
        headline = N_("Your request {ref} “{title}” was declined. The reason:")
        to_requester = {"what": "outcome", "headline": headline, "note": issue_name}
    else:
        headline = N_("Work started on your request {ref} “{title}”.")
        to_requester = {"what": "outcome", "headline": headline}
    effects.owe_move(
        session=session,
        request=outcome.request,
        event_id=outcome.event.id,
        actor_id=None,
        channel_id=configuration.settings_of(session=session, team_id=team_id).intake_channel_id,
        now=now,
        news=moved.news,
        note=Note(NOTES[target], None, issue_name),
        to_requester=to_requester,
    )
    return outcome


def estimate_from_tracker(
    session: Session, *, request: IntakeRequest, hours: float, now: datetime
) -> bool:
    """The issue's estimate (time tracking, or story points in hours) becomes the request's,
    so the queue's ETAs use it; the requesters whose ETA moved are told as after any change.
    Returns whether it changed anything."""
    if request.status not in (Status.accepted, Status.in_progress):
        return False
    if request.estimate_hours is not None and abs(request.estimate_hours - hours) < 0.01:
        return False
    with etas.change(session=session, team_id=request.team_id, now=now) as moved:
        request.estimate_hours = hours
        session.flush()
    effects.owe_eta_news(
        session=session,
        team_id=request.team_id,
        news=moved.news,
        channel_id=configuration.settings_of(
            session=session, team_id=request.team_id
        ).intake_channel_id,
        now=now,
    )
    effects.owe_card(
        session=session,
        request=request,
        channel_id=configuration.settings_of(
            session=session, team_id=request.team_id
        ).intake_channel_id,
        now=now,
    )
    return True
