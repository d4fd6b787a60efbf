"""The requester's moves on their request: answering the team's "why?" (in the modal or in
the card's thread), withdrawing it, and answering "did this solve it?"; and the bot's closing
of a request whose requester never answered.

Split from service.py, which keeps the score, who may triage, the team's moves and how every
move is made (lock_request, then apply_move, which checks it against the state machine and
records it). No Slack here.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.errors import N_, Np_, UserFacingError
from bot.intake.inputs import NOTE_MAX
from bot.intake.models import IntakeRequest, RequestEvent, Status
from bot.intake.reads import last_question, request_for_thread
from bot.intake.service import (
    NOT_FOUND,
    Outcome,
    apply_move,
    checked_note,
    find_request,
    lock_request,
)
from bot.intake.states import IllegalTransition, check_transition

REQUESTER_ONLY = N_("Only the person who filed REQ-{number} can do this.")
ALREADY_SOLVED = N_("REQ-{number} is already marked as solved. Thanks!")


def _require_requester(request: IntakeRequest, user_id: str) -> None:
    if request.requester_id != user_id:
        raise UserFacingError(REQUESTER_ONLY, number=request.number)


def answer_question(
    *,
    session: Session,
    team_id: str,
    request_id: int,
    user_id: str,
    answer: str,
    now: datetime,
) -> Outcome:
    """The requester answers (modal or thread reply): the request is back with the team."""
    checked_note(answer)
    request = lock_request(session, team_id, request_id)
    _require_requester(request, user_id)
    return apply_move(session, request, to=Status.new, actor_id=user_id, note=answer, now=now)


def question_to_answer(
    *, session: Session, team_id: str, request_id: int, user_id: str
) -> tuple[IntakeRequest, RequestEvent | None]:
    """The request a requester is about to answer (the Answer button), with the question asked.

    Only its requester answers, and only while it waits on them (else the usual refusal).
    """
    request = find_request(session=session, team_id=team_id, request_id=request_id)
    if request is None:
        raise UserFacingError(NOT_FOUND)
    _require_requester(request, user_id)
    check_transition(number=request.number, current=request.status, target=Status.new)
    return request, last_question(session=session, team_id=team_id, request_id=request.id)


def answer_in_thread(
    *,
    session: Session,
    team_id: str,
    channel_id: str,
    thread_ts: str,
    user_id: str,
    text: str,
    now: datetime,
) -> Outcome | None:
    """A reply in a card's thread is the requester's answer when it comes from the requester
    while the request waits on them; anything else (someone else, a comment once the request
    is back with the team, a retried event) is a conversation, not a move: None."""
    request = request_for_thread(
        session=session, team_id=team_id, channel_id=channel_id, thread_ts=thread_ts
    )
    if request is None or request.requester_id != user_id or request.status != Status.waiting:
        return None
    if not text.strip():
        return None  # a file or an emoji alone says nothing the team can read
    try:
        return answer_question(
            session=session,
            team_id=team_id,
            request_id=request.id,
            user_id=user_id,
            answer=text[:NOTE_MAX],
            now=now,
        )
    except UserFacingError:
        return None  # raced with another answer: already back with the team


def withdraw(
    *, session: Session, team_id: str, request_id: int, user_id: str, now: datetime
) -> Outcome:
    """The requester no longer needs it."""
    request = lock_request(session, team_id, request_id)
    _require_requester(request, user_id)
    return apply_move(session, request, to=Status.withdrawn, actor_id=user_id, note=None, now=now)


AUTO_CLOSE_NOTE = Np_(
    "Closed automatically: no answer from the requester for {days} working day.",
    "Closed automatically: no answer from the requester for {days} working days.",
    "days",
)


def auto_close(
    *, session: Session, team_id: str, request_id: int, note: str, now: datetime
) -> Outcome | None:
    """The bot closes a request still waiting on its requester (None if it moved meanwhile).

    `note` is AUTO_CLOSE_NOTE in the workspace's language: the history is read by anyone.
    """
    request = lock_request(session, team_id, request_id)
    if request.status != Status.waiting:
        return None
    return apply_move(session, request, to=Status.withdrawn, actor_id=None, note=note, now=now)


def confirm_solved(
    *,
    session: Session,
    team_id: str,
    request_id: int,
    user_id: str,
    solved: bool,
    now: datetime,
) -> Outcome:
    """ "Did this solve it?" Yes is recorded once (in the history too, from done to done); no
    reopens the request (done → accepted). Either answer is in the history."""
    request = lock_request(session, team_id, request_id)
    _require_requester(request, user_id)
    if solved:
        if request.status != Status.done:
            raise IllegalTransition(number=request.number, current=request.status)
        if request.solved:
            raise UserFacingError(ALREADY_SOLVED, number=request.number)
        request.solved = True
        event = RequestEvent(
            team_id=team_id,
            request_id=request.id,
            actor_id=user_id,
            from_status=Status.done,
            to_status=Status.done,
            solved=True,
            created_at=now,
        )
        session.add(event)
        session.flush()
        return Outcome(request, request.status, event)
    outcome = apply_move(session, request, to=Status.accepted, actor_id=user_id, note=None, now=now)
    outcome.event.solved = False
    return outcome
