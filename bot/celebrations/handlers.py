"""Bolt listeners of celebrations: ack fast, parse, call the service, render views, send.

Also the contract other domains call: `open_win_modal(...)` (e.g. projects' "Celebrate it").
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.app import notice_modal
from bot.celebrations import service, views, views_settings
from bot.celebrations.ids import SettingsAction, SettingsBlock, WinAction, WinBlock, WinCallback
from bot.celebrations.models import CelebrationSettings, WinKind
from bot.celebrations.posting import WinPoster
from bot.celebrations.prefill import WinPrefill
from bot.celebrations.rules import WIN_TEXT_LIMITS, format_rates, parse_win_form
from bot.celebrations.schemas import WinDraft
from bot.celebrations.sections import register_sections
from bot.db import session_scope
from bot.errors import N_, UserFacingError
from bot.home.handlers import publish_home
from bot.i18n import translator_for
from bot.privacy import powers
from bot.services import Services
from bot.slack.forms import submitted_values

ADMINS_ONLY = N_("Only workspace admins can change the celebration settings.")
STALE_MODAL = N_("This form is out of date: open it again with /revops-win.")
WAITS_FOR_CHANNEL = N_(
    "Your win is saved. It will be posted as soon as an admin picks a celebration channel "
    "in the bot's Home tab."
)

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
    celebrated gets a short notice instead: it is posted once, however often it is offered."""
    member = services.directory.member(client, team_id=team_id, user_id=user_id)
    t = translator_for(member.locale)
    with session_scope(services.session_factory) as session:
        done = bool(prefill.source_ref) and (
            service.find_win(session=session, team_id=team_id, source_ref=prefill.source_ref)
            is not None
        )
        currency = service.settings_of(session=session, team_id=team_id).base_currency
    if done:
        client.views_open(trigger_id=trigger_id, view=notice_modal(*views.already_celebrated(t)))
        return
    draft = WinDraft(draft_id=uuid.uuid4().hex, source_ref=prefill.source_ref)
    client.views_open(
        trigger_id=trigger_id,
        view=views.win_modal(t, draft=draft, prefill=prefill, currency=currency),
    )


