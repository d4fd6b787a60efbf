"""The admins' privacy tools: export a member's data to a DM, erase it, set retention and the
admin group. Slack's lifecycle events are in handlers_lifecycle.py.

A refusal (not an admin) is told where the user is: from a Home button, a small modal over
the Home tab; from a modal submission, where Slack offers no ephemeral message, a DM."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlalchemy import select

from bot.db import session_scope
from bot.errors import N_
from bot.home.handlers import publish_home
from bot.privacy import handlers_lifecycle, lifecycle, powers, views
from bot.privacy import service as privacy
from bot.privacy.ids import PrivacyAction, PrivacyBlock, PrivacyView
from bot.privacy.models import AuditEntry
from bot.privacy.pseudonyms import key_of
from bot.sections import Block, HomeViewer
from bot.services import Services
from bot.slack.forms import submitted_values
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


def _register_tools(app: App, services: Services) -> None:
    def opener(action: str, build: Any) -> Any:
        def open_modal(ack: Ack, body: dict[str, Any], context: Any, client: WebClient) -> None:
            ack()
            powers.require_admin_of(services, client, context, action)
            t = services.translator(client, team_id=context.team_id, user_id=context.user_id)
            client.views_open(trigger_id=body["trigger_id"], view=build(t, context, client))

        return open_modal

    def build_settings(t: Any, context: Any, client: WebClient) -> dict:
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

    def no_member_picked(ack: Ack, context: Any, client: WebClient) -> None:
        t = services.translator(client, team_id=context.team_id, user_id=context.user_id)
        ack(response_action="errors", errors={PrivacyBlock.user: t.gettext(PICK_A_MEMBER)})

    def export(ack: Ack, view: dict[str, Any], context: Any, client: WebClient) -> None:
        user_id = _picked_member(submitted_values(view))
        if user_id is None:
            no_member_picked(ack, context, client)
            return
        ack()
        team_id, admin = context.team_id, context.user_id
        powers.require_admin(services, client, team_id=team_id, user_id=admin, action="export data")
        now = datetime.now(UTC)
        with session_scope(services.session_factory) as session:
            document = privacy.export_user(
                session=session, team_id=team_id, user_id=user_id, now=now
            )
            lifecycle.audit(
                session=session,
                team_id=team_id,
                action="export",
                actor=admin,
                subject=user_id,
                now=now,
                details={"rows": privacy.export_row_count(document)},
            )
        dm = client.conversations_open(users=admin)["channel"]["id"]
        t = services.translator(client, team_id=team_id, user_id=admin)
        client.files_upload_v2(
            channel=dm,
            content=json.dumps(document, indent=2, ensure_ascii=False),
            filename=f"revops-export-{team_id}-{user_id}.json",
            title=t.gettext("Data export"),
            initial_comment=t.gettext("Here is everything the bot holds about <@{user}>.").format(
                user=user_id
            ),
        )

    def erase(ack: Ack, view: dict[str, Any], context: Any, client: WebClient) -> None:
        values = submitted_values(view)
        user_id = _picked_member(values)
        if user_id is None:
            no_member_picked(ack, context, client)
            return
        if "yes" not in (values.get(PrivacyBlock.confirm) or []):
            t = services.translator(client, team_id=context.team_id, user_id=context.user_id)
            ack(response_action="errors", errors={PrivacyBlock.confirm: t.gettext(CONFIRM_ERASE)})
            return
        ack()
        team_id, admin = context.team_id, context.user_id
        powers.require_admin(services, client, team_id=team_id, user_id=admin, action="erase data")
        secret = key_of(services.settings.secret_key)
        with session_scope(services.session_factory) as session:
            counts = privacy.erase_user(
                session=session,
                team_id=team_id,
                user_id=user_id,
                actor=admin,
                now=datetime.now(UTC),
                secret=secret,
            )
        services.directory.forget(team_id=team_id, user_id=user_id)
        t = services.translator(client, team_id=team_id, user_id=admin)
        client.chat_postMessage(
            channel=admin,
            text=t.gettext("The data of {user} is erased: {count} fields changed.").format(
                user=privacy.pseudonym(team_id=team_id, user_id=user_id, secret=secret),
                count=sum(counts.values()),
            ),
        )

    def save_settings(ack: Ack, view: dict[str, Any], context: Any, client: WebClient) -> None:
        values = submitted_values(view)
        t = services.translator(client, team_id=context.team_id, user_id=context.user_id)
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
        with session_scope(services.session_factory) as session:
            settings = lifecycle.privacy_settings(session=session, team_id=context.team_id)
            settings.retention_months = retention
            settings.uninstall_grace_days = grace or 0
            settings.admin_usergroup_id = group if group and group != "-" else None
        powers.refresh_admin_group(services, client, team_id=context.team_id)
        publish_home(services, client, team_id=context.team_id, user_id=context.user_id)

    def is_admin_group(event: dict[str, Any], context: Any) -> bool:
        group = event.get("subteam_id")
        return bool(group) and group == powers.admin_group(services, team_id=context.team_id)

    def on_admin_group_changed(context: Any, client: WebClient) -> None:
        powers.refresh_admin_group(services, client, team_id=context.team_id)

    app.action(PrivacyAction.open_export)(
        opener("open data export", lambda t, context, client: views.export_modal(t))
    )
    app.action(PrivacyAction.open_erase)(
        opener("open data erasure", lambda t, context, client: views.erase_modal(t))
    )
    app.action(PrivacyAction.open_settings)(opener("open privacy settings", build_settings))
    app.view(PrivacyView.export)(export)
    app.view(PrivacyView.erase)(erase)
    app.view(PrivacyView.settings)(save_settings)
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
