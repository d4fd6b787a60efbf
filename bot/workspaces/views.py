"""Block Kit for workspace administration. Data in, dict out."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.i18n import Translator
from bot.sections import Block
from bot.workspaces.ids import WorkspaceAction


def webhook_token_section(t: Translator, *, has_token: bool) -> list[Block]:
    status = (
        t.gettext("A webhook token is active. Issuing a new one revokes it.")
        if has_token
        else t.gettext("No webhook token yet: CRM and dashboard tools cannot push wins or KPIs.")
    )
    return [
        SectionBlock(
            text=MarkdownTextObject(text=t.gettext("*Webhooks* (admins)") + "\n" + status)
        ).to_dict(),
        ActionsBlock(
            elements=[
                ButtonElement(
                    text=t.gettext("Issue a new webhook token"),
                    action_id=WorkspaceAction.issue_webhook_token,
                    style="primary" if not has_token else None,
                )
            ]
        ).to_dict(),
    ]


def webhook_token_modal(t: Translator, *, token: str) -> dict:
    how = t.gettext(
        "Send it as `Authorization: Bearer <token>` to `POST /webhooks/wins` and "
        "`POST /webhooks/kpis`. It is shown only now: copy it to your tool's settings."
    )
    return View(
        type="modal",
        title=t.gettext("Webhook token"),
        close=t.gettext("Done"),
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=f"```{token}```")),
            ContextBlock(elements=[MarkdownTextObject(text=how)]),
        ],
    ).to_dict()
