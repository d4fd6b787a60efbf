"""The requester's side: answer a question (modal or thread), withdraw, "did this solve it?"."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.db import session_scope
from bot.errors import N_, UserFacingError
from bot.intake import etas, filing, notify, service, views_card, views_modal
from bot.intake.ids import Action, Block, Callback
from bot.intake.models import IntakeRequest
from bot.intake.service import Outcome
from bot.intake.state import ModalRef, RequestRef, parse
from bot.services import Services
from bot.slack.forms import submitted_values

WITHDRAW_ACTIONS = re.compile(rf"^{Action.withdraw}(_\d+)?$")


def _tell_asker(
    services: Services, client: WebClient, *, outcome: Outcome, asker: str | None
) -> None:
    if not asker:
        return
    request = outcome.request
    notify.dm(
        services,
        client,
        team_id=request.team_id,
        user_id=asker,
        build=lambda t: views_card.outcome_to_requester(
            t,
            request,
            headline_text=t.gettext("The requester answered your question on {ref} “{title}”:"),
            note=outcome.event.note,
        ),
    )


def _answered(
    services: Services,
    client: WebClient,
    *,
    team_id: str,
    request_id: int,
    user_id: str,
    answer: str,
) -> tuple[Outcome, str | None]:
    with session_scope(services.session_factory) as session:
        outcome = service.answer_question(
            session=session,
            team_id=team_id,
            request_id=request_id,
            user_id=user_id,
            answer=answer,
            now=datetime.now(UTC),
        )
        asked = service.last_question(session=session, team_id=team_id, request_id=request_id)
        return outcome, asked.actor_id if asked else None


def register(app: App, services: Services) -> None:
    def on_answer_button(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], context: Any, client: WebClient
    ) -> None:
        ack()
        clicked = parse(RequestRef, action.get("value"))
        with session_scope(services.session_factory) as session:
            request, asked = service.question_to_answer(
                session=session,
                team_id=context.team_id,
                request_id=clicked.request_id,
                user_id=context.user_id,
            )
        t = services.translator(client, team_id=context.team_id, user_id=context.user_id)
        client.views_open(
            trigger_id=body["trigger_id"],
            view=views_modal.note_modal(
                t,
                request,
                callback_id=Callback.answer_question,
                title=t.gettext("Answer"),
                label=t.gettext("Your answer"),
                submit=t.gettext("Send"),
                meta=ModalRef(request_id=request.id),
                context=(asked.note or "")[:2000] if asked else None,
            ),
        )

    def on_answer_submit(ack: Ack, body: dict[str, Any], context: Any, client: WebClient) -> None:
        view = body["view"]
        meta = parse(ModalRef, view.get("private_metadata"))
        answer = submitted_values(view).get(Block.note) or ""
        t = services.translator(client, team_id=context.team_id, user_id=context.user_id)
        try:
            outcome, asker = _answered(
                services,
                client,
                team_id=context.team_id,
                request_id=meta.request_id,
                user_id=context.user_id,
                answer=answer,
            )
        except filing.InvalidInput as error:
            note = error.errors["note"]
            ack(
                response_action="errors",
                errors={Block.note: t.gettext(note.message).format(**note.params)},
            )
            return
        except UserFacingError as error:
            ack(
                response_action="errors",
                errors={Block.note: t.gettext(error.message).format(**error.params)},
            )
            return
        ack()
        notify.in_thread(
            services,
            client,
            team_id=context.team_id,
            request=outcome.request,
            build=lambda tt: views_card.note_in_thread(
                tt, author_id=context.user_id, what=tt.gettext("{user} answered:"), note=answer
            ),
        )
        _after_answer(services, client, outcome=outcome, asker=asker)

    def is_reply_under_a_card(event: dict[str, Any], context: Any) -> bool:
        thread_ts = event.get("thread_ts")
        if event.get("subtype") or event.get("bot_id") or not thread_ts:
            return False
        if thread_ts == event.get("ts") or not event.get("user"):
            return False
        with session_scope(services.session_factory) as session:
            request = service.request_for_thread(
                session=session,
                team_id=context.team_id,
                channel_id=event.get("channel", ""),
                thread_ts=thread_ts,
            )
            return request is not None

    def on_thread_reply(event: dict[str, Any], context: Any, client: WebClient) -> None:
        """A reply under a card: service.answer_in_thread says whether it is the answer."""
        with session_scope(services.session_factory) as session:
            outcome = service.answer_in_thread(
                session=session,
                team_id=context.team_id,
                channel_id=event["channel"],
                thread_ts=event["thread_ts"],
                user_id=event["user"],
                text=event.get("text") or "",
                now=datetime.now(UTC),
            )
            if outcome is None:
                return
            asked = service.last_question(
                session=session, team_id=context.team_id, request_id=outcome.request.id
            )
            asker = asked.actor_id if asked else None
        _after_answer(services, client, outcome=outcome, asker=asker)

    def on_withdraw(ack: Ack, action: dict[str, Any], context: Any, client: WebClient) -> None:
        ack()
        clicked = parse(RequestRef, action.get("value"))
        now = datetime.now(UTC)
        with (
            session_scope(services.session_factory) as session,
            etas.change(session=session, team_id=context.team_id, now=now) as moved,
        ):
            outcome = service.withdraw(
                session=session,
                team_id=context.team_id,
                request_id=clicked.request_id,
                user_id=context.user_id,
                now=now,
            )
        _after_requester_move(
            services,
            client,
            outcome=outcome,
            news=moved.news,
            what=N_("{user} withdrew the request."),
        )

    def on_solved(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], context: Any, client: WebClient
    ) -> None:
        ack()
        clicked = parse(RequestRef, action.get("value"))
        solved = action["action_id"] == Action.solved_yes
        now = datetime.now(UTC)
        with (
            session_scope(services.session_factory) as session,
            etas.change(session=session, team_id=context.team_id, now=now) as moved,
        ):
            outcome = service.confirm_solved(
                session=session,
                team_id=context.team_id,
                request_id=clicked.request_id,
                user_id=context.user_id,
                solved=solved,
                now=now,
            )
        news = moved.news
        t = services.translator(client, team_id=context.team_id, user_id=context.user_id)
        text, blocks = views_card.solved_answer(t, outcome.request, solved=solved)
        container = body.get("container") or {}
        if container.get("channel_id") and container.get("message_ts"):
            notify.quietly(
                "answering did-this-solve-it",
                lambda: client.chat_update(
                    channel=container["channel_id"],
                    ts=container["message_ts"],
                    text=text,
                    blocks=blocks,
                ),
            )
        what = (
            N_("{user} confirmed it is solved.")
            if solved
            else N_("{user} says it did not solve the need: the request is reopened.")
        )
        _after_requester_move(services, client, outcome=outcome, news=news, what=what)

    app.action(Action.answer_question)(on_answer_button)
    app.view(Callback.answer_question)(on_answer_submit)
    app.event("message", matchers=[is_reply_under_a_card])(on_thread_reply)
    app.action(WITHDRAW_ACTIONS)(on_withdraw)
    app.action(Action.solved_yes)(on_solved)
    app.action(Action.solved_no)(on_solved)


def _after_answer(
    services: Services, client: WebClient, *, outcome: Outcome, asker: str | None
) -> None:
    request = outcome.request
    notify.refresh_card(services, client, team_id=request.team_id, request_id=request.id)
    _tell_asker(services, client, outcome=outcome, asker=asker)
    notify.publish_homes(services, client, team_id=request.team_id, user_ids=[request.requester_id])


def _after_requester_move(
    services: Services,
    client: WebClient,
    *,
    outcome: Outcome,
    news: list[etas.EtaNews],
    what: str,
) -> None:
    request: IntakeRequest = outcome.request
    notify.in_thread(
        services,
        client,
        team_id=request.team_id,
        request=request,
        build=lambda t: views_card.note_in_thread(
            t, author_id=request.requester_id, what=t.gettext(what), note=None
        ),
    )
    notify.refresh_card(services, client, team_id=request.team_id, request_id=request.id)
    notify.tell_eta_news(services, client, team_id=request.team_id, news=news)
    notify.publish_homes(
        services,
        client,
        team_id=request.team_id,
        user_ids=[request.requester_id, request.assignee_id],
    )
