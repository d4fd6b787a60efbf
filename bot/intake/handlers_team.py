"""The RevOps team's actions on a request, from its card or from the queue in App Home.

A button checks the move against the state machine before opening its modal (a stale button
gets a clear message and no modal); the submission runs the move's flow (the move, the ETAs it
shifts and every message it owes, in one transaction) and answers the modal: errors on its
fields, or closed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.errors import UserFacingError
from bot.i18n import Translator
from bot.intake import filing, flows_team, flows_watching, views_modal
from bot.intake.filing import InvalidInput
from bot.intake.ids import Action, Block, Callback
from bot.intake.models import IntakeRequest, Status
from bot.intake.state import MergeRef, ModalRef, RequestRef, parse
from bot.intake.views_modal import DocChoice
from bot.services import Services
from bot.slack.channels import channel_access, join
from bot.slack.middleware import Caller, Form
from bot.slack.modals import open_modal

TARGETS = {
    Action.ask_why: Status.waiting,
    Action.answer_doc: Status.answered_doc,
    Action.self_service: Status.self_service,
    Action.decline: Status.declined,
    Action.accept: Status.accepted,
    Action.done: Status.done,
}


def _modal_for(
    action: str,
    t: Translator,
    request: IntakeRequest,
    meta: ModalRef,
    *,
    actor_id: str,
    docs: list[DocChoice],
) -> dict[str, Any]:
    if action == Action.answer_doc:
        return views_modal.doc_modal(t, request, meta=meta, docs=docs)
    if action == Action.accept:
        return views_modal.accept_modal(t, request, meta=meta, assignee_id=actor_id)
    texts: dict[str, tuple[Callback, str, str, str, str | None]] = {
        Action.ask_why: (
            Callback.ask_why,
            t.gettext("Ask why"),
            t.gettext("Your question to the requester"),
            t.gettext("Ask"),
            t.gettext("What decision will this support? Could an existing report answer it?"),
        ),
        Action.self_service: (
            Callback.self_service,
            t.gettext("Suggest self-service"),
            t.gettext("Steps the requester can take alone"),
            t.gettext("Send"),
            None,
        ),
        Action.decline: (
            Callback.decline,
            t.gettext("Decline request"),
            t.gettext("Reason (the requester reads it)"),
            t.gettext("Decline"),
            None,
        ),
        Action.done: (
            Callback.done,
            t.gettext("Mark as done"),
            t.gettext("What was done (the requester reads it)"),
            t.gettext("Done"),
            None,
        ),
    }
    callback, title, label, submit, placeholder = texts[action]
    return views_modal.note_modal(
        t,
        request,
        callback_id=callback,
        title=title,
        label=label,
        submit=submit,
        meta=meta,
        placeholder=placeholder,
    )


def on_button(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    caller: Caller,
    services: Services,
    client: WebClient,
) -> None:
    ack()
    clicked = parse(RequestRef, action.get("value"))
    opening = flows_team.team_button(
        services.session_factory,
        caller.actor,
        request_id=clicked.request_id,
        target=TARGETS[action["action_id"]],
    )
    docs = [DocChoice(doc.id, doc.url, doc.summary) for doc in opening.docs]
    view = _modal_for(
        action["action_id"],
        caller.t,
        opening.request,
        ModalRef(request_id=opening.request.id),
        actor_id=caller.user_id,
        docs=docs,
    )
    open_modal(client, trigger_id=body["trigger_id"], view=view)


def on_start(ack: Ack, action: dict[str, Any], caller: Caller, services: Services) -> None:
    ack()
    clicked = parse(RequestRef, action.get("value"))
    flows_team.start_work(
        services.session_factory, caller.actor, request_id=clicked.request_id, now=datetime.now(UTC)
    )


def on_merge(ack: Ack, action: dict[str, Any], caller: Caller, services: Services) -> None:
    """The card's Merge button: the possible duplicate goes into the request it duplicates
    (the outbox updates both cards and tells the merged request's requester)."""
    ack()
    clicked = parse(MergeRef, action.get("value"))
    flows_watching.merge(
        services.session_factory,
        caller.actor,
        request_id=clicked.request_id,
        into_id=clicked.into_id,
        now=datetime.now(UTC),
    )


# ---------------------------------------------------------------- submissions

Submit = Callable[[Services, Caller, Form, ModalRef, WebClient], None]


def _answer(
    ack: Ack,
    t: Translator,
    run: Callable[[], object],
    *,
    first_block: str,
    fields: dict[str, str] | None = None,
) -> None:
    """Run the flow; a refusal is shown on the modal's fields (nothing stored), else close."""
    try:
        run()
    except InvalidInput as error:
        ack(
            response_action="errors",
            errors={
                (fields or {}).get(name, first_block): t.message(e.message, **e.params)
                for name, e in error.errors.items()
            },
        )
        return
    except UserFacingError as error:
        ack(
            response_action="errors",
            errors={first_block: t.message(error.message, **error.params)},
        )
        return
    ack()


def on_ask_why(ack: Ack, caller: Caller, form: Form, services: Services, client: WebClient) -> None:
    meta = form.meta(ModalRef, parse)
    _answer(
        ack,
        caller.t,
        lambda: flows_team.ask_why(
            services.session_factory,
            caller.actor,
            request_id=meta.request_id,
            question=form.values.get(Block.note) or "",
            now=datetime.now(UTC),
        ),
        first_block=Block.note,
    )


def closing(how: str) -> Callable[..., None]:
    """Self-service, decline, done: one note and a move."""

    def on_close(
        ack: Ack, caller: Caller, form: Form, services: Services, client: WebClient
    ) -> None:
        meta = form.meta(ModalRef, parse)
        _answer(
            ack,
            caller.t,
            lambda: flows_team.close(
                services.session_factory,
                caller.actor,
                how=how,
                request_id=meta.request_id,
                note=form.values.get(Block.note) or "",
                now=datetime.now(UTC),
            ),
            first_block=Block.note,
        )

    return on_close


def on_accept(ack: Ack, caller: Caller, form: Form, services: Services, client: WebClient) -> None:
    meta = form.meta(ModalRef, parse)
    values = form.values
    estimate = filing.estimate_hours(
        size=values.get(Block.size), hours=values.get(Block.hours) or ""
    )
    if isinstance(estimate, filing.FieldError):
        ack(
            response_action="errors",
            errors={Block.hours: caller.t.message(estimate.message, **estimate.params)},
        )
        return
    _answer(
        ack,
        caller.t,
        lambda: flows_team.accept(
            services.session_factory,
            caller.actor,
            request_id=meta.request_id,
            estimate=estimate,
            assignee_id=values.get(Block.assignee),
            now=datetime.now(UTC),
        ),
        first_block=Block.assignee,
    )


def on_answer_doc(
    ack: Ack, caller: Caller, form: Form, services: Services, client: WebClient
) -> None:
    meta = form.meta(ModalRef, parse)
    values = form.values
    picked = values.get(Block.doc_pick)
    share_to = values.get(Block.share_channel)
    if share_to:
        access = channel_access(client, share_to)
        if access.can_join:
            join(client, share_to)
        elif not access.can_post:
            ack(
                response_action="errors",
                errors={
                    Block.share_channel: caller.t.gettext(
                        "Invite the bot to this private channel first (/invite), or pick "
                        "another one."
                    )
                },
            )
            return
    _answer(
        ack,
        caller.t,
        lambda: flows_team.answer_with_doc(
            services.session_factory,
            caller.actor,
            request_id=meta.request_id,
            url=values.get(Block.doc_url) or "",
            doc_id=int(picked) if picked and str(picked).isdigit() else None,
            summary=values.get(Block.doc_summary) or "",
            share_to=share_to,
            share_message=values.get(Block.share_message) or "",
            now=datetime.now(UTC),
        ),
        first_block=Block.doc_summary,
        fields={
            "doc_url": Block.doc_url,
            "doc_summary": Block.doc_summary,
            "note": Block.doc_summary,
        },
    )


SUBMISSIONS: dict[Callback, Callable[..., None]] = {
    Callback.ask_why: on_ask_why,
    Callback.answer_doc: on_answer_doc,
    Callback.accept: on_accept,
    Callback.self_service: closing("self_service"),
    Callback.decline: closing("decline"),
    Callback.done: closing("done"),
}


def register(app: App, services: Services) -> None:
    for action_id in TARGETS:
        app.action(action_id)(on_button)
    app.action(Action.start)(on_start)
    app.action(Action.merge)(on_merge)
    for callback, listener in SUBMISSIONS.items():
        app.view(callback)(listener)
