"""Run intake's use cases: read once, apply the rules, write the change and what it owes.

Each flow runs one transaction (filing runs a read and then the write, so that the filer check,
which may ask Slack, happens between them) and writes the Slack messages the change owes as
outbox rows in that same transaction (effects.py says which). Refusals are raised as
`InvalidInput` (by field) or `UserFacingError`; nothing is stored then. No Slack here: the
listeners parse, call a flow, and render its outcome.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker

from bot.actor import Actor
from bot.db import read_scope, session_scope
from bot.errors import N_, UserFacingError
from bot.home.effects import owe_homes
from bot.intake import (
    configuration,
    effects,
    etas,
    knowledge,
    queue,
    report,
    service,
)
from bot.intake.effects import Note
from bot.intake.models import IntakeRequest, KnowledgeDoc, RequestEvent, Status
from bot.intake.service import Outcome

Factory = sessionmaker[Session]
T = TypeVar("T")


def is_revops(session: Session, actor: Actor) -> bool:
    """Is the actor on the RevOps team? Keeps the group snapshot the Home tab reads current."""
    settings = configuration.settings_of(session=session, team_id=actor.team_id)
    revops, members = _revops_check(settings, actor)
    if members is not None:
        configuration.set_revops_members(session=session, team_id=actor.team_id, member_ids=members)
    return revops


def _revops_check(
    settings: configuration.IntakeSettings, actor: Actor
) -> tuple[bool, frozenset[str] | None]:
    """Whether the actor is on the RevOps team, and the group's members when the snapshot the
    Home tab reads is out of date (None when it is current)."""
    group = settings.revops_usergroup_id
    members = actor.members_of(group) if group else frozenset()
    revops = service.is_revops_member(
        settings=settings, user_id=actor.user_id, is_admin=actor.is_admin, group_members=members
    )
    stale = group and set(settings.revops_member_ids or []) != members
    return revops, members if stale else None


def _channel(session: Session, team_id: str) -> str | None:
    return configuration.settings_of(session=session, team_id=team_id).intake_channel_id


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


# ---------------------------------------------------------------- the team's moves


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
            _revops_check(settings, actor) if settings is not None else (actor.is_admin, None)
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
            channel_id=_channel(session, actor.team_id),
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
            channel_id=_channel(session, actor.team_id),
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


# ---------------------------------------------------------------- the requester's moves


def question_to_answer(
    factory: Factory, actor: Actor, *, request_id: int
) -> tuple[IntakeRequest, RequestEvent | None]:
    with session_scope(factory) as session:
        return service.question_to_answer(
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
        channel_id=_channel(session, request.team_id),
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
        outcome = service.answer_question(
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
    """A reply under a card: service.answer_in_thread says whether it is the answer."""
    with session_scope(factory) as session:
        outcome = service.answer_in_thread(
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
            channel_id=_channel(session, actor.team_id),
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
        lambda session: service.withdraw(
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
        lambda session: service.confirm_solved(
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


# ---------------------------------------------------------------- settings and Home


def save_settings(
    factory: Factory,
    actor: Actor,
    *,
    checked: configuration.CheckedSettings,
    revops_member_ids: frozenset[str],
    report_tz: str,
    now: datetime,
) -> None:
    """Admins' settings: saved, the run report scheduled, ETAs the change moves told, and the
    cards of requests filed before the intake channel was chosen posted there, oldest first."""
    with session_scope(factory) as session:
        before = _channel(session, actor.team_id)
        with etas.change(session=session, team_id=actor.team_id, now=now) as moved:
            saved = configuration.save_settings(
                session=session,
                team_id=actor.team_id,
                checked=checked,
                revops_member_ids=revops_member_ids,
                now=now,
            )
            channel = saved.intake_channel_id
            if channel:
                report.schedule_run_report(
                    session=session,
                    team_id=actor.team_id,
                    channel_id=channel,
                    tz=saved.tz or report_tz,
                    now=now,
                )
        if channel and channel != before:
            effects.cards_for_channel(
                session=session, team_id=actor.team_id, channel_id=channel, now=now
            )
        effects.owe_eta_news(
            session=session, team_id=actor.team_id, news=moved.news, channel_id=channel, now=now
        )
        owe_homes(session=session, team_id=actor.team_id, user_ids=[actor.user_id], now=now)


def set_queue_page(factory: Factory, actor: Actor, *, page: int, now: datetime) -> None:
    with session_scope(factory) as session:
        queue.set_page(session=session, team_id=actor.team_id, user_id=actor.user_id, page=page)
        owe_homes(session=session, team_id=actor.team_id, user_ids=[actor.user_id], now=now)


def revops_group_changed(
    factory: Factory, *, team_id: str, usergroup_id: str, members: Callable[[], frozenset[str]]
) -> None:
    """Someone joined or left the RevOps group: the snapshot Home tabs read follows."""
    with session_scope(factory) as session:
        settings = configuration.settings_of(session=session, team_id=team_id)
        if settings.revops_usergroup_id != usergroup_id:
            return
    current = members()  # Slack, between transactions
    with session_scope(factory) as session:
        configuration.set_revops_members(session=session, team_id=team_id, member_ids=current)


def watches_group(factory: Factory, *, team_id: str, usergroup_id: str) -> bool:
    with session_scope(factory) as session:
        return configuration.is_watched_group(
            session=session, team_id=team_id, usergroup_id=usergroup_id
        )
