"""The digest's outbox kind: `digest-message`, edits of a digest DM that a change owes (the
note that its reader unsubscribed), rendered in the reader's language when sent. The reader is
the row's recipient, so the ledger's DM check holds: nothing for an erased reader or one who
left."""

from __future__ import annotations

from collections.abc import Sequence

from bot.digests import effects, views
from bot.outbox.kinds import OutboxKind
from bot.scheduling.kinds import JobContext
from bot.scheduling.models import Delivery
from bot.slack.sender import MessageEdit, Outgoing, PostedMessage


class DigestMessage(OutboxKind):
    name = effects.MESSAGE_KIND

    def resendable(self, delivery: Delivery) -> bool:
        return True  # an edit: twice shows the same as once

    def render(self, ctx: JobContext, delivery: Delivery) -> Sequence[Outgoing]:
        payload = delivery.payload or {}
        if payload.get("what") != effects.UNSUBSCRIBED:
            return []
        t = ctx.translator(team_id=delivery.team_id, user_id=delivery.recipient)
        return [
            MessageEdit(
                channel=payload["channel"],
                ts=payload["ts"],
                text=payload.get("text") or "",
                blocks=views.unsubscribed_message(t, payload.get("blocks") or []),
            )
        ]

    def on_sent(self, ctx: JobContext, delivery: Delivery, posted: list[PostedMessage]) -> None:
        """The digest's words were kept only to be shown again: the ledger forgets them."""
        payload = dict(delivery.payload or {})
        payload.pop("text", None)
        payload.pop("blocks", None)
        delivery.payload = payload


def kinds() -> list[OutboxKind]:
    return [DigestMessage()]
