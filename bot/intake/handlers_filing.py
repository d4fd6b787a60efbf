"""Filing: /revops-request, the message shortcut, the Home button, deflection, the submission."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.db import session_scope
from bot.errors import UserFacingError
from bot.intake import (
    configuration,
    filing,
    knowledge,
    notify,
    views_card,
    views_filing,
    views_modal,
    views_text,
)
from bot.intake.ids import COMMAND, Action, Block, Callback, Shortcut
from bot.intake.knowledge import DocMatch
from bot.intake.state import FilingDraft, parse
from bot.intake.views_modal import DocChoice
from bot.services import Services
from bot.slack.forms import submitted_values

logger = logging.getLogger(__name__)

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


def check_may_file(
    services: Services,
    client: WebClient,
    *,
    team_id: str,
    user_id: str,
    groups: list[str] | None = None,
) -> None:
    """Refuse (configuration.filing_refusal says when and with which words)."""
    if groups is None:
        with session_scope(services.session_factory) as session:
            groups = configuration.restricted_to(
                configuration.settings_of(session=session, team_id=team_id)
            )
    refusal = configuration.filing_refusal(
        user_id=user_id,
        groups=groups,
        members_of=lambda group: services.usergroups.members(
            client, team_id=team_id, usergroup_id=group
        ),
    )
    if refusal is not None:
        raise refusal


def _choices(matches: list[DocMatch]) -> list[DocChoice]:
    return [DocChoice(m.doc.id, m.doc.url, m.doc.summary, m.shared) for m in matches]


@dataclass(frozen=True)
class ModalInputs:
    filer_groups: list[str]
    rollouts: list[tuple[int, str]]
    docs: list[DocChoice]


def _modal_inputs(services: Services, *, team_id: str, text: str = "") -> ModalInputs:
    """Everything the modal needs from the database, in one short transaction."""
    with session_scope(services.session_factory) as session:
        settings = configuration.settings_of(session=session, team_id=team_id)
        rollouts = [
            (r.id, r.name) for r in configuration.active_rollouts(session=session, team_id=team_id)
        ]
        matches = (
            knowledge.matching_docs(session=session, team_id=team_id, text=text) if text else []
        )
        return ModalInputs(configuration.restricted_to(settings), rollouts, _choices(matches))


def open_filing_modal(
    services: Services,
    client: WebClient,
    *,
    team_id: str,
    user_id: str,
    trigger_id: str,
    text: str = "",
) -> tuple[dict[str, Any], ModalInputs]:
    """Check the filer, then open the modal prefilled with `text`. The docs it matches come
    after (show_matching_docs): the trigger id lives 3 seconds and waits for no search.
    Returns the opened view and what it was built from."""
    inputs = _modal_inputs(services, team_id=team_id)
    check_may_file(services, client, team_id=team_id, user_id=user_id, groups=inputs.filer_groups)
    t = services.translator(client, team_id=team_id, user_id=user_id)
    values = views_filing.prefill_from_text(text)
    view = views_filing.filing_modal(
        t, draft=FilingDraft(), values=values, rollouts=inputs.rollouts
    )
    return dict(client.views_open(trigger_id=trigger_id, view=view)["view"]), inputs


def _docs_matching(services: Services, *, team_id: str, text: str) -> list[DocChoice]:
    with session_scope(services.session_factory) as session:
        return _choices(knowledge.matching_docs(session=session, team_id=team_id, text=text))


def show_matching_docs(
    services: Services,
    client: WebClient,
    *,
    team_id: str,
    user_id: str,
    view: dict[str, Any],
    opened_with: ModalInputs,
    text: str,
    source_permalink: str | None = None,
) -> None:
    """Update an open filing modal with the docs its text matches (and where it came from);
    what the requester typed meanwhile stays (same block and action ids)."""
    docs = _docs_matching(services, team_id=team_id, text=text) if text else []
    if not docs and not source_permalink:
        return
    draft = parse(FilingDraft, view.get("private_metadata"))
    draft.source_permalink = source_permalink or draft.source_permalink
    draft.docs_shown = [doc.doc_id for doc in docs]
    t = services.translator(client, team_id=team_id, user_id=user_id)
    updated = views_filing.filing_modal(
        t,
        draft=draft,
        values=views_filing.prefill_from_text(text),
        rollouts=opened_with.rollouts,
        docs=docs,
    )
    try:
        client.views_update(view_id=view["id"], hash=view.get("hash"), view=updated)
    except SlackApiError as error:  # the user typed on: a later event shows the docs
        logger.info("intake: filing modal not updated: %s", error.response.get("error"))


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


def register(app: App, services: Services) -> None:
    def on_command(ack: Ack, body: dict[str, Any], context: Any, client: WebClient) -> None:
        ack()
        services.ack_gate.wait_for_answers()
        text = body.get("text") or ""
        view, opened_with = open_filing_modal(
            services,
            client,
            team_id=context.team_id,
            user_id=context.user_id,
            trigger_id=body["trigger_id"],
            text=text,
        )
        if text:
            show_matching_docs(
                services,
                client,
                team_id=context.team_id,
                user_id=context.user_id,
                view=view,
                opened_with=opened_with,
                text=text,
            )

    def on_new_request(ack: Ack, body: dict[str, Any], context: Any, client: WebClient) -> None:
        ack()
        services.ack_gate.wait_for_answers()
        open_filing_modal(
            services,
            client,
            team_id=context.team_id,
            user_id=context.user_id,
            trigger_id=body["trigger_id"],
        )

    def on_message_shortcut(
        ack: Ack, body: dict[str, Any], context: Any, client: WebClient
    ) -> None:
        ack()
        message = body.get("message") or {}
        team_id, user_id = context.team_id, context.user_id
        view, opened_with = open_filing_modal(
            services,
            client,
            team_id=team_id,
            user_id=user_id,
            trigger_id=body["trigger_id"],
            text=message.get("text") or "",
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
            client,
            team_id=team_id,
            user_id=user_id,
            view=view,
            opened_with=opened_with,
            text=message.get("text") or "",
            source_permalink=permalink,
        )

    def on_text_typed(ack: Ack, body: dict[str, Any], context: Any, client: WebClient) -> None:
        """While the requester types, show the team's docs that may already answer."""
        ack()
        view = body["view"]
        values = submitted_values(view)
        draft = parse(FilingDraft, view.get("private_metadata"))
        text = f"{values.get(Block.request_title) or ''} {values.get(Block.need) or ''}"
        inputs = _modal_inputs(services, team_id=context.team_id, text=text)
        rollouts, docs = inputs.rollouts, inputs.docs
        if [doc.doc_id for doc in docs] == draft.docs_shown:
            return
        draft.docs_shown = [doc.doc_id for doc in docs]
        t = services.translator(client, team_id=context.team_id, user_id=context.user_id)
        updated = views_filing.filing_modal(
            t, draft=draft, values=values, rollouts=rollouts, docs=docs
        )
        try:
            client.views_update(view_id=view["id"], hash=view.get("hash"), view=updated)
        except SlackApiError as error:  # the user typed on: a later event shows the docs
            logger.info("intake: docs not shown: %s", error.response.get("error"))

    def on_deflected(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], context: Any, client: WebClient
    ) -> None:
        """One click: a doc answered it. Nothing is filed; the deflection is counted once."""
        ack()
        view = body["view"]
        doc_id = int(action["value"]) if str(action.get("value", "")).isdigit() else None
        with session_scope(services.session_factory) as session:
            knowledge.record_deflection(
                session=session,
                team_id=context.team_id,
                user_id=context.user_id,
                doc_id=doc_id,
                view_id=view["id"],
                now=datetime.now(UTC),
            )
        t = services.translator(client, team_id=context.team_id, user_id=context.user_id)
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

    def on_file(ack: Ack, body: dict[str, Any], context: Any, client: WebClient) -> None:
        view = body["view"]
        team_id, user_id = context.team_id, context.user_id
        values = submitted_values(view)
        draft = parse(FilingDraft, view.get("private_metadata"))
        submitted = filing_from(values)
        t = services.translator(client, team_id=team_id, user_id=user_id)
        today = notify.local_today(services, client, team_id=team_id, user_id=user_id)
        # One read for the checks and the deflection (the settings may have changed since
        # the modal opened: filers, roll-outs, docs).
        inputs = _modal_inputs(
            services, team_id=team_id, text=f"{submitted.title} {submitted.need}"
        )
        active = frozenset(rollout_id for rollout_id, _ in inputs.rollouts)
        errors = filing.filing_errors(submitted, today=today, active_rollout_ids=active)
        if errors:
            ack(
                response_action="errors",
                errors={
                    FIELD_BLOCKS[name]: t.gettext(error.message).format(**error.params)
                    for name, error in errors.items()
                },
            )
            return
        try:
            check_may_file(
                services, client, team_id=team_id, user_id=user_id, groups=inputs.filer_groups
            )
        except UserFacingError as refusal:
            message = t.gettext(refusal.message).format(**refusal.params)
            ack(response_action="errors", errors={Block.request_title: message})
            return
        rollouts, docs = inputs.rollouts, inputs.docs
        if knowledge.offer_before_filing(
            matched=[doc.doc_id for doc in docs], shown=draft.docs_shown
        ):
            draft.docs_shown = [doc.doc_id for doc in docs]
            ack(
                response_action="update",
                view=views_filing.filing_modal(
                    t, draft=draft, values=values, rollouts=rollouts, docs=docs
                ),
            )
            return
        ack(response_action="update", view=views_modal.working_modal(t))
        finish_filing(
            services,
            client,
            team_id=team_id,
            user_id=user_id,
            view_id=view["id"],
            submitted=submitted,
            draft=draft,
            today=today,
        )

    app.command(COMMAND)(on_command)
    app.shortcut(Shortcut.from_message)(on_message_shortcut)
    app.action(Action.new_request)(on_new_request)
    app.action(Block.request_title)(on_text_typed)
    app.action(Block.need)(on_text_typed)
    app.action(Action.deflected)(on_deflected)
    app.view(Callback.file)(on_file)


