"""Block Kit for the scheduling admin section. Data in, dict out."""

from __future__ import annotations

from slack_sdk.models.blocks import ContextBlock, MarkdownTextObject, SectionBlock

from bot.i18n import Translator
from bot.scheduling.models import Delivery
from bot.sections import Block


def failed_deliveries(t: Translator, failed: list[Delivery]) -> list[Block]:
    if not failed:
        return []
    lines = [
        t.gettext("• `{kind}` to {recipient} for {period}: {error}").format(
            kind=delivery.kind,
            recipient=_mention(delivery.recipient),
            period=delivery.period,
            error=delivery.error or "?",
        )
        for delivery in failed
    ]
    title = t.gettext("*Scheduled messages that could not be sent*")
    hint = t.gettext(
        "Each was retried with backoff before giving up. Check that the bot is in the channel "
        "and that the user is still active."
    )
    return [
        SectionBlock(
            text=MarkdownTextObject(text=f"{title}\n" + "\n".join(lines)[:2800])
        ).to_dict(),
        ContextBlock(elements=[MarkdownTextObject(text=hint)]).to_dict(),
    ]


def _mention(recipient: str) -> str:
    return f"<@{recipient}>" if recipient[:1] in {"U", "W"} else f"<#{recipient}>"
