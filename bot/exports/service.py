"""What each CSV export holds: its documented columns and its rows, read in batches.

Rules:
- One row per request (filed in the period), per project (started in the period), per KPI
  value (recorded in the period), per win (recorded in the period); `start` and `end` are
  days, both included, in UTC. No period: everything.
- Values are raw: ISO 8601 dates and times (UTC), numbers without grouping or rounding, codes
  rather than labels (a status is `in_progress`, not "In progress") so that a spreadsheet sorts
  and sums them; the spreadsheet option only changes separators (`csvfile`).
- A person is their Slack user id. An erased member's id is already their pseudonym in every
  table, and no name is looked up for a pseudonym: an export names nobody erasure forgot.
- Rows are read `BATCH` at a time with a streaming cursor: memory does not grow with the
  number of rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from bot.celebrations.models import Win, WinWinner
from bot.exports.columns import ExportKind, header
from bot.intake.models import IntakeRequest, RequestEvent, Status
from bot.privacy.pseudonyms import is_pseudonym
from bot.projects.models import Kpi, KpiValue, Project
from bot.workspaces.models import Member

BATCH = 1000
SelectT = TypeVar("SelectT", bound=Any)

Cell = str | int | float | Decimal | date | datetime | bool | None
Row = list[Cell]


@dataclass(frozen=True)
class Period:
    """Days, both included; None: unbounded."""

    start: date | None = None
    end: date | None = None

    @property
    def since(self) -> datetime | None:
        return datetime.combine(self.start, time(), tzinfo=UTC) if self.start else None

    @property
    def before(self) -> datetime | None:
        if self.end is None:
            return None
        return datetime.combine(self.end + timedelta(days=1), time(), tzinfo=UTC)


def _within(query: SelectT, column: Any, period: Period) -> SelectT:
    if period.since is not None:
        query = query.where(column >= period.since)
    if period.before is not None:
        query = query.where(column < period.before)
    return query


def _batches(session: Session, query: Any) -> Iterator[Sequence[Any]]:
    """Rows in lists of BATCH (the last one shorter, none empty) from a server-side cursor
    (PostgreSQL) / the SQLite cursor. An export that reads more per row (first moves, KPIs,
    winners) reads it once per list."""
    result = session.execute(query.execution_options(yield_per=BATCH, stream_results=True))
    yield from result.partitions(BATCH)


def _streamed(session: Session, query: Any) -> Iterator[Any]:
    """Rows BATCH at a time from a server-side cursor (PostgreSQL) / the SQLite cursor."""
    for batch in _batches(session, query):
        yield from batch


def names_of(session: Session, *, team_id: str) -> Callable[[str | None], str]:
    """A person's name as the member cache knows it; nothing for a pseudonym or a stranger.
    One query for the workspace (a name per member, not per row)."""
    known = {
        user_id: name
        for user_id, name in session.execute(
            select(Member.user_id, Member.name).where(
                Member.team_id == team_id, Member.deleted.is_(False)
            )
        )
    }

    def name(user_id: str | None) -> str:
        if not user_id or is_pseudonym(user_id):
            return ""
        return known.get(user_id, "")

    return name


def count(session: Session, *, team_id: str, kind: ExportKind, period: Period) -> int:
    """How many rows an export will have (for a progress bar)."""
    team, column = {
        ExportKind.requests: (IntakeRequest.team_id, IntakeRequest.created_at),
        ExportKind.projects: (Project.team_id, Project.created_at),
        ExportKind.kpis: (KpiValue.team_id, KpiValue.recorded_at),
        ExportKind.wins: (Win.team_id, Win.created_at),
    }[kind]
    query: Select[Any] = select(func.count()).where(team == team_id)
    return int(session.scalar(_within(query, column, period)) or 0)


REQUEST_FIELDS = (
    IntakeRequest.id,
    IntakeRequest.number,
    IntakeRequest.title,
    IntakeRequest.requester_id,
    IntakeRequest.impact,
    IntakeRequest.beneficiary,
    IntakeRequest.category,
    IntakeRequest.status,
    IntakeRequest.created_at,
    IntakeRequest.first_response_at,
    IntakeRequest.estimate_hours,
    IntakeRequest.eta_told,
)


def request_rows(session: Session, *, team_id: str, period: Period) -> Iterator[Row]:
    """One row per request filed in the period, in filing order. Plain rows, no ORM objects:
    nothing accumulates in the session while the rows stream."""
    name = names_of(session, team_id=team_id)
    query = _within(
        select(*REQUEST_FIELDS)
        .where(IntakeRequest.team_id == team_id)
        .order_by(IntakeRequest.number),
        IntakeRequest.created_at,
        period,
    )
    for batch in _batches(session, query):
        yield from _request_batch(session, batch, name=name)


def _request_batch(
    session: Session, requests: Sequence[Any], *, name: Callable[[str | None], str]
) -> Iterator[Row]:
    """The batch's rows, with when each was first accepted and first delivered (one query per
    batch: a join on an aggregate makes PostgreSQL's cursor plans quadratic)."""
    if not requests:
        return
    first_moves: dict[tuple[int, str], datetime] = {
        (request_id, status): at
        for request_id, status, at in session.execute(
            select(
                RequestEvent.request_id, RequestEvent.to_status, func.min(RequestEvent.created_at)
            )
            .where(
                RequestEvent.request_id.in_([request.id for request in requests]),
                RequestEvent.to_status.in_([Status.accepted, Status.done]),
            )
            .group_by(RequestEvent.request_id, RequestEvent.to_status)
        )
    }
    for request in requests:
        done_at = first_moves.get((request.id, Status.done))
        eta_met = (
            None
            if done_at is None or request.eta_told is None
            else _as_utc(done_at).date() <= request.eta_told
        )
        yield [
            f"REQ-{request.number}",
            request.title,
            request.requester_id,
            name(request.requester_id),
            request.impact,
            request.beneficiary,
            request.category,
            request.status,
            request.created_at,
            request.first_response_at,
            first_moves.get((request.id, Status.accepted)),
            done_at,
            request.estimate_hours,
            request.eta_told,
            eta_met,
        ]


