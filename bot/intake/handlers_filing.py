"""Filing: /revops-request, the message shortcut, the Home button, deflection, the submission.

Listeners ack, parse, call a flow (bot/intake/flows_filing.py) and render its outcome. The request,
its card, its receipt and its Home tab are stored in one transaction before the submission is
answered; the outbox delivers the Slack messages after it.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.errors import UserFacingError
from bot.intake import filing, flows_filing, flows_watching, views_filing, views_modal, views_text
from bot.intake.ids import COMMAND, Action, Block, Callback, Shortcut
from bot.intake.knowledge import DocMatch
from bot.intake.state import FilingDraft, FollowRef, parse
from bot.intake.views_filing import DuplicateChoice
from bot.intake.views_modal import DocChoice
from bot.intake.watching import RequestMatch
from bot.services import Services
from bot.slack.middleware import Caller, Form
from bot.slack.modals import open_modal

logger = logging.getLogger(__name__)

FOLLOW_ACTIONS = re.compile(rf"^{Action.follow}_\d+$")
FIELD_BLOCKS = {
    "title": Block.request_title,
    "need": Block.need,
    "impact": Block.impact,
    "beneficiary": Block.beneficiary,
    "category": Block.category,
    "wished_date": Block.wished_date,
    "rollout": Block.rollout,
    "link": Block.link,
}


def _choices(matches: list[DocMatch]) -> list[DocChoice]:
    return [DocChoice(m.doc.id, m.doc.url, m.doc.summary, m.shared, m.marked) for m in matches]


def _duplicates(matches: list[RequestMatch]) -> list[DuplicateChoice]:
    return [
        DuplicateChoice(
            m.request.id,
            m.request.number,
            m.request.title,
            m.request.status,
            m.request.eta_told,
            m.shared,
        )
        for m in matches
    ]


def open_filing_modal(
    services: Services, caller: Caller, client: WebClient, *, trigger_id: str, text: str = ""
) -> tuple[dict[str, Any], flows_filing.ModalInputs]:
    """Check the filer, then open the modal prefilled with `text`. The docs it matches come
    after (show_matching_docs): the trigger id lives 3 seconds and waits for no search.
    Returns the opened view and what it was built from."""
    inputs = services.recent.get(
        caller.team_id,
        flows_filing.modal_inputs,
        lambda: flows_filing.modal_inputs(services.session_factory, team_id=caller.team_id),
    )
    flows_filing.may_file(caller.actor, inputs.filer_groups)
    view = views_filing.filing_modal(
        caller.t,
        draft=FilingDraft(),
        values=views_filing.prefill_from_text(text),
        rollouts=inputs.rollouts,
    )
    return open_modal(client, trigger_id=trigger_id, view=view), inputs


def show_matching_docs(
    services: Services,
    caller: Caller,
    client: WebClient,
    *,
    view: dict[str, Any],
    opened_with: flows_filing.ModalInputs,
    text: str,
    source_permalink: str | None = None,
) -> None:
    """Update an open filing modal with the docs and open requests its text matches (and
    where it came from); what the requester typed meanwhile stays (same block and action ids)."""
    found_docs, found_requests = flows_filing.matching(
        services.session_factory, team_id=caller.team_id, text=text
    )
    docs, duplicates = _choices(found_docs), _duplicates(found_requests)
    if not docs and not duplicates and not source_permalink:
        return
    draft = parse(FilingDraft, view.get("private_metadata"))
    draft.source_permalink = source_permalink or draft.source_permalink
    draft.docs_shown = [doc.doc_id for doc in docs]
    draft.requests_shown = [request.request_id for request in duplicates]
    updated = views_filing.filing_modal(
        caller.t,
        draft=draft,
        values=views_filing.prefill_from_text(text),
        rollouts=opened_with.rollouts,
        docs=docs,
        duplicates=duplicates,
    )
    _update_modal(client, view, updated, what="docs not shown")


def _update_modal(
    client: WebClient, view: dict[str, Any], updated: dict[str, Any], *, what: str
) -> None:
    try:
        client.views_update(view_id=view["id"], hash=view.get("hash"), view=updated)
    except SlackApiError as error:  # the user typed on: a later event shows the docs
        logger.info("intake: %s: %s", what, error.response.get("error"))


def filing_from(values: dict[str, Any]) -> filing.Filing:
    rollout = values.get(Block.rollout)
    return filing.Filing(
        title=values.get(Block.request_title) or "",
        need=values.get(Block.need) or "",
        impact=values.get(Block.impact),
        beneficiary=values.get(Block.beneficiary),
        category=values.get(Block.category),
        wished_date=values.get(Block.wished_date),
        rollout_id=int(rollout) if rollout and str(rollout).isdigit() else None,
        link=values.get(Block.link) or "",
    )


def local_today(caller: Caller) -> Any:
    """Today in the filer's own time zone (a wished-for date is checked against it)."""
    from zoneinfo import ZoneInfo

    try:
        return datetime.now(ZoneInfo(caller.member.tz or "UTC")).date()
    except (KeyError, ValueError):
        return datetime.now(UTC).date()