def finish_filing(
    services: Services,
    client: WebClient,
    *,
    team_id: str,
    user_id: str,
    view_id: str,
    submitted: filing.Filing,
    draft: FilingDraft,
    today: Any,
) -> None:
    """After the "Working…" ack: store, confirm in the modal, post the card, DM the receipt."""
    t = services.translator(client, team_id=team_id, user_id=user_id)
    now = datetime.now(UTC)
    with session_scope(services.session_factory) as session:
        filed = filing.file_request(
            session=session,
            team_id=team_id,
            requester_id=user_id,
            filing=submitted,
            view_id=view_id,
            source_permalink=draft.source_permalink,
            today=today,
            now=now,
        )
        settings = configuration.settings_of(session=session, team_id=team_id)
        due = filing.first_response_due(
            filed_at=filed.request.created_at,
            sla_days=settings.first_response_sla_days,
            calendar=configuration.calendar_of(session=session, team_id=team_id),
        )
        channel = settings.intake_channel_id
    request = filed.request
    confirmation = t.gettext(
        "*REQ-{number}* is filed. You will hear back by {date} at the latest."
    ).format(number=request.number, date=views_text.day(t, due))
    try:
        client.views_update(
            view_id=view_id,
            view=views_modal.notice_modal(t, title=t.gettext("Request filed"), text=confirmation),
        )
    except SlackApiError as error:
        logger.info("intake: filing confirmation not shown: %s", error.response.get("error"))
    if not filed.created:
        return  # a second submission of the same modal: everything below already happened
    notify.post_card(services, client, team_id=team_id, request_id=request.id)
    notify.dm(
        services,
        client,
        team_id=team_id,
        user_id=user_id,
        build=lambda t: views_card.receipt(t, request, due=due, channel_id=channel),
    )
    notify.publish_homes(services, client, team_id=team_id, user_ids=[user_id])