def kpi_columns(session: Session, *, team_id: str) -> int:
    """The most KPIs a project has: the projects export's KPI column groups."""
    per_project = (
        select(func.count().label("n"))
        .where(Kpi.team_id == team_id)
        .group_by(Kpi.project_id)
        .subquery()
    )
    return int(session.scalar(select(func.max(per_project.c.n))) or 0)


PROJECT_FIELDS = (
    Project.id,
    Project.name,
    Project.owner_id,
    Project.phase,
    Project.status,
    Project.health,
    Project.progress_pct,
    Project.start_date,
    Project.target_end_date,
    Project.created_at,
)


def project_rows(session: Session, *, team_id: str, period: Period) -> Iterator[Row]:
    """One row per project created in the period, with its KPIs side by side."""
    name = names_of(session, team_id=team_id)
    width = kpi_columns(session, team_id=team_id)
    query = _within(
        select(*PROJECT_FIELDS).where(Project.team_id == team_id).order_by(Project.id),
        Project.created_at,
        period,
    )
    for batch in _batches(session, query):
        yield from _project_batch(session, batch, width=width, name=name)


def _project_batch(
    session: Session, projects: Sequence[Any], *, width: int, name: Callable[[str | None], str]
) -> Iterator[Row]:
    if not projects:
        return
    kpis: dict[int, list[Any]] = {}
    for kpi in session.execute(
        select(Kpi.project_id, Kpi.name, Kpi.unit, Kpi.baseline, Kpi.target, Kpi.current_value)
        .where(Kpi.project_id.in_([p.id for p in projects]))
        .order_by(Kpi.project_id, Kpi.position, Kpi.id)
    ):
        kpis.setdefault(kpi.project_id, []).append(kpi)
    for project in projects:
        row: Row = [
            project.name,
            project.owner_id,
            name(project.owner_id),
            project.phase,
            project.status,
            project.health,
            project.progress_pct,
            project.start_date,
            project.target_end_date,
            project.created_at,
        ]
        for kpi in kpis.get(project.id, []):
            row += [kpi.name, kpi.unit, kpi.baseline, kpi.target, kpi.current_value]
        row += [None] * (len(header(ExportKind.projects, kpi_columns=width)) - len(row))
        yield row


def kpi_rows(session: Session, *, team_id: str, period: Period) -> Iterator[Row]:
    """One row per KPI value recorded in the period, by project, KPI and time."""
    query = (
        select(
            Project.name,
            Kpi.name,
            Kpi.unit,
            KpiValue.value,
            KpiValue.recorded_at,
            KpiValue.source,
            KpiValue.recorded_by,
            Kpi.baseline,
            Kpi.target,
        )
        .join(Kpi, Kpi.id == KpiValue.kpi_id)
        .join(Project, Project.id == Kpi.project_id)
        .where(KpiValue.team_id == team_id)
        .order_by(Project.id, Kpi.position, Kpi.id, KpiValue.recorded_at, KpiValue.id)
    )
    for row in _streamed(session, _within(query, KpiValue.recorded_at, period)):
        yield list(row)


def win_rows(session: Session, *, team_id: str, period: Period) -> Iterator[Row]:
    """One row per win recorded in the period, oldest first, its winners in their order."""
    name = names_of(session, team_id=team_id)
    query = _within(
        select(Win.id, Win.created_at, Win.title, Win.amount, Win.currency, Win.source, Win.kind)
        .where(Win.team_id == team_id)
        .order_by(Win.created_at, Win.id),
        Win.created_at,
        period,
    )
    for batch in _batches(session, query):
        yield from _win_batch(session, batch, name=name)


def _win_batch(
    session: Session, wins: Sequence[Any], *, name: Callable[[str | None], str]
) -> Iterator[Row]:
    if not wins:
        return
    winners: dict[int, list[Any]] = {}
    for winner in session.execute(
        select(WinWinner.win_id, WinWinner.user_id, WinWinner.email, WinWinner.name)
        .where(WinWinner.win_id.in_([w.id for w in wins]))
        .order_by(WinWinner.win_id, WinWinner.position)
    ):
        winners.setdefault(winner.win_id, []).append(winner)
    for win in wins:
        people = winners.get(win.id, [])
        yield [
            win.created_at,
            " ".join(w.user_id or w.email or "" for w in people).strip(),
            " / ".join(
                (name(w.user_id) if w.user_id else "") or ("" if _erased(w) else w.name)
                for w in people
            ).strip(" /"),
            win.title,
            win.amount,
            win.currency,
            win.source,
            win.kind,
        ]


def _erased(winner: Any) -> bool:
    return bool(winner.user_id and is_pseudonym(winner.user_id))


def _as_utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


ROWS: dict[ExportKind, Callable[..., Iterator[Row]]] = {
    ExportKind.requests: request_rows,
    ExportKind.projects: project_rows,
    ExportKind.kpis: kpi_rows,
    ExportKind.wins: win_rows,
}


def export_header(session: Session, *, team_id: str, kind: ExportKind) -> list[str]:
    width = kpi_columns(session, team_id=team_id) if kind == ExportKind.projects else 0
    return header(kind, kpi_columns=width)


def export_rows(
    session: Session, *, team_id: str, kind: ExportKind, period: Period
) -> Iterator[Row]:
    """The rows of one export, streamed."""
    return ROWS[kind](session, team_id=team_id, period=period)
