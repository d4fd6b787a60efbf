from enum import StrEnum


class ExportAction(StrEnum):
    open = "export_open"


class ExportView(StrEnum):
    export = "export_csv"


class ExportBlock(StrEnum):
    kind = "export_kind"
    start = "export_from"
    end = "export_to"
    excel = "export_excel"