# ---------------------------------------------------------------- listeners


def on_command(
    ack: Ack, body: dict[str, Any], caller: Caller, services: Services, client: WebClient
) -> None:
    ack()
    text = body.get("text") or ""
    view, opened_with = open_filing_modal(
        services, caller, client, trigger_id=body["trigger_id"], text=text
    )
    if text:
        show_matching_docs(services, caller, client, view=view, opened_with=opened_with, text=text)


def on_new_request(
    ack: Ack, body: dict[str, Any], caller: Caller, services: Services, client: WebClient
) -> None:
    ack()
    open_filing_modal(services, caller, client, trigger_id=body["trigger_id"])


def on_message_shortcut(
    ack: Ack, body: dict[str, Any], caller: Caller, services: Services, client: WebClient
) -> None:
    ack()
    message = body.get("message") or {}
    text = message.get("text") or ""
    view, opened_with = open_filing_modal(
        services, caller, client, trigger_id=body["trigger_id"], text=text
    )
    # The permalink is fetched after the modal is open: the trigger id waits for nobody.
    try:
        permalink = client.chat_getPermalink(
            channel=body["channel"]["id"], message_ts=message["ts"]
        )["permalink"]
    except (SlackApiError, KeyError):
        logger.info("intake: no permalink for a shortcut message")
        permalink = None
    show_matching_docs(
        services,
        caller,
        client,
        view=view,
        opened_with=opened_with,
        text=text,
        source_permalink=permalink,
    )


def on_text_typed(
    ack: Ack,
    body: dict[str, Any],
    caller: Caller,
    form: Form,
    services: Services,
    client: WebClient,
) -> None:
    """While the requester types, show the team's docs that may already answer, and the open
    requests that may already ask for it."""
    ack()
    values = form.values
    draft = form.meta(FilingDraft, parse)
    title = values.get(Block.request_title) or ""
    text = f"{title} {values.get(Block.need) or ''}"
    inputs = flows_filing.modal_inputs(
        services.session_factory, team_id=caller.team_id, text=text, title=title
    )
    docs, duplicates = _choices(inputs.docs), _duplicates(inputs.requests)
    shown = ([doc.doc_id for doc in docs], [request.request_id for request in duplicates])
    if shown == (draft.docs_shown, draft.requests_shown):
        return
    draft.docs_shown, draft.requests_shown = shown
    updated = views_filing.filing_modal(
        caller.t,
        draft=draft,
        values=values,
        rollouts=inputs.rollouts,
        docs=docs,
        duplicates=duplicates,
    )
    _update_modal(client, body["view"], updated, what="docs not shown")


