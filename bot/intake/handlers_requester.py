"""The requester's side: answer a question (modal or thread), withdraw, "did this solve it?"."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.errors import UserFacingError
from bot.intake import filing, flows_requester, views_modal
from bot.intake.ids import Action, Block, Callback
from bot.intake.state import ModalRef, RequestRef, parse
from bot.services import Services
from bot.slack.middleware import Caller, Form
from bot.slack.modals import open_modal

WITHDRAW_ACTIONS = re.compile(rf"^{Action.withdraw}(_\d+)?$")


def on_answer_button(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    caller: Caller,
    services: Services,
    client: WebClient,
) -> None:
    ack()
    clicked = parse(RequestRef, action.get("value"))
    request, asked = flows_requester.question_to_answer(
        services.session_factory, caller.actor, request_id=clicked.request_id
    )
    t = caller.t
    open_modal(
        client,
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


def on_answer_submit(ack: Ack, caller: Caller, form: Form, services: Services) -> None:
    meta = form.meta(ModalRef, parse)
    t = caller.t
    try:
        flows_requester.answer_question(
            services.session_factory,
            caller.actor,
            request_id=meta.request_id,
            answer=form.values.get(Block.note) or "",
            now=datetime.now(UTC),
        )
    except filing.InvalidInput as error:
        note = error.errors["note"]
        ack(
            response_action="errors",
            errors={Block.note: t.message(note.message, **note.params)},
        )
        return
    except UserFacingError as error:
        ack(
            response_action="errors",
            errors={Block.note: t.message(error.message, **error.params)},
        )
        return
    ack()


def is_reply_under_a_card(services: Services, event: dict[str, Any], context: Any) -> bool:
    thread_ts = event.get("thread_ts")
    if event.get("subtype") or event.get("bot_id") or not thread_ts:
        return False
    if thread_ts == event.get("ts") or not event.get("user"):
        return False
    return flows_requester.is_card_thread(
        services.session_factory,
        team_id=context.team_id,
        channel_id=event.get("channel", ""),
        thread_ts=thread_ts,
    )


def on_thread_reply(services: Services, event: dict[str, Any], context: Any) -> None:
    """A reply under a card: the flow says whether it is the requester's answer."""
    flows_requester.answer_in_thread(
        services.session_factory,
        team_id=context.team_id,
        channel_id=event["channel"],
        thread_ts=event["thread_ts"],
        user_id=event["user"],
        text=event.get("text") or "",
        now=datetime.now(UTC),
    )


def on_withdraw(ack: Ack, action: dict[str, Any], caller: Caller, services: Services) -> None:
    ack()
    clicked = parse(RequestRef, action.get("value"))
    flows_requester.withdraw(
        services.session_factory, caller.actor, request_id=clicked.request_id, now=datetime.now(UTC)
    )


def on_solved(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], caller: Caller, services: Services
) -> None:
    ack()
    clicked = parse(RequestRef, action.get("value"))
    container = body.get("container") or {}
    asked_in = (
        (str(container["channel_id"]), str(container["message_ts"]))
        if container.get("channel_id") and container.get("message_ts")
        else None
    )
    flows_requester.confirm_solved(
        services.session_factory,
        caller.actor,
        request_id=clicked.request_id,
        solved=action["action_id"] == Action.solved_yes,
        asked_in=asked_in,
        now=datetime.now(UTC),
    )


def register(app: App, services: Services) -> None:
    app.action(Action.answer_question)(on_answer_button)
    app.view(Callback.answer_question)(on_answer_submit)
    services.events.on(
        "message",
        lambda event, context, client, body: on_thread_reply(services, event, context),
        name="intake thread replies",
        accepts=lambda event, context: is_reply_under_a_card(services, event, context),
    )
    app.action(WITHDRAW_ACTIONS)(on_withdraw)
    app.action(Action.solved_yes)(on_solved)
    app.action(Action.solved_no)(on_solved)
