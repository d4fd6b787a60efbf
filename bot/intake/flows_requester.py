"""The requester's moves on their request: answering the team's "why?" (in the modal or in
the card's thread), withdrawing it, and answering "did this solve it?".

Each move runs one transaction: the rule (service.py), the ETAs it shifts and the messages it
owes (effects.py). Split from flows.py, which keeps what the flows share. No Slack here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from bot.actor import Actor
from bot.db import session_scope
from bot.errors import N_
from bot.intake import effects, etas, service, service_requester
from bot.intake.effects import Note
from bot.intake.flows import Factory, intake_channel
from bot.intake.models import IntakeRequest, RequestEvent
from bot.intake.service import Outcome


def question_to_answer(
    factory: Factory, actor: Actor, *, request_id: int
) -> tuple[IntakeRequest, RequestEvent | None]:
    with session_scope(factory) as session:
        return service_requester.question_to_answer(
            session=session, team_id=actor.team_id, request_id=request_id, user_id=actor.user_id
        )


def _owe_answer(session: Session, outcome: Outcome, *, now: datetime, in_thread: bool) -> None:
    """An answer to "why?": back to the team; the asker is told, and the thread when the answer
    came from the modal (a reply in the thread is already there)."""
    request = outcome.request
    asked = service.last_question(session=session, team_id=request.team_id, request_id=request.id)
    asker = asked.actor_id if asked else None
    note = None
    if not in_thread:
        note = Note(N_("{user} answered:"), request.requester_id, outcome.event.note)
    effects.owe_move(
        session=session,
        request=request,
        event_id=outcome.event.id,
        actor_id=None,
        channel_id=intake_channel(session, request.team_id),
        now=now,
        note=note,
        to_user=(
            asker,
            {
                "what": "outcome",
                "headline": N_("The requester answered your question on {ref} “{title}”:"),
                "note": outcome.event.note,
            },
        )
        if asker
        else None,
    )


def answer_question(
    factory: Factory, actor: Actor, *, request_id: int, answer: str, now: datetime
) -> Outcome:
    with session_scope(factory) as session:
        outcome = service_requester.answer_question(
            session=session,
            team_id=actor.team_id,
            request_id=request_id,
            user_id=actor.user_id,
            answer=answer,
            now=now,
        )
        _owe_answer(session, outcome, now=now, in_thread=False)
    return outcome


def answer_in_thread(
    factory: Factory,
    *,
    team_id: str,
    channel_id: str,
    thread_ts: str,
    user_id: str,
    text: str,
    now: datetime,
) -> Outcome | None:
    """A reply under a card: service_requester.answer_in_thread says whether it is the answer."""
    with session_scope(factory) as session:
        outcome = service_requester.answer_in_thread(
            session=session,
            team_id=team_id,
            channel_id=channel_id,
            thread_ts=thread_ts,
            user_id=user_id,
            text=text,
            now=now,
        )
        if outcome is not None:
            _owe_answer(session, outcome, now=now, in_thread=True)
    return outcome


def is_card_thread(factory: Factory, *, team_id: str, channel_id: str, thread_ts: str) -> bool:
    with session_scope(factory) as session:
        return (
            service.request_for_thread(
                session=session, team_id=team_id, channel_id=channel_id, thread_ts=thread_ts
            )
            is not None
        )


def _requester_move(
    factory: Factory,
    actor: Actor,
    now: datetime,
    move: Callable[[Session], Outcome],
    *,
    what: str,
    extra: Callable[[Session, Outcome], None] | None = None,
) -> Outcome:
    with session_scope(factory) as session:
        with etas.change(session=session, team_id=actor.team_id, now=now) as moved:
            outcome = move(session)
        effects.owe_move(
            session=session,
            request=outcome.request,
            event_id=outcome.event.id,
            actor_id=None,
            channel_id=intake_channel(session, actor.team_id),
            now=now,
            note=Note(what, outcome.request.requester_id),
            news=moved.news,
        )
        if extra is not None:
            extra(session, outcome)
    return outcome


def withdraw(factory: Factory, actor: Actor, *, request_id: int, now: datetime) -> Outcome:
    return _requester_move(
        factory,
        actor,
        now,
        lambda session: service_requester.withdraw(
            session=session,
            team_id=actor.team_id,
            request_id=request_id,
            user_id=actor.user_id,
            now=now,
        ),
        what=N_("{user} withdrew the request."),
    )


def confirm_solved(
    factory: Factory,
    actor: Actor,
    *,
    request_id: int,
    solved: bool,
    asked_in: tuple[str, str] | None,
    now: datetime,
) -> Outcome:
    """ "Did this solve it?": yes closes it for good, no reopens it; the question's message
    shows the answer (`asked_in`: its channel and ts)."""

    def answer_in_place(session: Session, outcome: Outcome) -> None:
        if asked_in is None:
            return
        channel, ts = asked_in
        effects.owe_dm(
            session=session,
            team_id=actor.team_id,
            user_id=actor.user_id,
            key=f"solved-{outcome.request.id}-{outcome.event.id}",
            payload={
                "what": "solved",
                "request_id": outcome.request.id,
                "solved": solved,
                "channel": channel,
                "ts": ts,
            },
            now=now,
        )

    return _requester_move(
        factory,
        actor,
        now,
        lambda session: service_requester.confirm_solved(
            session=session,
            team_id=actor.team_id,
            request_id=request_id,
            user_id=actor.user_id,
            solved=solved,
            now=now,
        ),
        what=N_("{user} confirmed it is solved.")
        if solved
        else N_("{user} says it did not solve the need: the request is reopened."),
        extra=answer_in_place,
    )
