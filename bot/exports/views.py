"""Block Kit of the CSV exports: the admins' Home entry and the export modal. Data in, dict out."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ButtonElement,
    CheckboxesElement,
    DatePickerElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    SectionBlock,
    StaticSelectElement,
)

from bot.errors import N_
from bot.exports.columns import ExportKind
from bot.exports.ids import ExportAction, ExportBlock, ExportView
from bot.i18n import Translator
from bot.sections import Block
from bot.slack.views import file_by_dm_modal

KIND_LABELS: dict[ExportKind, str] = {
    ExportKind.requests: N_("Requests (one row per request)"),
    ExportKind.projects: N_("Projects (one row per project, with its KPIs)"),
    ExportKind.kpis: N_("KPI values (one row per value recorded)"),
    ExportKind.wins: N_("Wins (one row per win)"),
}


def home_section(t: Translator) -> list[Block]:
    text = t.gettext(
        "*Exports* (admins)\nRequests, projects, KPI values or wins as a CSV file, sent to you "
        "by direct message."
    )
    return [
        SectionBlock(
            text=MarkdownTextObject(text=text),
            accessory=ButtonElement(text=t.gettext("Export to CSV"), action_id=ExportAction.open),
        ).to_dict()
    ]


def export_modal(t: Translator) -> dict:
    kinds = [
        Option(value=kind.value, label=t.gettext(label)) for kind, label in KIND_LABELS.items()
    ]
    note = t.gettext(
        "Dates in ISO 8601 (UTC), numbers unformatted, erased members as their pseudonym. "
        "`revops-bot export --help` documents every column."
    )
    excel = Option(value="yes", label=t.gettext("For a spreadsheet (Excel)"))
    return file_by_dm_modal(
        t,
        callback_id=ExportView.export,
        title=t.gettext("Export to CSV"),
        inputs=[
            InputBlock(
                block_id=ExportBlock.kind,
                label=t.gettext("What to export"),
                element=StaticSelectElement(
                    action_id=ExportBlock.kind, options=kinds, initial_option=kinds[0]
                ),
            ),
            InputBlock(
                block_id=ExportBlock.start,
                optional=True,
                label=t.gettext("From (included)"),
                element=DatePickerElement(action_id=ExportBlock.start),
            ),
            InputBlock(
                block_id=ExportBlock.end,
                optional=True,
                label=t.gettext("To (included)"),
                element=DatePickerElement(action_id=ExportBlock.end),
            ),
            InputBlock(
                block_id=ExportBlock.excel,
                optional=True,
                label=t.gettext("Format"),
                element=CheckboxesElement(action_id=ExportBlock.excel, options=[excel]),
            ),
        ],
        note=note,
    )
