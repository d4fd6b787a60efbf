"""The rules of run intake: the priority score, who may triage, and the moves of a request:
how a move is made and recorded, and the team's moves.

Where the other rules of the domain live (each module is pure or session-taking, no Slack):
- service_requester.py the requester's moves (answer "why?", withdraw, "did this solve it?")
                   and the bot's closing of a request its requester left silent;
- states.py        the state machine: statuses, legal moves, who makes them (re-exported here);
- filing.py        what a valid request is, references, the first-response due date;
- priority.py      the queue order and the ETA arithmetic on the score defined here;
- etas.py          what requesters are told when their ETA is set or moves, the daily re-time;
- due.py           when the scheduled messages are due, at which local hour, to whom;
- inputs.py        bounded free text and links, refusals by field;
- queue.py         the queue as the team sees it, ordered in SQL, paginated for App Home;
- knowledge.py     the team's knowledge base of docs, and deflection before filing;
- configuration.py the workspace's intake settings (channel, groups, capacity, SLA, roll-outs);
- report.py        the weekly run report.

Every move (below and in service_requester.py) goes through states.check_transition: a move
the state machine does not allow is refused with a message and changes nothing (a double
click, a Slack retry).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.errors import N_, UserFacingError
from bot.intake import knowledge
from bot.intake.inputs import (
    NOTE_MAX,
    SUMMARY_MAX,
    FieldError,
    InvalidInput,
    link_error,
    text_error,
)
from bot.intake.models import (
    Beneficiary,
    Impact,
    IntakeRequest,
    IntakeSettings,
    KnowledgeDoc,
    RequestEvent,
    Status,
)
from bot.intake.reads import history as history  # re-exported: read-only lookups
from bot.intake.reads import last_question as last_question
from bot.intake.reads import request_for_thread as request_for_thread
from bot.intake.reads import rollout_of as rollout_of
from bot.intake.states import ALREADY as ALREADY  # re-exported: the state machine
from bot.intake.states import CLOSED_STATUSES as CLOSED_STATUSES
from bot.intake.states import FIRST_RESPONSES as FIRST_RESPONSES
from bot.intake.states import OPEN_STATUSES as OPEN_STATUSES
from bot.intake.states import REQUESTER_MOVES as REQUESTER_MOVES
from bot.intake.states import TEAM_MOVE_ORDER as TEAM_MOVE_ORDER
from bot.intake.states import TRANSITIONS as TRANSITIONS
from bot.intake.states import IllegalTransition as IllegalTransition
from bot.intake.states import check_transition as check_transition
from bot.intake.states import requester_may_withdraw as requester_may_withdraw
from bot.intake.states import team_moves as team_moves

# ---------------------------------------------------------------- the priority score

IMPACT_WEIGHT: dict[str, int] = {
    Impact.blocks_deal: 50,
    Impact.stops_team: 35,
    Impact.slows_team: 15,
    Impact.nice_to_have: 5,
}
BENEFIT_FACTOR: dict[str, float] = {
    Beneficiary.me: 1.0,
    Beneficiary.my_team: 1.3,
    Beneficiary.leadership: 1.5,
    Beneficiary.customers: 1.6,
}
AGE_POINTS_PER_WORKING_DAY = 6
ROLLOUT_BOOST = 15
# "Me too": each distinct watcher adds this to the who-benefits factor, up to the greatest
# factor of BENEFIT_FACTOR (see benefit_factor).
WATCHER_STEP = 0.1
MAX_BENEFIT_FACTOR = max(BENEFIT_FACTOR.values())

MAX_FRESH_SCORE = max(IMPACT_WEIGHT.values()) * max(BENEFIT_FACTOR.values()) + ROLLOUT_BOOST
MIN_BASE_SCORE = min(IMPACT_WEIGHT.values()) * min(BENEFIT_FACTOR.values())
# round() keeps float noise (80.00000000000001) from adding a day to the bound.
QUICK_WIN_TOP_DAYS = math.ceil(
    round((MAX_FRESH_SCORE - MIN_BASE_SCORE) / AGE_POINTS_PER_WORKING_DAY, 6)
)


def benefit_factor(*, beneficiary: str, watchers: int = 0) -> float:
    """Who benefits, "me too" counted: BENEFIT_FACTOR[beneficiary] + WATCHER_STEP (0.1) per
    distinct watcher (someone who followed the request instead of filing it again, or whose
    duplicate was merged into it), never above MAX_BENEFIT_FACTOR (1.6, customers).

    A need shared by several people rises in the queue (a request "for me" followed by five
    managers weighs 1.5, as much as one for leadership), and the bound keeps every score
    within MAX_FRESH_SCORE, so the quick-win bound below holds whatever the watchers.
    Counted in tenths: exact in floating point.
    """
    tenths = round(BENEFIT_FACTOR[beneficiary] * 10) + max(watchers, 0)
    return min(tenths, round(MAX_BENEFIT_FACTOR * 10)) / 10


def base_score(*, impact: str, beneficiary: str, watchers: int = 0) -> float:
    """Impact weight × who-benefits factor (benefit_factor, watchers counted): what a request
    is worth the day it is filed, stored as `base_score` and updated when a watcher comes.

    Every value is a multiple of 0.5 (weights are multiples of 5, factors of 0.1), exact in
    floating point, so equal scores compare equal in Python and in SQL alike.
    """
    return round(
        IMPACT_WEIGHT[impact] * benefit_factor(beneficiary=beneficiary, watchers=watchers), 2
    )


def priority_score(
    *, impact: str, beneficiary: str, age_working_days: int, rollout: bool, watchers: int = 0
) -> float:
    """The priority of one request in the run queue (higher first):

        score = IMPACT_WEIGHT[impact] × BENEFIT_FACTOR[who benefits]
                + AGE_POINTS_PER_WORKING_DAY × working days since filing
                + ROLLOUT_BOOST if it belongs to a tool roll-out in progress

    Impact and who benefits say how much a request matters the day it is filed; the age term
    says it must not rot: every working day it waits adds the same 6 points. Ties go to the
    older request, then to the lower reference (priority.rank).

    The bound: a fresh request scores at most MAX_FRESH_SCORE = 50 × 1.6 + 15 = 95 (blocks a
    deal, for customers, in a roll-out) and at least MIN_BASE_SCORE = 5 × 1.0 = 5 (nice to
    have, for me). So the smallest quick win is ahead of every request filed on its
    QUICK_WIN_TOP_DAYS-th working day in the queue or later, whatever their impact:
    ceil((95 − 5) / 6) = 15 working days, three weeks.
    """
    boost = ROLLOUT_BOOST if rollout else 0
    return round(
        base_score(impact=impact, beneficiary=beneficiary, watchers=watchers)
        + AGE_POINTS_PER_WORKING_DAY * max(age_working_days, 0)
        + boost,
        2,
    )


NOT_FOUND = N_("This request no longer exists.")
REVOPS_ONLY = N_(
    "Only the RevOps team can do this. An admin can add you to the RevOps user group in the "
    "intake settings (App Home)."
)


def is_revops_member(
    *, settings: IntakeSettings, user_id: str, is_admin: bool, group_members: frozenset[str]
) -> bool:
    """The RevOps team: members of the RevOps user group, plus workspace admins (who set it up).

    Until an admin picks a group, admins alone act as the team.
    """
    return is_admin or (bool(settings.revops_usergroup_id) and user_id in group_members)


def find_request(*, session: Session, team_id: str, request_id: int) -> IntakeRequest | None:
    return session.scalar(
        select(IntakeRequest).where(
            IntakeRequest.team_id == team_id, IntakeRequest.id == request_id
        )
    )


# ---------------------------------------------------------------- transitions


@dataclass(frozen=True)
class Outcome:
    """A request after a move, and the move as recorded in its history."""

    request: IntakeRequest
    from_status: str
    event: RequestEvent


def lock_queue(*, session: Session, team_id: str) -> IntakeSettings | None:
    """The lock every transaction that moves a request or changes the queue takes first.

    The lock order is the workspace's settings row, then the request moved, then (refreshing
    ETAs) the other requests whose ETA is told anew. Two moves in one workspace therefore wait
    for each other instead of each holding a request the other one updates (a deadlock on
    PostgreSQL). None when intake was never used in the workspace (no request exists either).
    """
    return session.scalar(
        select(IntakeSettings)
        .where(IntakeSettings.team_id == team_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def lock_request(session: Session, team_id: str, request_id: int) -> IntakeRequest:
    lock_queue(session=session, team_id=team_id)
    request = session.scalar(
        select(IntakeRequest)
        .where(IntakeRequest.team_id == team_id, IntakeRequest.id == request_id)
        .with_for_update()
        # Read again once locked: a copy loaded earlier in this session (the thread lookup)
        # may predate the move another transaction just committed.
        .execution_options(populate_existing=True)
    )
    if request is None:
        raise UserFacingError(NOT_FOUND)
    return request


def apply_move(
    session: Session,
    request: IntakeRequest,
    *,
    to: str,
    actor_id: str | None,
    note: str | None,
    now: datetime,
) -> Outcome:
    """Apply one checked move and record it (who, when, from, to, note)."""
    check_transition(number=request.number, current=request.status, target=to)
    before = request.status
    request.status = to
    request.touched_at = now
    request.waiting_since = now if to == Status.waiting else None
    if request.first_response_at is None and to in FIRST_RESPONSES:
        request.first_response_at = now
    if to in CLOSED_STATUSES:
        request.closed_at = now
    elif before == Status.done:  # reopened: the requester hears a fresh ETA
        request.closed_at = None
        request.solved = False
        request.eta_told = None
    event = RequestEvent(
        team_id=request.team_id,
        request_id=request.id,
        actor_id=actor_id,
        from_status=before,
        to_status=to,
        note=note,
        created_at=now,
    )
    session.add(event)
    session.flush()
    return Outcome(request, before, event)


def _require_revops(actor_is_revops: bool) -> None:
    if not actor_is_revops:
        raise UserFacingError(REVOPS_ONLY)


def checked_note(note: str, *, max_len: int = NOTE_MAX, required: bool = True) -> str:
    error = text_error(note, max_len=max_len, required=required)
    if error:
        raise InvalidInput({"note": error})
    return note


def ask_why(
    *,
    session: Session,
    team_id: str,
    request_id: int,
    actor_id: str,
    actor_is_revops: bool,
    question: str,
    now: datetime,
) -> Outcome:
    """Challenge: a RevOps member asks why; the request waits on its requester."""
    _require_revops(actor_is_revops)
    checked_note(question)
    request = lock_request(session, team_id, request_id)
    return apply_move(
        session, request, to=Status.waiting, actor_id=actor_id, note=question, now=now
    )


def answer_with_doc(
    *,
    session: Session,
    team_id: str,
    request_id: int,
    actor_id: str,
    actor_is_revops: bool,
    url: str,
    doc_id: int | None,
    summary: str,
    now: datetime,
) -> tuple[Outcome, KnowledgeDoc]:
    """Challenge: the answer already exists. The request closes and the doc joins the
    knowledge base (with the request's words, so that the next similar filing finds it)."""
    _require_revops(actor_is_revops)
    errors: dict[str, FieldError] = {}
    picked = knowledge.find_doc(session=session, team_id=team_id, doc_id=doc_id) if doc_id else None
    if picked is None:
        error = link_error(url) or (
            None if url else FieldError(N_("Paste a link or pick a doc the team already shared."))
        )
        if error:
            errors["doc_url"] = error
    summary_error = text_error(summary, max_len=SUMMARY_MAX)
    if summary_error:
        errors["doc_summary"] = summary_error
    if errors:
        raise InvalidInput(errors)
    request = lock_request(session, team_id, request_id)
    outcome = apply_move(
        session, request, to=Status.answered_doc, actor_id=actor_id, note=summary, now=now
    )
    doc = knowledge.remember_doc(
        session=session,
        team_id=team_id,
        url=picked.url if picked else url,
        summary=summary,
        answered_text=f"{request.title} {request.need}",
        actor_id=actor_id,
        now=now,
    )
    return outcome, doc


def suggest_self_service(
    *,
    session: Session,
    team_id: str,
    request_id: int,
    actor_id: str,
    actor_is_revops: bool,
    steps: str,
    now: datetime,
) -> Outcome:
    """Challenge: the requester can do it alone; the request closes with the steps."""
    _require_revops(actor_is_revops)
    checked_note(steps)
    request = lock_request(session, team_id, request_id)
    return apply_move(
        session, request, to=Status.self_service, actor_id=actor_id, note=steps, now=now
    )


def decline(
    *,
    session: Session,
    team_id: str,
    request_id: int,
    actor_id: str,
    actor_is_revops: bool,
    reason: str,
    now: datetime,
) -> Outcome:
    """The team says no, with a reason the requester reads."""
    _require_revops(actor_is_revops)
    checked_note(reason)
    request = lock_request(session, team_id, request_id)
    return apply_move(session, request, to=Status.declined, actor_id=actor_id, note=reason, now=now)


def accept(
    *,
    session: Session,
    team_id: str,
    request_id: int,
    actor_id: str,
    actor_is_revops: bool,
    estimate: float,
    assignee_id: str | None,
    now: datetime,
) -> Outcome:
    """Accepting sets the effort estimate and the assignee (whoever accepts, unless they named
    someone else): the request now holds capacity."""
    _require_revops(actor_is_revops)
    request = lock_request(session, team_id, request_id)
    outcome = apply_move(
        session, request, to=Status.accepted, actor_id=actor_id, note=None, now=now
    )
    request.estimate_hours = estimate
    request.assignee_id = assignee_id or actor_id
    outcome.event.estimate_hours, outcome.event.assignee_id = estimate, request.assignee_id
    return outcome


def start_work(
    *,
    session: Session,
    team_id: str,
    request_id: int,
    actor_id: str,
    actor_is_revops: bool,
    now: datetime,
) -> Outcome:
    """Work begins; whoever starts it becomes the assignee if nobody was."""
    _require_revops(actor_is_revops)
    request = lock_request(session, team_id, request_id)
    outcome = apply_move(
        session, request, to=Status.in_progress, actor_id=actor_id, note=None, now=now
    )
    if request.assignee_id is None:
        request.assignee_id = actor_id
        outcome.event.assignee_id = actor_id
    return outcome


def mark_done(
    *,
    session: Session,
    team_id: str,
    request_id: int,
    actor_id: str,
    actor_is_revops: bool,
    outcome_note: str,
    now: datetime,
) -> Outcome:
    """Delivered, with what was done; the requester is asked whether it solved the need."""
    _require_revops(actor_is_revops)
    checked_note(outcome_note)
    request = lock_request(session, team_id, request_id)
    outcome = apply_move(
        session, request, to=Status.done, actor_id=actor_id, note=outcome_note, now=now
    )
    request.solved = None
    return outcome


def record_escalated(
    *, session: Session, team_id: str, request_ids: list[int], now: datetime
) -> None:
    """The team lead was told of these untouched requests: not again until they move."""
    if request_ids:
        session.execute(
            update(IntakeRequest)
            .where(IntakeRequest.team_id == team_id, IntakeRequest.id.in_(request_ids))
            .values(escalated_at=now)
        )
