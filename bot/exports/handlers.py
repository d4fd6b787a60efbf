"""Admins export CSV files from App Home: a button, a modal, the file by DM (outbox)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.exports import flows, views
from bot.exports.columns import ExportKind
from bot.exports.ids import ExportAction, ExportBlock, ExportView
from bot.privacy import powers
from bot.sections import Block, HomeViewer
from bot.services import Services
from bot.slack.middleware import Caller, Form
from bot.slack.modals import open_modal
from bot.workspaces.service import is_admin


def register(app: App, services: Services) -> None:
    app.action(ExportAction.open)(on_open)
    app.view(ExportView.export)(on_submit)
    services.sections.home.add(order=965, name="exports", section=home_section)


def home_section(viewer: HomeViewer) -> list[Block]:
    return views.home_section(viewer.t) if is_admin(viewer.member) else []


def on_open(
    ack: Ack,
    body: dict[str, Any],
    context: Any,
    caller: Caller,
    services: Services,
    client: WebClient,
) -> None:
    ack()
    powers.require_admin_of(services, client, context, "open CSV export")
    open_modal(client, trigger_id=body["trigger_id"], view=views.export_modal(caller.t))


def _day(value: Any) -> date | None:
    return value if isinstance(value, date) else None  # the form reads a datepicker's day


def on_submit(ack: Ack, caller: Caller, form: Form, services: Services, client: WebClient) -> None:
    values = form.values
    start, end = _day(values.get(ExportBlock.start)), _day(values.get(ExportBlock.end))
    refusal = flows.check_period(start, end)
    if refusal:
        ack(response_action="errors", errors={ExportBlock.end: caller.t.gettext(refusal)})
        return
    try:
        kind = ExportKind(str(values.get(ExportBlock.kind)))
    except ValueError:
        ack(
            response_action="errors",
            errors={ExportBlock.kind: caller.t.gettext("Pick what to export.")},
        )
        return
    ack()
    powers.require_admin(
        services, client, team_id=caller.team_id, user_id=caller.user_id, action="export CSV"
    )
    flows.request_export(
        services.session_factory,
        caller.actor,
        kind=kind,
        start=start,
        end=end,
        excel="yes" in (values.get(ExportBlock.excel) or []),
        now=datetime.now(UTC),
    )
