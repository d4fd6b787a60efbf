"""The admins' privacy tools: export a member's data to a DM, erase it, set retention and the
admin group. Slack's lifecycle events are in handlers_lifecycle.py.

A refusal (not an admin) is told where the user is: from a Home button, a small modal over
the Home tab; from a modal submission, where Slack offers no ephemeral message, a DM."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlalchemy import select

from bot.db import session_scope
from bot.errors import N_
from bot.privacy import flows, handlers_lifecycle, lifecycle, powers, views
from bot.privacy.ids import PrivacyAction, PrivacyBlock, PrivacyView
from bot.privacy.models import AuditEntry
from bot.privacy.pseudonyms import key_of
from bot.sections import Block, HomeViewer
from bot.services import Services
from bot.slack.middleware import Caller, Form
from bot.slack.modals import open_modal
from bot.workspaces.service import is_admin

logger = logging.getLogger(__name__)

CONFIRM_ERASE = N_("Tick the box to confirm: erasure cannot be undone.")
PICK_A_MEMBER = N_("Pick the member whose data this is.")
OUT_OF_RANGE = N_("Enter a whole number between {low} and {high}.")


def register(app: App, services: Services) -> None:
    handlers_lifecycle.register(app, services)
    _register_tools(app, services)
    services.sections.home.add(order=970, name="privacy", section=_home_section(services))


def _picked_member(values: dict[str, Any]) -> str | None:
    """The member picked in the export or erase modal (a users_select), if any."""
    picked = values.get(PrivacyBlock.user)
    return picked if isinstance(picked, str) and picked else None


def _opener(action: str, build: Any) -> Any:
    def open_tool(
        ack: Ack,
        body: dict[str, Any],
        context: Any,
        caller: Caller,
        services: Services,
        client: WebClient,
    ) -> None:
        ack()
        powers.require_admin_of(services, client, context, action)
        open_modal(
            client,
            trigger_id=body["trigger_id"],
            view=build(caller.t, services, context, client),
        )

    open_tool.__name__ = f"on_{action.replace(' ', '_')}"
    return open_tool


def _settings_modal(t: Any, services: Services, context: Any, client: WebClient) -> dict:
    groups = [
        (group["id"], group.get("handle") or group.get("name", group["id"]))
        for group in client.usergroups_list().get("usergroups") or []
    ]
    with session_scope(services.session_factory) as session:
        settings = lifecycle.privacy_settings(session=session, team_id=context.team_id)
        current = (
            settings.retention_months,
            settings.uninstall_grace_days,
            settings.admin_usergroup_id,
        )
    return views.settings_modal(
        t,
        retention_months=current[0],
        grace_days=current[1],
        admin_group=current[2],
        usergroups=groups,
    )


on_open_export = _opener("open data export", lambda t, *_: views.export_modal(t))
on_open_erase = _opener("open data erasure", lambda t, *_: views.erase_modal(t))
on_open_settings = _opener("open privacy settings", _settings_modal)


def _no_member_picked(ack: Ack, caller: Caller) -> None:
    ack(response_action="errors", errors={PrivacyBlock.user: caller.t.gettext(PICK_A_MEMBER)})


def on_export(ack: Ack, caller: Caller, form: Form, services: Services, client: WebClient) -> None:
    """Audited at once; the file reaches the admin by DM through the outbox."""
    user_id = _picked_member(form.values)
    if user_id is None:
        _no_member_picked(ack, caller)
        return
    ack()
    powers.require_admin(
        services, client, team_id=caller.team_id, user_id=caller.user_id, action="export data"
    )
    flows.export(services.session_factory, caller.actor, user_id=user_id, now=datetime.now(UTC))


def on_erase(ack: Ack, caller: Caller, form: Form, services: Services, client: WebClient) -> None:
    values = form.values
    user_id = _picked_member(values)
    if user_id is None:
        _no_member_picked(ack, caller)
        return
    if "yes" not in (values.get(PrivacyBlock.confirm) or []):
        ack(
            response_action="errors",
            errors={PrivacyBlock.confirm: caller.t.gettext(CONFIRM_ERASE)},
        )
        return
    ack()
    powers.require_admin(
        services, client, team_id=caller.team_id, user_id=caller.user_id, action="erase data"
    )
    flows.erase(
        services.session_factory,
        caller.actor,
        user_id=user_id,
        secret=key_of(services.settings.secret_key),
        now=datetime.now(UTC),
    )
    services.directory.forget(team_id=caller.team_id, user_id=user_id)


def on_save_settings(
    ack: Ack, context: Any, caller: Caller, form: Form, services: Services, client: WebClient
) -> None:
    values = form.values
    t = caller.t
    errors: dict[str, str] = {}
    retention = _whole(values.get(PrivacyBlock.retention), 1, 120)
    grace = _whole(values.get(PrivacyBlock.grace), 0, 365)
    if values.get(PrivacyBlock.retention) and retention is None:
        errors[PrivacyBlock.retention] = t.gettext(OUT_OF_RANGE).format(low=1, high=120)
    if grace is None:
        errors[PrivacyBlock.grace] = t.gettext(OUT_OF_RANGE).format(low=0, high=365)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    powers.require_admin_of(services, client, context, "privacy settings")
    group = values.get(PrivacyBlock.admin_group)
    flows.save_settings(
        services.session_factory,
        caller.actor,
        retention_months=retention,
        grace_days=grace or 0,
        admin_group=group if group and group != "-" else None,
        now=datetime.now(UTC),
    )
    powers.refresh_admin_group(services, client, team_id=caller.team_id)


def _register_tools(app: App, services: Services) -> None:
    def is_admin_group(event: dict[str, Any], context: Any) -> bool:
        group = event.get("subteam_id")
        return bool(group) and group == powers.admin_group(services, team_id=context.team_id)

    def on_admin_group_changed(context: Any, client: WebClient) -> None:
        powers.refresh_admin_group(services, client, team_id=context.team_id)

    app.action(PrivacyAction.open_export)(on_open_export)
    app.action(PrivacyAction.open_erase)(on_open_erase)
    app.action(PrivacyAction.open_settings)(on_open_settings)
    app.view(PrivacyView.export)(on_export)
    app.view(PrivacyView.erase)(on_erase)
    app.view(PrivacyView.settings)(on_save_settings)
    services.events.on(
        "subteam_members_changed",
        lambda event, context, client, body: on_admin_group_changed(context, client),
        name="privacy admin group",
        accepts=is_admin_group,
    )


def _whole(value: Any, low: int, high: int) -> int | None:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if low <= number <= high else None


def _home_section(services: Services) -> Any:
    def section(viewer: HomeViewer) -> list[Block]:
        if not is_admin(viewer.member):
            return []
        settings = lifecycle.privacy_settings(session=viewer.session, team_id=viewer.team_id)
        last = viewer.session.scalar(
            select(AuditEntry)
            .where(AuditEntry.team_id == viewer.team_id, AuditEntry.action == "retention purge")
            .order_by(AuditEntry.at.desc())
            .limit(1)
        )
        last_purge = None
        if last is not None:
            removed = sum(
                int(last.details.get(key, 0))
                for key in ("closed_requests", "check_ins", "deliveries")
            )
            last_purge = (last.at, removed)
        return views.home_section(
            viewer.t, retention_months=settings.retention_months, last_purge=last_purge
        )

    return section
