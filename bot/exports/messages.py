"""The exports' outbox kind: the CSV file by DM to the admin who asked, made when it is sent."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Sequence
from datetime import date

from bot.exports import csvfile
from bot.exports.columns import ExportKind
from bot.exports.effects import MESSAGE_KIND
from bot.exports.service import Period, export_header, export_rows
from bot.outbox.kinds import OutboxKind
from bot.scheduling.kinds import JobContext
from bot.scheduling.models import Delivery
from bot.slack.sender import FileUpload, Outgoing

# An export up to this size stays in memory until it is sent; a larger one spills to disk.
SPOOL_BYTES = 1 << 20


def _day(value: object) -> date | None:
    return date.fromisoformat(str(value)) if value else None


class CsvExport(OutboxKind):
    name = MESSAGE_KIND

    def resendable(self, delivery: Delivery) -> bool:
        # A file share has no metadata to look for: a lost answer sends it again.
        return True

    def render(self, ctx: JobContext, delivery: Delivery) -> Sequence[Outgoing]:
        payload = delivery.payload or {}
        kind = ExportKind(str(payload["kind"]))
        period = Period(_day(payload.get("from")), _day(payload.get("to")))
        t = ctx.translator(team_id=delivery.team_id, user_id=delivery.recipient)
        dialect = csvfile.dialect_for(excel=bool(payload.get("excel")), language=t.language)
        # Rows go to a temporary file as they are read (a thousand at a time), and Slack gets
        # them from there: the export is never held whole in memory. The sender closes it.
        spooled = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
        out = io.TextIOWrapper(spooled, encoding="utf-8", newline="")
        rows = csvfile.write(
            out,
            export_header(ctx.session, team_id=delivery.team_id, kind=kind),
            export_rows(ctx.session, team_id=delivery.team_id, kind=kind, period=period),
            dialect,
        )
        out.flush()
        out.detach()  # the text layer goes; the file stays open for the upload
        span = "-".join(day.isoformat() for day in (period.start, period.end) if day)
        filename = f"revops-{kind.value}-{delivery.team_id}{'-' + span if span else ''}.csv"
        comment = t.count("Your export: {count} row.", "Your export: {count} rows.", rows)
        return [
            FileUpload(
                channel=delivery.recipient,
                filename=filename,
                content=spooled,
                title=filename,
                comment=comment,
            )
        ]


def kinds() -> list[OutboxKind]:
    return [CsvExport()]
