"""Filing: what a valid request is, and storing it with its human reference.

Rules: title and need are required and bounded (Slack must be able to show them); impact, who
benefits and category come from their lists; a wished-for date is not in the past (the
requester's own calendar day); a roll-out is one still in progress; a link is an http(s) URL.
A modal files at most once (its view id is unique per workspace); references are REQ-<n>,
per workspace, taken under a lock. The first response is due SLA working days after filing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import semantic
from bot.errors import N_, Np_
from bot.intake import configuration

# The input rules live in inputs.py (service.py uses them too); re-exported for the listeners.
from bot.intake.inputs import LINK_MAX as LINK_MAX
from bot.intake.inputs import NEED_MAX as NEED_MAX
from bot.intake.inputs import NOTE_MAX as NOTE_MAX
from bot.intake.inputs import SUMMARY_MAX as SUMMARY_MAX
from bot.intake.inputs import TITLE_MAX as TITLE_MAX
from bot.intake.inputs import FieldError as FieldError
from bot.intake.inputs import InvalidInput as InvalidInput
from bot.intake.inputs import link_error as link_error
from bot.intake.inputs import text_error as text_error
from bot.intake.models import Beneficiary, Category, Impact, IntakeRequest, RequestEvent, Status
from bot.intake.priority import Calendar, base_score, weekday_index

# ---------------------------------------------------------------- input rules

SIZE_HOURS: dict[str, float] = {"S": 2.0, "M": 8.0, "L": 24.0}
ESTIMATE_MAX_HOURS = 500.0


@dataclass(frozen=True)
class Filing:
    """What a requester typed in the filing modal (plain values, stripped)."""

    title: str
    need: str
    impact: str | None
    beneficiary: str | None
    category: str | None
    wished_date: date | None = None
    rollout_id: int | None = None
    link: str = ""


def filing_errors(
    filing: Filing, *, today: date, active_rollout_ids: frozenset[int]
) -> dict[str, FieldError]:
    """Every refused field of a filing. `today` is the requester's local date.

    Title and need are required and bounded; impact, who benefits and category are one of
    their lists; a wished-for date is not in the past; a roll-out is one still in progress; a
    link is a URL.
    """
    errors: dict[str, FieldError] = {}
    for name, value, max_len in (
        ("title", filing.title, TITLE_MAX),
        ("need", filing.need, NEED_MAX),
    ):
        error = text_error(value, max_len=max_len)
        if error:
            errors[name] = error
    for name, picked, allowed in (
        ("impact", filing.impact, Impact),
        ("beneficiary", filing.beneficiary, Beneficiary),
        ("category", filing.category, Category),
    ):
        if picked not in {member.value for member in allowed}:
            errors[name] = FieldError(N_("Pick one of the options."))
    if filing.wished_date is not None and filing.wished_date < today:
        errors["wished_date"] = FieldError(N_("Pick a date from today on."))
    if filing.rollout_id is not None and filing.rollout_id not in active_rollout_ids:
        errors["rollout"] = FieldError(N_("This roll-out has ended: pick another or none."))
    error = link_error(filing.link)
    if error:
        errors["link"] = error
    return errors


def estimate_hours(*, size: str | None, hours: str) -> float | FieldError:
    """Effort in hours: typed hours win over a size (S = 2 h, M = 8 h, L = 24 h)."""
    if hours:
        try:
            value = float(hours.replace(",", "."))
        except ValueError:
            return FieldError(N_("Give a number of hours, e.g. 3 or 1.5."))
        if not 0 < value <= ESTIMATE_MAX_HOURS:
            return FieldError(
                Np_("Give between 0.5 and {max} hour.", "Give between 0.5 and {max} hours.", "max"),
                {"max": int(ESTIMATE_MAX_HOURS)},
            )
        return value
    if size in SIZE_HOURS:
        return SIZE_HOURS[size]
    return FieldError(N_("Pick a size or type a number of hours."))


def first_response_due(*, filed_at: datetime, sla_days: int, calendar: Calendar) -> date:
    """The day by which the requester hears back at the latest: SLA working days after filing."""
    return calendar.working_day_after(filed_at.date(), max(sla_days, 1))


# ---------------------------------------------------------------- filing


@dataclass(frozen=True)
class Filed:
    request: IntakeRequest
    created: bool  # False: this modal was already filed (double click, retry)


def file_request(
    *,
    session: Session,
    team_id: str,
    requester_id: str,
    filing: Filing,
    view_id: str,
    source_permalink: str | None,
    today: date,
    now: datetime,
) -> Filed:
    """Store a valid filing with the workspace's next reference; a view files at most once.

    The settings row is locked while the reference is taken: two filers never share REQ-n,
    and a second submission of the same modal finds the first one's request.
    """
    active = frozenset(
        r.id for r in configuration.active_rollouts(session=session, team_id=team_id)
    )
    errors = filing_errors(filing, today=today, active_rollout_ids=active)
    if errors:
        raise InvalidInput(errors)
    settings = configuration.lock_settings(session=session, team_id=team_id)
    existing = session.scalar(
        select(IntakeRequest).where(
            IntakeRequest.team_id == team_id, IntakeRequest.filed_from_view == view_id
        )
    )
    if existing is not None:
        return Filed(existing, created=False)
    number = settings.next_number
    settings.next_number = number + 1
    request = IntakeRequest(
        team_id=team_id,
        number=number,
        filed_from_view=view_id,
        requester_id=requester_id,
        title=filing.title,
        need=filing.need,
        impact=filing.impact,
        beneficiary=filing.beneficiary,
        category=filing.category,
        wished_date=filing.wished_date,
        rollout_id=filing.rollout_id,
        link=filing.link or None,
        base_score=base_score(impact=str(filing.impact), beneficiary=str(filing.beneficiary)),
        filed_weekday_index=weekday_index(now.astimezone(UTC).date()),
        source_permalink=source_permalink,
        status=Status.new,
        created_at=now,
        touched_at=now,
        # With semantic matching on (bot.semantic), its vector is written with it.
        semantic_vector=semantic.as_blob(f"{filing.title} {filing.need}"),
    )
    session.add(request)
    session.flush()
    session.add(
        RequestEvent(
            team_id=team_id,
            request_id=request.id,
            actor_id=requester_id,
            from_status=None,
            to_status=Status.new,
            created_at=now,
        )
    )
    session.flush()
    return Filed(request, created=True)
