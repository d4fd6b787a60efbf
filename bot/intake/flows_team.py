"""The RevOps team's moves on a request: the button that opens a move's modal, then asking
why, accepting, starting work, closing (self-service, decline, done) and answering with a doc.

Each move runs one transaction: the RevOps check (flows.is_revops), the rule (service.py),
the ETAs it shifts (etas.change) and the messages it owes (effects.py). Split from flows.py,
which keeps the check they share. No Slack here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.actor import Actor
from bot.db import read_scope, session_scope
from bot.errors import N_, UserFacingError
from bot.intake import configuration, effects, etas, knowledge, service
from bot.intake.effects import Note
from bot.intake.flows import Factory, intake_channel, is_revops, revops_check
from bot.intake.models import IntakeRequest, KnowledgeDoc, Status
from bot.intake.service import Outcome


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


@dataclass(frozen=True)
class MoveModal:
    """What a team button needs to open its modal: the request, checked, and the doc picker."""

    request: IntakeRequest
    docs: list[KnowledgeDoc]


def team_button(factory: Factory, actor: Actor, *, request_id: int, target: str) -> MoveModal:
    """A team button pressed on a card or in Home: only the RevOps team, only a move the
    request's status allows (a stale button gets a clear refusal and no modal)."""
    with read_scope(factory) as session:  # a read that does not queue behind writers
        settings = configuration.stored_settings(session=session, team_id=actor.team_id)
        revops, stale_members = (
            revops_check(settings, actor) if settings is not None else (actor.is_admin, None)
        )
        request = service.find_request(
            session=session, team_id=actor.team_id, request_id=request_id
        )
        docs = (
            knowledge.docs_for_picker(session=session, team_id=actor.team_id)
            if revops and request is not None and target == Status.answered_doc
            else []
        )
    if stale_members is not None:  # the group changed since the snapshot: rare, written apart
        with session_scope(factory) as session:
            configuration.set_revops_members(
                session=session, team_id=actor.team_id, member_ids=stale_members
            )
    if not revops:
        raise UserFacingError(service.REVOPS_ONLY)
    if request is None:
        raise UserFacingError(service.NOT_FOUND)
    service.check_transition(number=request.number, current=request.status, target=target)
    return MoveModal(request, docs)


def _team_move(
    factory: Factory,
    actor: Actor,
    now: datetime,
    move: Callable[[Session, bool], Outcome],
    owed: Callable[[Outcome, list[etas.EtaNews]], dict[str, object]],
    *,
    refresh_etas: bool,
) -> Outcome:
    """One move by the team: the RevOps check, the move, the ETAs it shifts, what it owes."""
    with session_scope(factory) as session:
        revops = is_revops(session, actor)
        if refresh_etas:
            with etas.change(session=session, team_id=actor.team_id, now=now) as moved:
                outcome = move(session, revops)
            news = moved.news
        else:
            outcome, news = move(session, revops), []
        effects.owe_move(
            session=session,
            request=outcome.request,
            event_id=outcome.event.id,
            actor_id=actor.user_id,
            channel_id=intake_channel(session, actor.team_id),
            now=now,
            news=news,
            **owed(outcome, news),  # type: ignore[arg-type]
        )
    return outcome


def ask_why(
    factory: Factory, actor: Actor, *, request_id: int, question: str, now: datetime
) -> Outcome:
    return _team_move(
        factory,
        actor,
        now,
        lambda session, revops: service.ask_why(
            session=session,
            team_id=actor.team_id,
            request_id=request_id,
            actor_id=actor.user_id,
            actor_is_revops=revops,
            question=question,
            now=now,
        ),
        lambda outcome, _: {
            "note": Note(N_("{user} asked the requester why:"), actor.user_id, question),
            "to_requester": {"what": "question", "asker_id": actor.user_id, "question": question},
        },
        refresh_etas=False,
    )


def accept(
    factory: Factory,
    actor: Actor,
    *,
    request_id: int,
    estimate: float,
    assignee_id: str | None,
    now: datetime,
) -> Outcome:
    def owed(outcome: Outcome, news: list[etas.EtaNews]) -> dict[str, object]:
        eta = next((item.eta for item in news if item.request.id == outcome.request.id), None)
        return {
            "note": Note(N_("{user} accepted the request."), actor.user_id),
            "to_requester": {"what": "accepted", "eta": _iso(eta)},
        }

    return _team_move(
        factory,
        actor,
        now,
        lambda session, revops: service.accept(
            session=session,
            team_id=actor.team_id,
            request_id=request_id,
            actor_id=actor.user_id,
            actor_is_revops=revops,
            estimate=estimate,
            assignee_id=assignee_id,
            now=now,
        ),
        owed,
        refresh_etas=True,
    )


