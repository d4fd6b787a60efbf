"""Bolt listeners of the projects domain: `/revops-project` and the buttons of project cards,
check-in cards, update cards, reminders and the Home tab; Slack's user group and profile
changes. Modal submissions are in submissions.py; the Home, digest and gazette sections in
surfaces.py.

Listeners are module-level functions of what the global middleware puts in the context
(`caller`, `form`, `services`): they ack first, parse, call a flow (flows.py), and render the
answer. Every message a change owes is written by the flow and delivered by the outbox;
refusals (ProjectRefused) reach the user through the app's one error handler.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.celebrations.handlers import open_win_modal
from bot.errors import N_, UserFacingError
from bot.i18n import Translator
from bot.privacy import powers
from bot.projects import (
    create_modal,
    flows,
    modals,
    state,
    submissions,
    surfaces,
    texts,
    views,
    views_card,
)
from bot.projects.ids import ProjectAction
from bot.projects.validation import StatusAction
from bot.services import Services
from bot.slack.middleware import Caller, Form
from bot.slack.modals import open_modal

COMMAND = "/revops-project"
NOT_FOUND = N_("No project matches “{text}”. `/revops-project` lists them all.")
# One Celebrate button per team or country gone live (views.celebrate_action); cards posted
# before carry the bare action id.
CELEBRATE_ACTIONS = re.compile(rf"^{ProjectAction.celebrate}(_\d+)?$")


def register(app: App, services: Services) -> None:
    app.command(COMMAND)(on_command)
    app.action(ProjectAction.open)(on_open)
    app.action(ProjectAction.list_page)(on_list_page)
    app.action(ProjectAction.new)(on_new)
    app.action(ProjectAction.post_update)(on_post_update)
    for action in StatusAction:
        app.action(ProjectAction[action.value])(on_status_button)
    app.action(CELEBRATE_ACTIONS)(on_celebrate)
    app.action(ProjectAction.milestone_reached)(on_milestone_reached)
    app.action(ProjectAction.add_kpi_slot)(on_add_slot)
    app.action(ProjectAction.add_milestone_slot)(on_add_slot)
    app.options(ProjectAction.usergroup)(on_usergroup_options)
    app.action(ProjectAction.flash_settings)(on_flash_settings)
    app.action(ProjectAction.flash_stop)(on_flash_stop)
    subscribe(services)
    submissions.register(app, services)
    surfaces.register(services)


def _list(services: Services, t: Translator, team_id: str, offset: int) -> tuple[str, list[Any]]:
    page = flows.project_page(
        services.session_factory, team_id=team_id, offset=offset, limit=texts.LIST_PAGE
    )
    return views_card.project_list(t, page, offset=offset)


def _card_blocks(t: Translator, shown: flows.CardView) -> list[Any]:
    return views_card.project_card(t, shown.card, may_steer=shown.may_steer)


def _open_create_modal(client: WebClient, caller: Caller, *, trigger_id: str, name: str) -> None:
    view = create_modal.create_modal(
        caller.t,
        name=name,
        owner_id=caller.user_id,
        today=datetime.now(UTC).date(),
        meta=state.CreateMeta(),
    )
    open_modal(client, trigger_id=trigger_id, view=view)


# ---------------------------------------------------------------- /revops-project


def on_command(
    ack: Ack,
    command: dict[str, Any],
    respond: Respond,
    caller: Caller,
    services: Services,
    client: WebClient,
) -> None:
    ack()
    text = " ".join((command.get("text") or "").split())
    t = caller.t
    if not text:
        summary, blocks = _list(services, t, caller.team_id, 0)
        respond(text=summary, blocks=blocks, response_type="ephemeral")
        return
    target = flows.command_target(services.session_factory, caller.actor, text=text)
    if target.card is not None:
        respond(
            text=target.card.card.project.name,
            blocks=_card_blocks(t, target.card),
            response_type="ephemeral",
        )
        return
    if target.new_name is not None:
        _open_create_modal(client, caller, trigger_id=command["trigger_id"], name=target.new_name)
        return
    raise UserFacingError(NOT_FOUND, text=text)


def on_list_page(
    ack: Ack, action: dict[str, Any], respond: Respond, caller: Caller, services: Services
) -> None:
    ack()
    page = state.load(state.ListPage, action.get("value"))
    summary, blocks = _list(services, caller.t, caller.team_id, page.offset)
    respond(text=summary, blocks=blocks, replace_original=True)


def on_open(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    caller: Caller,
    services: Services,
    client: WebClient,
) -> None:
    ack()
    ref = state.load(state.ProjectRef, action.get("value"))
    shown = flows.project_card(services.session_factory, caller.actor, project_id=ref.p)
    t = caller.t
    if body.get("container", {}).get("type") == "view":  # the Home tab: show it in a modal
        view = modals.card_modal(t, views_card.project_card(t, shown.card, with_buttons=False))
        open_modal(client, trigger_id=body["trigger_id"], view=view)
        return
    respond(
        text=shown.card.project.name,
        blocks=_card_blocks(t, shown),
        response_type="ephemeral",
        replace_original=False,
    )


def on_new(ack: Ack, body: dict[str, Any], caller: Caller, client: WebClient) -> None:
    ack()
    _open_create_modal(client, caller, trigger_id=body["trigger_id"], name="")


def on_add_slot(
    ack: Ack, action: dict[str, Any], caller: Caller, form: Form, client: WebClient
) -> None:
    """One more KPI or milestone in the open new-project modal (a pure UI answer)."""
    ack()
    view = form.view
    meta = form.meta(state.CreateMeta, state.load)
    if action["action_id"] == ProjectAction.add_kpi_slot:
        meta = meta.model_copy(update={"kpis": min(meta.kpis + 1, create_modal.CREATE_KPI_SLOTS)})
    else:
        meta = meta.model_copy(
            update={"milestones": min(meta.milestones + 1, create_modal.CREATE_MILESTONE_SLOTS)}
        )
    rebuilt = create_modal.create_modal(
        caller.t, name="", owner_id=caller.user_id, today=datetime.now(UTC).date(), meta=meta
    )
    try:
        client.views_update(view_id=view["id"], hash=view.get("hash"), view=rebuilt)
    except SlackApiError as error:
        if error.response.get("error") != "hash_conflict":
            raise
        # A double click: the first click already added the slot.


def on_usergroup_options(
    ack: Ack, body: dict[str, Any], context: BoltContext, services: Services, client: WebClient
) -> None:
    typed = (body.get("value") or "").lower().lstrip("@")
    groups = services.usergroups.groups(client, team_id=str(context.team_id))
    options = [
        {
            "text": {"type": "plain_text", "text": f"@{group['handle']} ({group['name']})"[:75]},
            "value": group["id"],
        }
        for group in groups
        if typed in group.get("handle", "").lower() or typed in group.get("name", "").lower()
    ]
    ack(options=options[:100])


# ---------------------------------------------------------------- updates and steering


def on_post_update(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    caller: Caller,
    services: Services,
    client: WebClient,
) -> None:
    ack()
    ref = state.load(state.CheckinRef, action.get("value"))
    form = flows.update_form(
        services.session_factory, caller.actor, project_id=ref.p, today=datetime.now(UTC).date()
    )
    meta = state.UpdateMeta(
        p=form.project.id,
        c=ref.c,
        nonce=uuid.uuid4().hex,
        kpis=[kpi.id for kpi in form.kpis],
        lines=[line.id for line in form.lines],
        milestones=[milestone.id for milestone in form.milestones],
    )
    view = modals.update_modal(
        caller.t,
        project=form.project,
        kpis=form.kpis,
        lines=form.lines,
        milestones=form.milestones,
        meta=meta,
    )
    open_modal(client, trigger_id=body["trigger_id"], view=view)


def on_status_button(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    caller: Caller,
    services: Services,
    client: WebClient,
) -> None:
    ack()
    ref = state.load(state.ProjectRef, action.get("value"))
    status_action = StatusAction(ProjectAction(action["action_id"]).name)
    project = flows.status_button(
        services.session_factory, caller.actor, project_id=ref.p, action=status_action
    )
    view = modals.status_modal(caller.t, project=project, action=status_action)
    open_modal(client, trigger_id=body["trigger_id"], view=view)


def on_celebrate(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    caller: Caller,
    services: Services,
    client: WebClient,
) -> None:
    ack()
    ref = state.load(state.CelebrateRef, action.get("value"))
    celebration = flows.celebration_of(
        services.session_factory, caller.actor, project_id=ref.p, line_id=ref.line
    )
    open_win_modal(
        services,
        client,
        team_id=caller.team_id,
        user_id=caller.user_id,
        trigger_id=body["trigger_id"],
        prefill=views.win_prefill(caller.t, celebration),
    )


def _message_of(body: dict[str, Any]) -> tuple[str, str] | None:
    """The channel and ts of the message a button was clicked in (not an ephemeral one)."""
    container = body.get("container") or {}
    if container.get("type") != "message" or container.get("is_ephemeral"):
        return None
    channel, ts = container.get("channel_id"), container.get("message_ts")
    return (str(channel), str(ts)) if channel and ts else None


def on_milestone_reached(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    caller: Caller,
    services: Services,
) -> None:
    ack()
    ref = state.load(state.MilestoneRef, action.get("value"))
    reminder = _message_of(body)
    project, milestone = flows.mark_milestone_reached(
        services.session_factory,
        caller.actor,
        milestone_id=ref.m,
        reminder=reminder,
        now=datetime.now(UTC),
    )
    if reminder is None:  # no message to show it in: answer the clicker only
        text, blocks = views.milestone_reached(caller.t, project, milestone)
        respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)


# ---------------------------------------------------------------- the flash report (admins)


def on_flash_settings(
    ack: Ack,
    body: dict[str, Any],
    context: BoltContext,
    caller: Caller,
    services: Services,
    client: WebClient,
) -> None:
    ack()
    powers.require_admin_of(services, client, context, "open flash report settings")
    schedule = flows.flash_schedule(services.session_factory, team_id=caller.team_id)
    view = modals.flash_modal(
        caller.t,
        tz=schedule.tz if schedule else caller.member.tz,
        weekday=schedule.weekday if schedule else None,
        at=f"{schedule.hour:02d}:{schedule.minute:02d}" if schedule else None,
    )
    open_modal(client, trigger_id=body["trigger_id"], view=view)


def on_flash_stop(
    ack: Ack, context: BoltContext, caller: Caller, services: Services, client: WebClient
) -> None:
    ack()
    powers.require_admin_of(services, client, context, "stop the flash report")
    flows.stop_flash_report(services.session_factory, caller.actor, now=datetime.now(UTC))


# ---------------------------------------------------------------- user groups and time zones


def subscribe(services: Services) -> None:
    """Slack's changes that projects follow, through the one listener per event type that
    every domain shares (bot/slack/events.py)."""

    def follows(event: dict[str, Any], context: BoltContext) -> bool:
        group = event.get("subteam_id")
        return bool(group) and flows.follows_group(
            services.session_factory, team_id=str(context.team_id), usergroup_id=str(group)
        )

    def on_group_changed(
        event: dict[str, Any], context: BoltContext, client: WebClient, _: Any
    ) -> None:
        """Someone joined or left a project's user group: they take part, or not, at once."""
        team_id, group = str(context.team_id), str(event["subteam_id"])
        services.usergroups.forget(team_id=team_id, usergroup_id=group)
        flows.group_changed(
            services.session_factory,
            team_id=team_id,
            usergroup_id=group,
            members=lambda: services.usergroups.members(
                client, team_id=team_id, usergroup_id=group
            ),
        )

    def moved(event: dict[str, Any], context: BoltContext) -> bool:
        user = event.get("user")
        return bool(context.team_id) and isinstance(user, dict) and bool(user.get("id"))

    def on_user_change(
        event: dict[str, Any], context: BoltContext, client: WebClient, _: Any
    ) -> None:
        """An owner's time zone changed: their check-ins follow them."""
        user = event["user"]
        if not user.get("tz"):
            return
        flows.owner_moved(
            services.session_factory,
            team_id=str(context.team_id),
            user_id=user["id"],
            tz=user["tz"],
            now=datetime.now(UTC),
        )

    services.events.on(
        "subteam_members_changed", on_group_changed, name="projects groups", accepts=follows
    )
    services.events.on(
        "user_change", on_user_change, name="projects owners' time zones", accepts=moved
    )
