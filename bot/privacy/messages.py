"""The privacy tools' outbox kind: an export's file and an erasure's confirmation, by DM to the
admin who asked, in their language."""

from __future__ import annotations

import json
from collections.abc import Sequence

from bot.outbox.kinds import OutboxKind
from bot.privacy import service as privacy
from bot.privacy.effects import MESSAGE_KIND
from bot.scheduling.kinds import JobContext
from bot.scheduling.models import Delivery
from bot.slack.sender import FileUpload, Outgoing, OutgoingMessage


class PrivacyMessage(OutboxKind):
    name = MESSAGE_KIND

    def resendable(self, delivery: Delivery) -> bool:
        # A file share has no metadata to look for: a lost answer sends it again.
        return (delivery.payload or {}).get("what") == "export"

    def render(self, ctx: JobContext, delivery: Delivery) -> Sequence[Outgoing]:
        payload = delivery.payload or {}
        t = ctx.translator(team_id=delivery.team_id, user_id=delivery.recipient)
        if payload.get("what") == "export":
            user_id = str(payload["user_id"])
            document = privacy.export_user(
                session=ctx.session, team_id=delivery.team_id, user_id=user_id, now=ctx.now
            )
            return [
                FileUpload(
                    channel=delivery.recipient,
                    filename=f"revops-export-{delivery.team_id}-{user_id}.json",
                    content=json.dumps(document, indent=2, ensure_ascii=False),
                    title=t.gettext("Data export"),
                    comment=t.gettext("Here is everything the bot holds about <@{user}>.").format(
                        user=user_id
                    ),
                )
            ]
        if payload.get("what") == "erased":
            text = t.ngettext(
                "The data of {user} is erased: {count} field changed.",
                "The data of {user} is erased: {count} fields changed.",
                int(payload["fields"]),
            ).format(user=payload["alias"], count=t.number(int(payload["fields"])))
            return [OutgoingMessage(channel=delivery.recipient, text=text)]
        return []


def kinds() -> list[OutboxKind]:
    return [PrivacyMessage()]
