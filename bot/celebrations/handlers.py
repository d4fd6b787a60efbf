"""Bolt listeners of celebrations: ack, parse, call a flow (bot/celebrations/flows*.py), render
the answer. A win, its card, the note to its author, the settings and the posts of the wins
that waited are stored in one transaction; the outbox delivers the Slack messages after it.

What Slack must be asked about the celebration channel (can the bot post there? a public one
is joined) is asked here, after the ack and outside any transaction, and handed to the flow.

Also the contract other domains call: `open_win_modal(...)` (e.g. projects' "Celebrate it").
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.app import notice_modal
from bot.celebrations import flows, flows_channel, service, views, views_settings
from bot.celebrations.ids import SettingsAction, SettingsBlock, WinAction, WinBlock, WinCallback
from bot.celebrations.models import WinKind
from bot.celebrations.prefill import WinPrefill
from bot.celebrations.rules import WIN_TEXT_LIMITS, parse_win_form
from bot.celebrations.schemas import WinDraft
from bot.celebrations.sections import register_sections
from bot.errors import N_, UserFacingError
from bot.i18n import translator_for
from bot.privacy import powers
from bot.services import Services
from bot.slack.channels import channel_access, join
from bot.slack.middleware import Caller, Form
from bot.slack.modals import open_modal

logger = logging.getLogger(__name__)

ADMINS_ONLY = N_("Only workspace admins can change the celebration settings.")
STALE_MODAL = N_("This form is out of date: open it again with /revops-win.")

WIN_FIELDS = {
    "winners": WinBlock.winners,
    "kind": WinBlock.kind,
    "title": WinBlock.win_title,
    "amount": WinBlock.amount,
    "currency": WinBlock.currency,
    "message": WinBlock.message,
}
SETTINGS_FIELDS = {
    "tz": SettingsBlock.tz,
    "won_stages": SettingsBlock.won_stages,
    "portal_id": SettingsBlock.portal_id,
    "salesforce_stages": SettingsBlock.salesforce_stages,
    "base_currency": SettingsBlock.base_currency,
    "exchange_rates": SettingsBlock.exchange_rates,
}


def open_win_modal(
    services: Services,
    client: WebClient,
    *,
    team_id: str,
    user_id: str,
    trigger_id: str,
    prefill: WinPrefill,
) -> None:
    """Open the /revops-win modal filled from `prefill`. A win whose `source_ref` was already
    celebrated gets a short notice instead: it is posted once, however often it is offered.
    Slack not opening it raises ModalNotOpened (the error path tells the user)."""
    member = services.directory.member(client, team_id=team_id, user_id=user_id)
    t = translator_for(member.locale)
    modal = flows.win_modal(
        services.session_factory, team_id=team_id, source_ref=prefill.source_ref
    )
    if modal.already_celebrated:
        view = notice_modal(*views.already_celebrated(t))
    else:
        draft = WinDraft(draft_id=uuid.uuid4().hex, source_ref=prefill.source_ref)
        view = views.win_modal(t, draft=draft, prefill=prefill, currency=modal.currency)
    open_modal(client, trigger_id=trigger_id, view=view)


def _draft(model: type[WinDraft], raw: str | None) -> WinDraft:
    try:
        return model.load(raw or "")
    except ValidationError:
        raise UserFacingError(STALE_MODAL) from None


def look_at_channel(client: WebClient, channel_id: str | None) -> flows_channel.ChannelSeen | None:
    """Can the bot post in the channel? A public one it is not in is joined first (an admin
    chose it, or asked to check it). None when there is no channel or Slack did not say."""
    if not channel_id:
        return None
    try:
        access = channel_access(client, channel_id)
        if not access.can_post and access.can_join:
            join(client, channel_id)
            access = channel_access(client, channel_id)
    except (SlackClientError, OSError) as error:
        logger.warning("could not look at the celebration channel %s: %s", channel_id, error)
        return None
    return flows_channel.ChannelSeen(channel_id, exists=access.exists, is_member=access.is_member)


# ---------------------------------------------------------------- listeners: wins


def on_command(
    ack: Ack, body: dict[str, Any], caller: Caller, services: Services, client: WebClient
) -> None:
    ack()
    open_win_modal(
        services,
        client,
        team_id=caller.team_id,
        user_id=caller.user_id,
        trigger_id=body["trigger_id"],
        prefill=WinPrefill(kind=WinKind.deal_signed, title=(body.get("text") or "").strip()),
    )


def on_new_win(
    ack: Ack, body: dict[str, Any], caller: Caller, services: Services, client: WebClient
) -> None:
    ack()
    open_win_modal(
        services,
        client,
        team_id=caller.team_id,
        user_id=caller.user_id,
        trigger_id=body["trigger_id"],
        prefill=WinPrefill(kind=WinKind.deal_signed),
    )


def on_win_submitted(ack: Ack, caller: Caller, form: Form, services: Services) -> None:
    """Check the form (field errors in the ack), then record the win with its card owed, and
    close the modal; a win offered by another domain and celebrated meanwhile gets a notice."""
    try:
        draft = form.meta(WinDraft, _draft)
    except UserFacingError:
        ack()
        raise
    values = form.values
    parsed, errors = parse_win_form(
        winners=values.get(WinAction.winners),
        kind=values.get(WinAction.kind),
        title=values.get(WinAction.win_title) or "",
        amount=values.get(WinAction.amount) or "",
        currency=values.get(WinAction.currency) or "",
        message=values.get(WinAction.message) or "",
        locale=caller.member.locale,
    )
    if parsed is None:
        t = caller.t
        ack(
            response_action="errors",
            errors={
                WIN_FIELDS[field]: t.message(msg, max=WIN_TEXT_LIMITS.get(field))
                for field, msg in errors.items()
            },
        )
        return
    recorded = flows.record_win(
        services.session_factory,
        caller.actor,
        draft_id=draft.draft_id,
        offered_ref=draft.source_ref,
        form=parsed,
        now=datetime.now(UTC),
    )
    if recorded.already_celebrated:
        ack(response_action="update", view=notice_modal(*views.already_celebrated(caller.t)))
        return
    ack()


# ---------------------------------------------------------------- listeners: settings


def on_open_settings(
    ack: Ack,
    body: dict[str, Any],
    context: BoltContext,
    caller: Caller,
    services: Services,
    client: WebClient,
) -> None:
    ack()
    powers.require_admin_of(services, client, context, "open celebrations settings")
    shown = flows_channel.settings_shown(
        services.session_factory, team_id=caller.team_id, admin_tz=caller.member.tz or "UTC"
    )
    form = views_settings.SettingsForm(**dataclasses.asdict(shown))
    open_modal(
        client,
        trigger_id=body["trigger_id"],
        view=views_settings.settings_modal(caller.t, form),
    )


def on_settings_submitted(
    ack: Ack, caller: Caller, form: Form, services: Services, client: WebClient
) -> None:
    """Field errors in the ack; then (the admin checked after the ack) the channel is looked
    at in Slack and the settings saved with what they owe."""
    # Parsing is pure and fast; Slack is asked (for the admin's language) only when a field
    # error must go back in the ack, and the member was cached when the modal was opened.
    values = form.values
    change, errors = service.parse_settings_form(
        channel_id=values.get(SettingsAction.channel),
        weekday=values.get(SettingsAction.weekday),
        hour=values.get(SettingsAction.hour),
        tz=values.get(SettingsAction.tz) or "",
        top_performers="on" in (values.get(SettingsAction.top_performers) or []),
        won_stages=values.get(SettingsAction.won_stages) or "",
        portal_id=values.get(SettingsAction.portal_id) or "",
        salesforce_stages=values.get(SettingsAction.salesforce_stages) or "",
        base_currency=values.get(SettingsAction.base_currency) or "",
        exchange_rates=values.get(SettingsAction.exchange_rates) or "",
    )
    if change is None:
        t = caller.t
        ack(
            response_action="errors",
            errors={SETTINGS_FIELDS[field]: t.gettext(msg) for field, msg in errors.items()},
        )
        return
    ack()
    if not powers.check_admin(
        services,
        client,
        team_id=caller.team_id,
        user_id=caller.user_id,
        action="celebrations settings",
    ):
        raise UserFacingError(ADMINS_ONLY)
    flows_channel.save_settings(
        services.session_factory,
        caller.actor,
        change=change,
        seen=look_at_channel(client, change.channel_id),
        now=datetime.now(UTC),
    )


def on_check_channel(
    ack: Ack, context: BoltContext, caller: Caller, services: Services, client: WebClient
) -> None:
    """An admin's "Check again": the channel as Slack shows it now (a read, Slack, then the
    flow)."""
    ack()
    powers.require_admin_of(services, client, context, "check the celebration channel")
    channel_id = flows_channel.celebration_channel(services.session_factory, team_id=caller.team_id)
    flows_channel.channel_checked(
        services.session_factory,
        caller.actor,
        team_id=caller.team_id,
        seen=look_at_channel(client, channel_id),
        now=datetime.now(UTC),
    )


# ---------------------------------------------------------------- events


def on_reaction(
    event: dict[str, Any], context: BoltContext, client: WebClient, body: dict[str, Any]
) -> None:
    item = event.get("item") or {}
    if item.get("type") != "message" or not context.team_id:
        return  # a reaction on a file: never a win post
    services: Services = context["services"]
    flows.record_reaction(
        services.session_factory,
        team_id=context.team_id,
        channel_id=item.get("channel", ""),
        ts=item.get("ts", ""),
        user_id=event.get("user", ""),
        name=event.get("reaction", ""),
        added=event.get("type") == "reaction_added",
        event_ts=str(event.get("event_ts") or ""),
        bot_user_id=context.bot_user_id,
    )


def on_member_joined(
    event: dict[str, Any], context: BoltContext, client: WebClient, body: dict[str, Any]
) -> None:
    """The bot itself was invited into the celebration channel: what waited is posted, with
    nobody clicking "Check again"."""
    if not context.team_id:
        return
    services: Services = context["services"]
    channel_id = event.get("channel", "")
    if not flows_channel.is_celebration_channel_join(
        services.session_factory,
        team_id=context.team_id,
        channel_id=channel_id,
        user_id=event.get("user", ""),
        bot_user_id=context.bot_user_id,
    ):
        return
    flows_channel.channel_checked(
        services.session_factory,
        None,
        team_id=context.team_id,
        seen=look_at_channel(client, channel_id),
        now=datetime.now(UTC),
    )


def register(app: App, services: Services) -> None:
    app.command("/revops-win")(on_command)
    app.action(WinAction.new_win)(on_new_win)
    app.view(WinCallback.modal)(on_win_submitted)
    app.action(WinAction.open_settings)(on_open_settings)
    app.view(WinCallback.settings)(on_settings_submitted)
    app.action(WinAction.check_channel)(on_check_channel)
    for reaction in ("reaction_added", "reaction_removed"):
        services.events.on(reaction, on_reaction, name="celebrations reactions")
    services.events.on("member_joined_channel", on_member_joined, name="celebrations channel")
    register_sections(services)
