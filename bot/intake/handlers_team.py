"""The RevOps team's actions on a request, from its card or from the queue in App Home.

A button checks the move against the state machine before opening its modal (a stale button
gets a clear message and no modal); the submission applies the move in one short transaction,
answers the modal (errors, or close), then tells everyone concerned.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.db import session_scope
from bot.errors import UserFacingError
from bot.i18n import Translator
from bot.intake import etas, knowledge, notify, service, views_card, views_modal
from bot.intake.ids import Action, Callback
from bot.intake.models import IntakeRequest, Status
from bot.intake.state import ModalRef, RequestRef, parse
from bot.intake.team_submissions import SUBMISSIONS, after_move
from bot.intake.views_modal import DocChoice
from bot.services import Services
from bot.slack.forms import submitted_values

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


def register(app: App, services: Services) -> None:
    def on_button(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], context: Any, client: WebClient
    ) -> None:
        ack()
        team_id, user_id = context.team_id, context.user_id
        clicked = parse(RequestRef, action.get("value"))
        target = TARGETS[action["action_id"]]
        if not notify.actor_is_revops(services, client, team_id=team_id, user_id=user_id):
            raise UserFacingError(service.REVOPS_ONLY)
        with session_scope(services.session_factory) as session:
            request = service.find_request(
                session=session, team_id=team_id, request_id=clicked.request_id
            )
            if request is None:
                raise UserFacingError(service.NOT_FOUND)
            service.check_transition(number=request.number, current=request.status, target=target)
            docs = (
                [
                    DocChoice(doc.id, doc.url, doc.summary)
                    for doc in knowledge.docs_for_picker(session=session, team_id=team_id)
                ]
                if target == Status.answered_doc
                else []
            )
        t = services.translator(client, team_id=team_id, user_id=user_id)
        meta = ModalRef(request_id=request.id)
        client.views_open(
            trigger_id=body["trigger_id"],
            view=_modal_for(action["action_id"], t, request, meta, actor_id=user_id, docs=docs),
        )

    def on_start(ack: Ack, action: dict[str, Any], context: Any, client: WebClient) -> None:
        ack()
        team_id, user_id = context.team_id, context.user_id
        clicked = parse(RequestRef, action.get("value"))
        revops = notify.actor_is_revops(services, client, team_id=team_id, user_id=user_id)
        now = datetime.now(UTC)
        with (
            session_scope(services.session_factory) as session,
            etas.change(session=session, team_id=team_id, now=now) as moved,
        ):
            outcome = service.start_work(
                session=session,
                team_id=team_id,
                request_id=clicked.request_id,
                actor_id=user_id,
                actor_is_revops=revops,
                now=now,
            )
        after_move(
            services,
            client,
            outcome=outcome,
            actor_id=user_id,
            news=moved.news,
            to_requester=lambda t: views_card.outcome_to_requester(
                t,
                outcome.request,
                headline_text=t.gettext("Work started on your request {ref} “{title}”."),
                note=None,
            ),
        )

    def submission(kind: Callback) -> Callable[..., None]:
        def on_submit(ack: Ack, body: dict[str, Any], context: Any, client: WebClient) -> None:
            view = body["view"]
            team_id, user_id = context.team_id, context.user_id
            meta = parse(ModalRef, view.get("private_metadata"))
            values = submitted_values(view)
            t = services.translator(client, team_id=team_id, user_id=user_id)
            revops = notify.actor_is_revops(services, client, team_id=team_id, user_id=user_id)
            SUBMISSIONS[kind](
                services,
                client,
                ack,
                t,
                meta=meta,
                values=values,
                team_id=team_id,
                user_id=user_id,
                revops=revops,
            )

        return on_submit

    for action_id in TARGETS:
        app.action(action_id)(on_button)
    app.action(Action.start)(on_start)
    for callback in SUBMISSIONS:
        app.view(callback)(submission(callback))
