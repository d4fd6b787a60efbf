"""Filing a request: what the filing modal needs, the docs and open requests a draft matches,
the filer check, the submission (stored with its card, receipt and Home tab owed, in one
transaction) and a deflection counted once.

Split from flows.py (settings; the team's and the requester's moves are in flows_team.py and
flows_requester.py): the filing modal is the path a person waits on, so its reads use
read_scope() and never queue behind writers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.actor import Actor
from bot.db import read_scope, session_scope
from bot.intake import configuration, effects, filing, knowledge, watching
from bot.intake.filing import FieldError, Filing
from bot.intake.knowledge import DocMatch
from bot.intake.models import IntakeRequest
from bot.intake.state import FilingDraft
from bot.intake.watching import RequestMatch

Factory = sessionmaker[Session]


@dataclass(frozen=True)
class ModalInputs:
    """What the filing modal needs from the database."""

    filer_groups: list[str]
    rollouts: list[tuple[int, str]]
    docs: list[DocMatch] = field(default_factory=list)
    requests: list[RequestMatch] = field(default_factory=list)


def modal_inputs(
    factory: Factory,
    *,
    team_id: str,
    text: str = "",
    view_id: str | None = None,
    title: str = "",
) -> ModalInputs:
    """The filers, the roll-outs in progress, and the docs and open requests `text` matches,
    in one short read (one that does not queue behind writers; a workspace's very first one
    stores the default settings)."""
    with read_scope(factory) as session:
        settings = configuration.stored_settings(session=session, team_id=team_id)
        if settings is not None:
            return _modal_inputs(
                session, settings, team_id=team_id, text=text, view_id=view_id, title=title
            )
    with session_scope(factory) as session:
        settings = configuration.settings_of(session=session, team_id=team_id)
        return _modal_inputs(
            session, settings, team_id=team_id, text=text, view_id=view_id, title=title
        )


def _modal_inputs(
    session: Session,
    settings: configuration.IntakeSettings,
    *,
    team_id: str,
    text: str,
    view_id: str | None,
    title: str = "",
) -> ModalInputs:
    rollouts = [
        (r.id, r.name) for r in configuration.active_rollouts(session=session, team_id=team_id)
    ]
    docs, requests = _matches(session, team_id, text, view_id, title)
    return ModalInputs(configuration.restricted_to(settings), rollouts, docs, requests)


def _matches(
    session: Session, team_id: str, text: str, view_id: str | None = None, title: str = ""
) -> tuple[list[DocMatch], list[RequestMatch]]:
    """`title`: the draft's title when `text` is its title and need (knowledge.confident)."""
    if not text:
        return [], []
    return (
        knowledge.matching_docs(session=session, team_id=team_id, text=text, title=title),
        watching.matching_requests(
            session=session, team_id=team_id, text=text, filed_from_view=view_id
        ),
    )


def matching(
    factory: Factory, *, team_id: str, text: str
) -> tuple[list[DocMatch], list[RequestMatch]]:
    """The docs and the open requests a draft matches (what the filing modal shows)."""
    if not text:
        return [], []
    with read_scope(factory) as session:
        return _matches(session, team_id, text)


def may_file(actor: Actor, groups: list[str]) -> None:
    """Refuse a filer outside the filing groups (configuration.filing_refusal's words)."""
    refusal = configuration.filing_refusal(
        user_id=actor.user_id, groups=groups, members_of=actor.members_of
    )
    if refusal is not None:
        raise refusal


@dataclass(frozen=True)
class FilingOutcome:
    """What a submitted filing modal becomes: errors by field, docs to look at first, or a
    stored request (`created` False for a second submission of the same modal)."""

    errors: dict[str, FieldError] = field(default_factory=dict)
    offer: list[DocMatch] | None = None
    duplicates: list[RequestMatch] = field(default_factory=list)
    rollouts: list[tuple[int, str]] = field(default_factory=list)
    request: IntakeRequest | None = None
    due: date | None = None
    created: bool = False


def submit_filing(
    factory: Factory,
    actor: Actor,
    *,
    submitted: Filing,
    draft: FilingDraft,
    view_id: str,
    today: date,
    now: datetime,
) -> FilingOutcome:
    """Check a filing, offer the docs that may answer it and the open requests it may
    duplicate first, else store it with its card, receipt and Home tab owed, in one
    transaction; a request filed although it looked like open ones remembers the best of them
    (its card offers the merge)."""
    inputs = modal_inputs(
        factory,
        team_id=actor.team_id,
        text=f"{submitted.title} {submitted.need}",
        view_id=view_id,
        title=submitted.title,
    )
    active = frozenset(rollout_id for rollout_id, _ in inputs.rollouts)
    errors = filing.filing_errors(submitted, today=today, active_rollout_ids=active)
    if errors:
        return FilingOutcome(errors=errors, rollouts=inputs.rollouts)
    may_file(actor, inputs.filer_groups)  # between the read and the write: it may ask Slack
    if knowledge.offer_before_filing(
        matched=[match.doc.id for match in inputs.docs], shown=draft.docs_shown
    ) or watching.offer_before_filing(
        matched=[match.request.id for match in inputs.requests], shown=draft.requests_shown
    ):
        return FilingOutcome(
            offer=inputs.docs, duplicates=inputs.requests, rollouts=inputs.rollouts
        )
    with session_scope(factory) as session:
        filed = filing.file_request(
            session=session,
            team_id=actor.team_id,
            requester_id=actor.user_id,
            filing=submitted,
            view_id=view_id,
            source_permalink=draft.source_permalink,
            today=today,
            now=now,
        )
        settings = configuration.settings_of(session=session, team_id=actor.team_id)
        due = filing.first_response_due(
            filed_at=filed.request.created_at,
            sla_days=settings.first_response_sla_days,
            calendar=configuration.calendar_of(session=session, team_id=actor.team_id),
        )
        if filed.created:
            if inputs.requests:
                filed.request.duplicate_of_id = inputs.requests[0].request.id
            effects.owe_filing(
                session=session,
                request=filed.request,
                due=due,
                channel_id=settings.intake_channel_id,
                now=now,
            )
    return FilingOutcome(request=filed.request, due=due, created=filed.created)


def record_deflection(
    factory: Factory, actor: Actor, *, doc_id: int | None, view_id: str, now: datetime
) -> None:
    with session_scope(factory) as session:
        knowledge.record_deflection(
            session=session,
            team_id=actor.team_id,
            user_id=actor.user_id,
            doc_id=doc_id,
            view_id=view_id,
            now=now,
        )
