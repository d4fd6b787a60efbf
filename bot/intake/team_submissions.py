"""The RevOps team's modal submissions: apply the move, answer the modal, tell everyone.

The move and the ETA refresh happen in one short transaction before the ack (a refusal is
shown on the modal's field, nothing stored); Slack posts happen after the ack, outside it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.db import session_scope
from bot.errors import N_, UserFacingError
from bot.i18n import Translator
from bot.intake import etas, filing, notify, service, views_card
from bot.intake.filing import InvalidInput
from bot.intake.ids import Block, Callback
from bot.intake.models import Status
from bot.intake.service import Outcome
from bot.intake.state import ModalRef
from bot.services import Services
from bot.slack.channels import channel_access, join


def _refuse_on_modal(
    ack: Ack, t: Translator, error: Exception, *, first_block: str, fields: dict[str, str]
) -> None:
    if isinstance(error, InvalidInput):
        errors = {
            fields.get(name, first_block): t.gettext(e.message).format(**e.params)
            for name, e in error.errors.items()
        }
    else:
        assert isinstance(error, UserFacingError)
        errors = {first_block: t.gettext(error.message).format(**error.params)}
    ack(response_action="errors", errors=errors)


def apply_change(
    services: Services,
    ack: Ack,
    t: Translator,
    change: Callable[[Session], Any],
    *,
    team_id: str,
    first_block: str,
    fields: dict[str, str] | None = None,
    refresh_etas: bool = False,
) -> tuple[Any, list[etas.EtaNews]] | None:
    """Apply a move (and refresh ETAs) in one transaction; refuse on the modal if it fails."""
    try:
        with session_scope(services.session_factory) as session:
            if refresh_etas:
                with etas.change(session=session, team_id=team_id, now=datetime.now(UTC)) as moved:
                    result = change(session)
                news = moved.news
            else:
                result, news = change(session), []
    except (InvalidInput, UserFacingError) as error:
        _refuse_on_modal(ack, t, error, first_block=first_block, fields=fields or {})
        return None
    ack()
    return result, news


def after_move(
    services: Services,
    client: WebClient,
    *,
    outcome: Outcome,
    actor_id: str,
    thread: Callable[[Translator], views_card.Message] | None = None,
    to_requester: Callable[[Translator], views_card.Message] | None = None,
    news: list[etas.EtaNews] | None = None,
) -> None:
    """What everyone sees after a move: thread note, requester DM, card, ETA news, Home tabs."""
    request, team_id = outcome.request, outcome.request.team_id
    if thread:
        notify.in_thread(services, client, team_id=team_id, request=request, build=thread)
    if to_requester:
        notify.dm(
            services, client, team_id=team_id, user_id=request.requester_id, build=to_requester
        )
    notify.refresh_card(services, client, team_id=team_id, request_id=request.id)
    notify.tell_eta_news(services, client, team_id=team_id, news=news or [], skip=[request.id])
    notify.publish_homes(
        services,
        client,
        team_id=team_id,
        user_ids=[actor_id, request.requester_id, request.assignee_id],
    )


def _ask_why(
    services: Services,
    client: WebClient,
    ack: Ack,
    t: Translator,
    *,
    meta: ModalRef,
    values: dict[str, Any],
    team_id: str,
    user_id: str,
    revops: bool,
) -> None:
    question = values.get(Block.note) or ""
    done = apply_change(
        services,
        ack,
        t,
        lambda session: service.ask_why(
            session=session,
            team_id=team_id,
            request_id=meta.request_id,
            actor_id=user_id,
            actor_is_revops=revops,
            question=question,
            now=datetime.now(UTC),
        ),
        team_id=team_id,
        first_block=Block.note,
    )
    if done is None:
        return
    outcome: Outcome = done[0]
    after_move(
        services,
        client,
        outcome=outcome,
        actor_id=user_id,
        thread=lambda tt: views_card.note_in_thread(
            tt,
            author_id=user_id,
            what=tt.gettext("{user} asked the requester why:"),
            note=question,
        ),
        to_requester=lambda tt: views_card.question_to_requester(
            tt, outcome.request, asker_id=user_id, question=question
        ),
    )


def _closing(
    change: Callable[..., Outcome],
    *,
    note_field: str,
    thread_text: str,
    requester_text: str,
) -> Callable[..., None]:
    """Self-service, decline, done: one note, a move, the same notifications."""

    def handle(
        services: Services,
        client: WebClient,
        ack: Ack,
        t: Translator,
        *,
        meta: ModalRef,
        values: dict[str, Any],
        team_id: str,
        user_id: str,
        revops: bool,
    ) -> None:
        note = values.get(Block.note) or ""
        done = apply_change(
            services,
            ack,
            t,
            lambda session: change(
                session=session,
                team_id=team_id,
                request_id=meta.request_id,
                actor_id=user_id,
                actor_is_revops=revops,
                now=datetime.now(UTC),
                **{note_field: note},
            ),
            team_id=team_id,
            first_block=Block.note,
            refresh_etas=True,
        )
        if done is None:
            return
        outcome, news = done
        if outcome.request.status == Status.done:
            to_requester = lambda tt: views_card.done_to_requester(  # noqa: E731
                tt, outcome.request, note=note
            )
        else:
            to_requester = lambda tt: views_card.outcome_to_requester(  # noqa: E731
                tt, outcome.request, headline_text=tt.gettext(requester_text), note=note
            )
        after_move(
            services,
            client,
            outcome=outcome,
            actor_id=user_id,
            news=news,
            thread=lambda tt: views_card.note_in_thread(
                tt, author_id=user_id, what=tt.gettext(thread_text), note=note
            ),
            to_requester=to_requester,
        )

    return handle


def _accept(
    services: Services,
    client: WebClient,
    ack: Ack,
    t: Translator,
    *,
    meta: ModalRef,
    values: dict[str, Any],
    team_id: str,
    user_id: str,
    revops: bool,
) -> None:
    estimate = filing.estimate_hours(
        size=values.get(Block.size), hours=values.get(Block.hours) or ""
    )
    if isinstance(estimate, filing.FieldError):
        ack(
            response_action="errors",
            errors={Block.hours: t.gettext(estimate.message).format(**estimate.params)},
        )
        return
    assignee = values.get(Block.assignee)
    done = apply_change(
        services,
        ack,
        t,
        lambda session: service.accept(
            session=session,
            team_id=team_id,
            request_id=meta.request_id,
            actor_id=user_id,
            actor_is_revops=revops,
            estimate=estimate,
            assignee_id=assignee,
            now=datetime.now(UTC),
        ),
        team_id=team_id,
        first_block=Block.assignee,
        refresh_etas=True,
    )
    if done is None:
        return
    outcome, news = done
    eta = next((item.eta for item in news if item.request.id == outcome.request.id), None)
    after_move(
        services,
        client,
        outcome=outcome,
        actor_id=user_id,
        news=news,
        thread=lambda tt: views_card.note_in_thread(
            tt, author_id=user_id, what=tt.gettext("{user} accepted the request."), note=None
        ),
        to_requester=lambda tt: views_card.accepted_to_requester(tt, outcome.request, eta=eta),
    )


def _answer_doc(
    services: Services,
    client: WebClient,
    ack: Ack,
    t: Translator,
    *,
    meta: ModalRef,
    values: dict[str, Any],
    team_id: str,
    user_id: str,
    revops: bool,
) -> None:
    url = values.get(Block.doc_url) or ""
    picked = values.get(Block.doc_pick)
    summary = values.get(Block.doc_summary) or ""
    share_to = values.get(Block.share_channel)
    share_message = values.get(Block.share_message) or ""
    if share_to:
        access = channel_access(client, share_to)
        if access.can_join:
            join(client, share_to)
        elif not access.can_post:
            ack(
                response_action="errors",
                errors={
                    Block.share_channel: t.gettext(
                        "Invite the bot to this private channel first (/invite), or pick "
                        "another one."
                    )
                },
            )
            return
    done = apply_change(
        services,
        ack,
        t,
        lambda session: service.answer_with_doc(
            session=session,
            team_id=team_id,
            request_id=meta.request_id,
            actor_id=user_id,
            actor_is_revops=revops,
            url=url,
            doc_id=int(picked) if picked and str(picked).isdigit() else None,
            summary=summary,
            now=datetime.now(UTC),
        ),
        team_id=team_id,
        first_block=Block.doc_summary,
        fields={
            "doc_url": Block.doc_url,
            "doc_summary": Block.doc_summary,
            "note": Block.doc_summary,
        },
    )
    if done is None:
        return
    outcome, doc = done[0]
    after_move(
        services,
        client,
        outcome=outcome,
        actor_id=user_id,
        thread=lambda tt: views_card.note_in_thread(
            tt,
            author_id=user_id,
            what=tt.gettext("{user} answered with a doc: {doc}"),
            note=summary,
            doc_url=doc.url,
        ),
        to_requester=lambda tt: views_card.outcome_to_requester(
            tt,
            outcome.request,
            headline_text=tt.gettext(
                "Your request {ref} “{title}” already has an answer: this doc."
            ),
            note=summary,
            doc_url=doc.url,
        ),
    )
    if share_to:
        ct = notify.channel_translator(services, team_id=team_id)
        text, blocks = views_card.shared_doc(
            ct, sharer_id=user_id, url=doc.url, summary=summary, message=share_message
        )
        notify.quietly(
            "sharing a doc",
            lambda: client.chat_postMessage(channel=share_to, text=text, blocks=blocks),
        )


SUBMISSIONS: dict[Callback, Callable[..., None]] = {
    Callback.ask_why: _ask_why,
    Callback.answer_doc: _answer_doc,
    Callback.accept: _accept,
    Callback.self_service: _closing(
        service.suggest_self_service,
        note_field="steps",
        thread_text=N_("{user} suggested self-service:"),
        requester_text=N_("Good news: you can do {ref} “{title}” yourself. Here is how:"),
    ),
    Callback.decline: _closing(
        service.decline,
        note_field="reason",
        thread_text=N_("{user} declined the request:"),
        requester_text=N_("Your request {ref} “{title}” was declined. The reason:"),
    ),
    Callback.done: _closing(
        service.mark_done,
        note_field="outcome_note",
        thread_text=N_("{user} marked the request as done:"),
        requester_text=N_("Your request {ref} “{title}” is done."),
    ),
}
