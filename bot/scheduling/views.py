"""Block Kit for the scheduling admin section. Data in, dict out."""

from __future__ import annotations

from datetime import datetime

from slack_sdk.models.blocks import ContextBlock, MarkdownTextObject, SectionBlock

from bot.i18n import Translator
from bot.outbox.service import Waiting
from bot.scheduling.models import Delivery
from bot.sections import Block


def waiting_deliveries(t: Translator, waiting: Waiting, *, now: datetime) -> list[Block]:
    """Messages the bot owes that Slack has not taken for over a minute: they are not lost,
    they wait; the admins see how many and why."""
    if not waiting.count:
        return []
    minutes = max(int((now - waiting.since).total_seconds() // 60), 1) if waiting.since else 1
    text = t.ngettext(
        "*{count} message waits for Slack* (the oldest for {minutes} min).",
        "*{count} messages wait for Slack* (the oldest for {minutes} min).",
        waiting.count,
    ).format(count=t.number(waiting.count), minutes=t.number(minutes))
    hint = t.gettext(
        "Slack did not take them yet; the bot keeps trying and sends each one once, as soon "
        "as Slack answers."
    )
    if waiting.last_error:
        hint += " " + t.gettext("Slack's last answer: {error}").format(
            error=f"`{waiting.last_error[:200]}`"
        )
    return [
        SectionBlock(text=MarkdownTextObject(text=text)).to_dict(),
        ContextBlock(elements=[MarkdownTextObject(text=hint)]).to_dict(),
    ]


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
    title = t.gettext("*Messages that could not be sent*")
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