def register(app: App, services: Services) -> None:
    poster = WinPoster(services)

    def on_command(ack: Ack, command: dict[str, Any], context: Any, client: WebClient) -> None:
        ack()
        prefill = WinPrefill(kind=WinKind.deal_signed, title=command.get("text", "").strip())
        open_win_modal(
            services,
            client,
            team_id=context.team_id,
            user_id=context.user_id,
            trigger_id=command["trigger_id"],
            prefill=prefill,
        )

    def on_new_win(ack: Ack, body: dict[str, Any], context: Any, client: WebClient) -> None:
        ack()
        open_win_modal(
            services,
            client,
            team_id=context.team_id,
            user_id=context.user_id,
            trigger_id=body["trigger_id"],
            prefill=WinPrefill(kind=WinKind.deal_signed),
        )

    def on_win_submitted(ack: Ack, view: dict[str, Any], context: Any, client: WebClient) -> None:
        team_id, user_id = context.team_id, context.user_id
        member = services.directory.member(client, team_id=team_id, user_id=user_id)
        t = translator_for(member.locale)
        try:
            draft = WinDraft.load(view.get("private_metadata") or "")
        except ValidationError:
            ack()
            raise UserFacingError(STALE_MODAL) from None
        values = submitted_values(view)
        form, errors = parse_win_form(
            winners=values.get(WinAction.winners),
            kind=values.get(WinAction.kind),
            title=values.get(WinAction.win_title) or "",
            amount=values.get(WinAction.amount) or "",
            currency=values.get(WinAction.currency) or "",
            message=values.get(WinAction.message) or "",
            locale=member.locale,
        )
        if form is None:
            ack(
                response_action="errors",
                errors={
                    WIN_FIELDS[field]: t.gettext(msg).format(max=WIN_TEXT_LIMITS.get(field))
                    for field, msg in errors.items()
                },
            )
            return
        with session_scope(services.session_factory) as session:
            celebrated = service.offered_win_celebrated(
                session=session, team_id=team_id, offered_ref=draft.source_ref
            )
        if celebrated:
            ack(response_action="update", view=notice_modal(*views.already_celebrated(t)))
            return
        ack()
        with session_scope(services.session_factory) as session:
            recorded = service.record_manual_win(
                session=session,
                team_id=team_id,
                draft_id=draft.draft_id,
                offered_ref=draft.source_ref,
                form=form,
                author_id=user_id,
                now=datetime.now(UTC),
            )
        if not recorded.created:
            return
        services.background.submit(poster.run, team_id)
        if recorded.tell_author_it_waits:
            client.chat_postMessage(channel=user_id, text=t.gettext(WAITS_FOR_CHANNEL))

    def on_open_settings(ack: Ack, body: dict[str, Any], context: Any, client: WebClient) -> None:
        ack()
        powers.require_admin_of(services, client, context, "open celebrations settings")
        member = services.directory.member(client, team_id=context.team_id, user_id=context.user_id)
        with session_scope(services.session_factory) as session:
            settings = service.settings_of(session=session, team_id=context.team_id)
            stored = session.get(CelebrationSettings, context.team_id) is not None
            form = views_settings.SettingsForm(
                channel_id=settings.channel_id,
                weekday=settings.gazette_weekday,
                hour=settings.gazette_hour,
                tz=settings.gazette_tz if stored else (member.tz or "UTC"),
                top_performers=settings.top_performers,
                won_stages=", ".join(settings.won_stages or service.DEFAULT_WON_STAGES),
                portal_id=settings.hubspot_portal_id or "",
                base_currency=settings.base_currency or "",
                exchange_rates=format_rates(settings.exchange_rates or {}),
            )
        client.views_open(
            trigger_id=body["trigger_id"],
            view=views_settings.settings_modal(translator_for(member.locale), form),
        )

    def on_settings_submitted(
        ack: Ack, view: dict[str, Any], context: Any, client: WebClient
    ) -> None:
        # Parsing is pure and fast; Slack is asked (for the admin's language) only when a field
        # error must go back in the ack, and the member was cached when the modal was opened.
        team_id, user_id = context.team_id, context.user_id
        values = submitted_values(view)
        change, errors = service.parse_settings_form(
            channel_id=values.get(SettingsAction.channel),
            weekday=values.get(SettingsAction.weekday),
            hour=values.get(SettingsAction.hour),
            tz=values.get(SettingsAction.tz) or "",
            top_performers="on" in (values.get(SettingsAction.top_performers) or []),
            won_stages=values.get(SettingsAction.won_stages) or "",
            portal_id=values.get(SettingsAction.portal_id) or "",
            base_currency=values.get(SettingsAction.base_currency) or "",
            exchange_rates=values.get(SettingsAction.exchange_rates) or "",
        )
        if change is None:
            t = services.translator(client, team_id=team_id, user_id=user_id)
            ack(
                response_action="errors",
                errors={SETTINGS_FIELDS[field]: t.gettext(msg) for field, msg in errors.items()},
            )
            return
        ack()
        if not powers.check_admin(
            services, client, team_id=team_id, user_id=user_id, action="celebrations settings"
        ):
            raise UserFacingError(ADMINS_ONLY)
        with session_scope(services.session_factory) as session:
            service.save_settings(
                session=session,
                team_id=team_id,
                change=change,
                updated_by=user_id,
                now=datetime.now(UTC),
            )
        poster.check_channel(team_id, admin_asked=True)
        services.background.submit(poster.run, team_id)  # wins that waited for a channel
        publish_home(services, client, team_id=team_id, user_id=user_id)

    def on_check_channel(ack: Ack, context: Any, client: WebClient) -> None:
        ack()
        powers.require_admin_of(services, client, context, "check the celebration channel")
        if poster.check_channel(context.team_id, admin_asked=True):
            services.background.submit(poster.run, context.team_id)
        publish_home(services, client, team_id=context.team_id, user_id=context.user_id)

    def on_reaction(event: dict[str, Any], context: Any) -> None:
        item = event.get("item") or {}
        if item.get("type") != "message":
            return  # a reaction on a file: never a win post
        with session_scope(services.session_factory) as session:
            service.record_reaction(
                session=session,
                team_id=context.team_id,
                channel_id=item.get("channel", ""),
                ts=item.get("ts", ""),
                user_id=event.get("user", ""),
                name=event.get("reaction", ""),
                added=event.get("type") == "reaction_added",
                event_ts=str(event.get("event_ts") or ""),
                bot_user_id=context.bot_user_id,
            )

    def on_member_joined(event: dict[str, Any], context: Any) -> None:
        with session_scope(services.session_factory) as session:
            joined = service.is_celebration_channel_join(
                session=session,
                team_id=context.team_id,
                channel_id=event.get("channel", ""),
                user_id=event.get("user", ""),
                bot_user_id=context.bot_user_id,
            )
        if joined and poster.check_channel(context.team_id, admin_asked=True):
            services.background.submit(poster.run, context.team_id)

    app.command("/revops-win")(on_command)
    app.action(WinAction.new_win)(on_new_win)
    app.view(WinCallback.modal)(on_win_submitted)
    app.action(WinAction.open_settings)(on_open_settings)
    app.view(WinCallback.settings)(on_settings_submitted)
    app.action(WinAction.check_channel)(on_check_channel)
    app.event("reaction_added")(on_reaction)
    app.event("reaction_removed")(on_reaction)
    app.event("member_joined_channel")(on_member_joined)
    register_sections(services)