def on_deflected(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    caller: Caller,
    services: Services,
    client: WebClient,
) -> None:
    """One click: a doc answered it. Nothing is filed; the deflection is counted once."""
    ack()
    view = body["view"]
    doc_id = int(action["value"]) if str(action.get("value", "")).isdigit() else None
    flows_filing.record_deflection(
        services.session_factory,
        caller.actor,
        doc_id=doc_id,
        view_id=view["id"],
        now=datetime.now(UTC),
    )
    t = caller.t
    client.views_update(
        view_id=view["id"],
        view=views_modal.notice_modal(
            t,
            title=t.gettext("New RevOps request"),
            text=t.gettext(
                "Glad the doc answered it: nothing was filed. The team counts every "
                "request a doc saves."
            ),
        ),
    )


def on_follow(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    caller: Caller,
    services: Services,
    client: WebClient,
) -> None:
    """One click: follow the open request instead of filing; nothing is filed."""
    ack()
    ref = parse(FollowRef, action.get("value"))
    followed = flows_watching.follow(
        services.session_factory, caller.actor, request_id=ref.request_id, now=datetime.now(UTC)
    )
    t = caller.t
    client.views_update(
        view_id=body["view"]["id"],
        view=views_modal.notice_modal(
            t,
            title=t.gettext("New RevOps request"),
            text=t.gettext(
                "You follow *REQ-{number}*: you get its news and ETA as its requester does, "
                "and see it in the bot's Home tab. Nothing new was filed."
            ).format(number=followed.request.number),
        ),
    )


def on_file(ack: Ack, body: dict[str, Any], caller: Caller, form: Form, services: Services) -> None:
    """Store the request (with its card, receipt and Home tab owed) and answer the modal with
    the confirmation; the outbox sends the rest."""
    t = caller.t
    values = form.values
    draft = form.meta(FilingDraft, parse)
    try:
        outcome = flows_filing.submit_filing(
            services.session_factory,
            caller.actor,
            submitted=filing_from(values),
            draft=draft,
            view_id=body["view"]["id"],
            today=local_today(caller),
            now=datetime.now(UTC),
        )
    except UserFacingError as refusal:
        message = t.message(refusal.message, **refusal.params)
        ack(response_action="errors", errors={Block.request_title: message})
        return
    except filing.InvalidInput as invalid:  # the request changed between the read and the write
        outcome = flows_filing.FilingOutcome(errors=invalid.errors)
    if outcome.errors:
        ack(
            response_action="errors",
            errors={
                FIELD_BLOCKS[name]: t.message(error.message, **error.params)
                for name, error in outcome.errors.items()
            },
        )
        return
    if outcome.offer is not None:
        docs, duplicates = _choices(outcome.offer), _duplicates(outcome.duplicates)
        draft.docs_shown = [doc.doc_id for doc in docs]
        draft.requests_shown = [request.request_id for request in duplicates]
        ack(
            response_action="update",
            view=views_filing.filing_modal(
                t,
                draft=draft,
                values=values,
                rollouts=outcome.rollouts,
                docs=docs,
                duplicates=duplicates,
            ),
        )
        return
    assert outcome.request is not None and outcome.due is not None
    confirmation = t.gettext(
        "*REQ-{number}* is filed. You will hear back by {date} at the latest."
    ).format(number=outcome.request.number, date=views_text.day(t, outcome.due))
    ack(
        response_action="update",
        view=views_modal.notice_modal(t, title=t.gettext("Request filed"), text=confirmation),
    )


def register(app: App, services: Services) -> None:
    app.command(COMMAND)(on_command)
    app.shortcut(Shortcut.from_message)(on_message_shortcut)
    app.action(Action.new_request)(on_new_request)
    app.action(Block.request_title)(on_text_typed)
    app.action(Block.need)(on_text_typed)
    app.action(Action.deflected)(on_deflected)
    app.action(FOLLOW_ACTIONS)(on_follow)
    app.view(Callback.file)(on_file)
