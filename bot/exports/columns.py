"""The exports and their documented columns (README "Exports" lists the same).

Kept apart from the queries so that the command line's help needs no model import.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ExportKind(StrEnum):
    requests = "requests"
    projects = "projects"
    kpis = "kpis"
    wins = "wins"


@dataclass(frozen=True)
class Column:
    name: str
    meaning: str


COLUMNS: dict[ExportKind, tuple[Column, ...]] = {
    ExportKind.requests: (
        Column("reference", "the request's reference, REQ-42"),
        Column("title", "what the requester asked for"),
        Column("requester", "Slack user id of the requester (a pseudonym once erased)"),
        Column("requester_name", "their name in Slack when the bot knows it"),
        Column("impact", "blocks_deal, stops_team, slows_team or nice_to_have"),
        Column("beneficiary", "me, my_team, leadership or customers"),
        Column("category", "crm, report, data_pull, tool_access, process or other"),
        Column("status", "the status today (new, accepted, in_progress, done, declined…)"),
        Column("created", "when it was filed (UTC)"),
        Column("first_response", "when the team first answered (UTC), empty if never"),
        Column("accepted", "when it was first accepted (UTC), empty if never"),
        Column("done", "when it was first delivered (UTC), empty if never"),
        Column("estimate_hours", "the team's estimate in hours"),
        Column("eta_given", "the last ETA the requester was told (a day)"),
        Column(
            "eta_met",
            "true if delivered on or before that ETA, false if after; empty "
            "while not delivered or without an ETA",
        ),
    ),
    ExportKind.projects: (
        Column("project", "the project's name"),
        Column("owner", "Slack user id of the owner (a pseudonym once erased)"),
        Column("owner_name", "their name in Slack when the bot knows it"),
        Column("phase", "framing, pilot, tooling, rollout, follow_up or handed_off"),
        Column("status", "active, paused, abandoned or completed"),
        Column("health", "on_track, at_risk or off_track from the last update; empty before"),
        Column("progress_pct", "progress from the last update, 0 to 100"),
        Column("start_date", "the day it started"),
        Column("target_end_date", "the day it should end"),
        Column("created", "when it was created (UTC)"),
        Column(
            "kpiN_name, kpiN_unit, kpiN_baseline, kpiN_target, kpiN_latest",
            "each KPI in the project's order (N = 1, 2…), its latest value",
        ),
    ),
    ExportKind.kpis: (
        Column("project", "the project's name"),
        Column("kpi", "the KPI's name"),
        Column("unit", "its unit (%, deals, days…), as typed"),
        Column("value", "the value recorded"),
        Column("recorded_at", "when (UTC)"),
        Column("source", "checkin (a project update) or webhook (a dashboard tool)"),
        Column("recorded_by", "Slack user id of who gave it in a check-in, else empty"),
        Column("baseline", "the KPI's baseline"),
        Column("target", "the KPI's target"),
    ),
    ExportKind.wins: (
        Column("date", "when the win was recorded (UTC)"),
        Column(
            "winners",
            "Slack user ids (or e-mail addresses from the CRM), separated by "
            "spaces; a pseudonym once erased",
        ),
        Column("winner_names", "their names, separated by ' / '"),
        Column("title", "the win"),
        Column("amount", "its amount, unformatted, in `currency`"),
        Column("currency", "ISO 4217 code"),
        Column("source", "slack (/revops-win), hubspot or webhook"),
        Column(
            "kind",
            "deal_signed, expansion, project_first_result, customer_saved, support_case or other",
        ),
    ),
}


def header(kind: ExportKind, *, kpi_columns: int = 0) -> list[str]:
    """The header row: the documented columns; for projects, five columns per KPI."""
    names = [column.name for column in COLUMNS[kind] if not column.name.startswith("kpiN")]
    for n in range(1, kpi_columns + 1):
        names += [f"kpi{n}_{part}" for part in ("name", "unit", "baseline", "target", "latest")]
    return names