def start_work(factory: Factory, actor: Actor, *, request_id: int, now: datetime) -> Outcome:
    return _team_move(
        factory,
        actor,
        now,
        lambda session, revops: service.start_work(
            session=session,
            team_id=actor.team_id,
            request_id=request_id,
            actor_id=actor.user_id,
            actor_is_revops=revops,
            now=now,
        ),
        lambda outcome, _: {
            "to_requester": {
                "what": "outcome",
                "headline": N_("Work started on your request {ref} “{title}”."),
                "follower_headline": N_("Work started on it."),
            }
        },
        refresh_etas=True,
    )


CLOSINGS: dict[str, tuple[Callable[..., Outcome], str, str, str]] = {
    # move, its note's field, the note in the thread, the requester's headline
    "self_service": (
        service.suggest_self_service,
        "steps",
        N_("{user} suggested self-service:"),
        N_("Good news: you can do {ref} “{title}” yourself. Here is how:"),
    ),
    "decline": (
        service.decline,
        "reason",
        N_("{user} declined the request:"),
        N_("Your request {ref} “{title}” was declined. The reason:"),
    ),
    "done": (
        service.mark_done,
        "outcome_note",
        N_("{user} marked the request as done:"),
        N_("Your request {ref} “{title}” is done."),
    ),
}


# The same headlines for the request's watchers (views_follow).
FOLLOWER_HEADLINES = {
    "self_service": N_("The team suggests its requester do it alone. Here is how:"),
    "decline": N_("It was declined. The reason:"),
    "done": N_("It is done."),
}


def close(
    factory: Factory, actor: Actor, *, how: str, request_id: int, note: str, now: datetime
) -> Outcome:
    """Self-service, decline, done: one note, a move that frees capacity, the same messages."""
    move, note_field, thread_text, headline = CLOSINGS[how]

    def owed(outcome: Outcome, _: list[etas.EtaNews]) -> dict[str, object]:
        if outcome.request.status == Status.done:
            to_requester: dict[str, object] = {"what": "done", "note": note}
        else:
            to_requester = {
                "what": "outcome",
                "headline": headline,
                "follower_headline": FOLLOWER_HEADLINES[how],
                "note": note,
            }
        return {
            "note": Note(thread_text, actor.user_id, note),
            "to_requester": to_requester,
        }

    return _team_move(
        factory,
        actor,
        now,
        lambda session, revops: move(
            session=session,
            team_id=actor.team_id,
            request_id=request_id,
            actor_id=actor.user_id,
            actor_is_revops=revops,
            now=now,
            **{note_field: note},
        ),
        owed,
        refresh_etas=True,
    )


def answer_with_doc(
    factory: Factory,
    actor: Actor,
    *,
    request_id: int,
    url: str,
    doc_id: int | None,
    summary: str,
    share_to: str | None,
    share_message: str,
    now: datetime,
) -> Outcome:
    """The answer already exists: the request closes with the doc, the doc joins the knowledge
    base, and (optionally) it is shared in a channel so the next person does not ask."""
    with session_scope(factory) as session:
        revops = is_revops(session, actor)
        outcome, doc = service.answer_with_doc(
            session=session,
            team_id=actor.team_id,
            request_id=request_id,
            actor_id=actor.user_id,
            actor_is_revops=revops,
            url=url,
            doc_id=doc_id,
            summary=summary,
            now=now,
        )
        effects.owe_move(
            session=session,
            request=outcome.request,
            event_id=outcome.event.id,
            actor_id=actor.user_id,
            channel_id=intake_channel(session, actor.team_id),
            now=now,
            note=Note(N_("{user} answered with a doc: {doc}"), actor.user_id, summary, doc.url),
            to_requester={
                "what": "outcome",
                "headline": N_("Your request {ref} “{title}” already has an answer: this doc."),
                "follower_headline": N_("It already has an answer: this doc."),
                "note": summary,
                "doc_url": doc.url,
            },
        )
        if share_to:
            effects.owe_post(
                session=session,
                team_id=actor.team_id,
                channel_id=share_to,
                key=f"share-{outcome.request.id}-{outcome.event.id}",
                payload={
                    "what": "shared_doc",
                    "sharer_id": actor.user_id,
                    "url": doc.url,
                    "summary": summary,
                    "message": share_message,
                },
                now=now,
            )
    return outcome
