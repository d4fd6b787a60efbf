"""A drawn chart as the file a report uploads (files_upload_v2, through the ledger)."""

from __future__ import annotations

from bot.charts.series import Chart
from bot.slack.sender import FileUpload


def chart_upload(channel: str, chart: Chart) -> FileUpload:
    return FileUpload(
        channel=channel,
        filename=chart.filename,
        content=chart.png,
        title=chart.title,
        alt_text=chart.alt_text,
    )
