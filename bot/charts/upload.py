"""A drawn chart as the image its report's message shows (uploaded once, through the ledger)."""

from __future__ import annotations

from dataclasses import replace

from bot.charts.series import Chart
from bot.slack.sender import ImageFile, Outgoing, OutgoingMessage

MESSAGE_BLOCK_LIMIT = 50


def chart_image(chart: Chart) -> ImageFile:
    return ImageFile(
        filename=chart.filename, png=chart.png, title=chart.title, alt_text=chart.alt_text
    )


def with_chart(messages: list[Outgoing], chart: Chart | None) -> list[Outgoing]:
    """The report's messages with its chart shown in the first one (what people see in the
    channel), below its blocks; in a message of its own right after it when the first is
    full. The runner uploads the image, shared nowhere, before that post and records the
    file in the report's ledger row: one upload per report, whatever the retries."""
    if chart is None or not messages:
        return messages
    first = messages[0]
    assert isinstance(first, OutgoingMessage), "a report starts with a message"
    image = chart_image(chart)
    if len(first.blocks or []) < MESSAGE_BLOCK_LIMIT:
        return [replace(first, image=image), *messages[1:]]
    own = OutgoingMessage(channel=first.channel, text=chart.title, blocks=[], image=image)
    return [first, own, *messages[1:]]
