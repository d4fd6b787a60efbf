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
from bot.celebrations.models import CelebrationSettings, WinKind, WinSource
from bot.celebrations.posting import WinPoster
from bot.celebrations.prefill import WinPrefill
from bot.celebrations.rules import format_rates, parse_win_form
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
                errors={WIN_FIELDS[field]: t.gettext(msg) for field, msg in errors.items()},
            )
            return
        source_ref = draft.source_ref or f"slack:{draft.draft_id}"
        with session_scope(services.session_factory) as session:
            done = service.find_win(session=session, team_id=team_id, source_ref=source_ref)
        if done is not None and draft.source_ref:
            ack(response_action="update", view=notice_modal(*views.already_celebrated(t)))
            return
        ack()
        new = service.NewWin(
            kind=form.kind,
            title=form.title,
            source=WinSource.slack,
            source_ref=source_ref,
            winners=[service.NewWinner(user_id=winner) for winner in form.winners],
            amount=form.amount,
            currency=form.currency,
            message=form.message,
            created_by=user_id,
        )
        with session_scope(services.session_factory) as session:
            _, created = service.record_win(
                session=session, team_id=team_id, new=new, now=datetime.now(UTC)
            )
            channel_id = service.settings_of(session=session, team_id=team_id).channel_id
        if not created:
            return
        services.background.submit(poster.run, team_id)
        if channel_id is None:  # kept, not lost: say so rather than let it vanish
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
        team_id, user_id = context.team_id, context.user_id
        member = services.directory.member(client, team_id=team_id, user_id=user_id)
        if not powers.check_admin(
            services, client, team_id=team_id, user_id=user_id, action="celebrations settings"
        ):
            ack()
            raise UserFacingError(ADMINS_ONLY)
        t = translator_for(member.locale)
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
            ack(
                response_action="errors",
                errors={SETTINGS_FIELDS[field]: t.gettext(msg) for field, msg in errors.items()},
            )
            return
        ack()
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
        if item.get("type") != "message" or not event.get("user"):
            return
        if event["user"] == context.bot_user_id:  # the bot's own :tada: is no vote
            return
        where = {
            "team_id": context.team_id,
            "channel_id": item.get("channel", ""),
            "ts": item.get("ts", ""),
            "user_id": event["user"],
            "name": event.get("reaction", ""),
        }
        with session_scope(services.session_factory) as session:
            if event.get("type") == "reaction_added":
                service.add_reaction(session=session, **where)
            else:
                service.remove_reaction(session=session, **where)

    app.command("/revops-win")(on_command)
    app.action(WinAction.new_win)(on_new_win)
    app.view(WinCallback.modal)(on_win_submitted)
    app.action(WinAction.open_settings)(on_open_settings)
    app.view(WinCallback.settings)(on_settings_submitted)
    app.action(WinAction.check_channel)(on_check_channel)
    app.event("reaction_added")(on_reaction)
    app.event("reaction_removed")(on_reaction)
    register_sections(services)
