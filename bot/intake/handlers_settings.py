"""Admins' intake settings, the queue's page buttons, and user group changes."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.db import session_scope
from bot.errors import N_
from bot.intake import configuration, flows, views_modal, views_settings
from bot.intake.ids import Action, Block, Callback
from bot.intake.state import QueuePageRef, parse
from bot.privacy import powers
from bot.services import Services
from bot.slack.channels import channel_access, join
from bot.slack.middleware import Caller, Form
from bot.slack.modals import open_modal
from bot.workspaces.models import Workspace

logger = logging.getLogger(__name__)

ADMINS_ONLY = N_("Only workspace admins can change the intake settings.")
PAGE_ACTIONS = re.compile(rf"^{Action.queue_page}_(previous|next)$")
FIELD_BLOCKS = {
    "channel": Block.channel,
    "capacity": Block.capacity,
    "sla": Block.sla,
    "reminder": Block.reminder,
    "auto_close": Block.auto_close,
    "filer_groups": Block.filer_groups,
    "holidays": Block.holidays,
    "worked_holidays": Block.worked_holidays,
    "country": Block.country,
    "subdivision": Block.subdivision,
    "rollouts": Block.rollouts,
    "tz": Block.tz,
}


def _usergroups(client: WebClient) -> list[tuple[str, str]]:
    try:
        groups = client.usergroups_list()["usergroups"]
    except SlackApiError as error:
        logger.warning("intake: no user groups: %s", error.response.get("error"))
        return []
    return [
        (group["id"], group.get("name") or group.get("handle") or group["id"]) for group in groups
    ]


def on_open_settings(
    ack: Ack,
    body: dict[str, Any],
    context: Any,
    caller: Caller,
    services: Services,
    client: WebClient,
) -> None:
    ack()
    powers.require_admin_of(services, client, context, "open intake settings")
    t = caller.t
    title = t.gettext("Intake settings")
    # Open at once (the trigger id lives 3 s), then fill in what Slack must tell us.
    opened = open_modal(
        client,
        trigger_id=body["trigger_id"],
        view=views_modal.notice_modal(t, title=title, text=t.gettext(views_settings.LOADING)),
    )
    groups = _usergroups(client)
    with session_scope(services.session_factory) as session:
        settings = configuration.settings_of(session=session, team_id=caller.team_id)
        workspace = session.get(Workspace, caller.team_id)
        holidays = list(workspace.holidays or []) if workspace else []
        worked = list(workspace.worked_holidays or []) if workspace else []
        country = (workspace.holiday_country or "") if workspace else ""
        region = (workspace.holiday_subdivision or "") if workspace else ""
        rollouts = [
            r.name for r in configuration.active_rollouts(session=session, team_id=caller.team_id)
        ]
        zones, zone = configuration.zones_to_pick(
            session=session, team_id=caller.team_id, admin_tz=caller.member.tz
        )
    client.views_update(
        view_id=opened["id"],
        view=views_settings.settings_modal(
            t,
            settings,
            usergroups=groups,
            holidays=holidays,
            worked_holidays=worked,
            country=country,
            subdivision=region,
            rollouts=rollouts,
            zones=zones,
            zone=zone,
        ),
    )


def on_settings_submit(
    ack: Ack, caller: Caller, form: Form, services: Services, client: WebClient
) -> None:
    team_id, user_id = caller.team_id, caller.user_id
    values = form.values
    t = caller.t
    if not powers.check_admin(
        services, client, team_id=team_id, user_id=user_id, action="intake settings"
    ):
        ack(response_action="errors", errors={Block.channel: t.gettext(ADMINS_ONLY)})
        return
    checked = configuration.check_settings(
        configuration.SettingsForm(
            intake_channel_id=values.get(Block.channel),
            revops_usergroup_id=values.get(Block.revops_group),
            who_may_file=values.get(Block.who_may_file),
            filer_usergroup_ids=values.get(Block.filer_groups) or [],
            team_lead_id=values.get(Block.team_lead),
            capacity=values.get(Block.capacity) or "",
            sla=values.get(Block.sla) or "",
            reminder=values.get(Block.reminder) or "",
            auto_close=values.get(Block.auto_close) or "",
            holidays=values.get(Block.holidays) or "",
            worked_holidays=values.get(Block.worked_holidays) or "",
            country=values.get(Block.country) or "",
            subdivision=values.get(Block.subdivision) or "",
            rollouts=values.get(Block.rollouts) or "",
            tz=values.get(Block.tz),
        )
    )
    errors: dict[str, str] = {
        FIELD_BLOCKS[name]: t.message(message, **params)
        for name, (message, params) in checked.errors.items()
    }
    channel = values.get(Block.channel)
    if channel and not errors:
        access = channel_access(client, channel)
        if access.can_join:
            join(client, channel)
        elif not access.can_post:
            errors[Block.channel] = t.gettext(
                "Invite the bot to this private channel first (/invite), or pick another one."
            )
    if errors or not channel:
        ack(response_action="errors", errors=errors)
        return
    group = values.get(Block.revops_group)
    members: frozenset[str] = frozenset()
    for watched in [group, *(values.get(Block.filer_groups) or [])]:
        if watched:
            services.usergroups.forget(team_id=team_id, usergroup_id=watched)
    if group:
        members = services.usergroups.members(client, team_id=team_id, usergroup_id=group)
    flows.save_settings(
        services.session_factory,
        caller.actor,
        checked=checked,
        revops_member_ids=members,
        report_tz=caller.member.tz or "UTC",
        now=datetime.now(UTC),
    )
    services.recent.forget(team_id)  # the filing modal shows the new filers and roll-outs
    ack()


def on_queue_page(ack: Ack, action: dict[str, Any], caller: Caller, services: Services) -> None:
    ack()
    wanted = parse(QueuePageRef, action.get("value"))
    flows.set_queue_page(
        services.session_factory, caller.actor, page=wanted.page, now=datetime.now(UTC)
    )


def register(app: App, services: Services) -> None:
    def watches(event: dict[str, Any], context: Any) -> bool:
        return flows.watches_group(
            services.session_factory,
            team_id=context.team_id,
            usergroup_id=str(event.get("subteam_id", "")),
        )

    def on_group_changed(event: dict[str, Any], context: Any, client: WebClient, _: Any) -> None:
        """Someone joined or left the RevOps or filers group: see it at once, not in 5 min."""
        group = str(event["subteam_id"])
        services.usergroups.forget(team_id=context.team_id, usergroup_id=group)
        flows.revops_group_changed(
            services.session_factory,
            team_id=context.team_id,
            usergroup_id=group,
            members=lambda: services.usergroups.members(
                client, team_id=context.team_id, usergroup_id=group
            ),
        )

    app.action(Action.open_settings)(on_open_settings)
    app.view(Callback.settings)(on_settings_submit)
    app.action(PAGE_ACTIONS)(on_queue_page)
    services.events.on(
        "subteam_members_changed", on_group_changed, name="intake groups", accepts=watches
    )
