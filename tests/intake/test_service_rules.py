"""Session-taking rules of intake's service (a real database, no Slack): the default assignee,
what counts as the requester's answer, and who may answer a question."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot.db import session_factory, session_scope
from bot.errors import UserFacingError
from bot.intake import filing, report, service, service_requester
from bot.intake.models import IntakeRequest, Status
from bot.intake.service_requester import answer_in_thread

TEAM = "T1"
NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)
CARD = ("CINTAKE", "1700000000.000100")


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with session_scope(session_factory(engine)) as session:
        yield session


def filed(session: Session, *, requester: str = "U1") -> IntakeRequest:
    request = filing.file_request(
        session=session,
        team_id=TEAM,
        requester_id=requester,
        filing=filing.Filing(
            title="Pipeline by region",
            need="For the QBR",
            impact="slows_team",
            beneficiary="my_team",
            category="report",
        ),
        view_id=f"V-{requester}",
        source_permalink=None,
        today=NOW.date(),
        now=NOW,
    ).request
    request.card_channel_id, request.card_ts = CARD
    return request


def moved(request: IntakeRequest, **changes: object) -> dict[str, object]:
    return {
        "team_id": TEAM,
        "request_id": request.id,
        "actor_id": "U3",
        "actor_is_revops": True,
        "now": NOW,
        **changes,
    }


def test_whoever_accepts_is_the_assignee_unless_they_name_someone(session: Session) -> None:
    mine, theirs = filed(session), filed(session, requester="U2")
    service.accept(session=session, estimate=4.0, **moved(mine, assignee_id=None))
    service.accept(session=session, estimate=4.0, **moved(theirs, assignee_id="U4"))
    assert (mine.assignee_id, theirs.assignee_id) == ("U3", "U4")


def test_a_thread_reply_answers_only_from_the_requester_while_it_waits(session: Session) -> None:
    request = filed(session)
    reply = {"team_id": TEAM, "channel_id": CARD[0], "thread_ts": CARD[1], "now": NOW}

    # Before any question: a comment, not a move.
    assert answer_in_thread(session=session, user_id="U1", text="Hi", **reply) is None
    service.ask_why(session=session, question="Which regions?", **moved(request))
    assert answer_in_thread(session=session, user_id="U2", text="+1", **reply) is None
    assert answer_in_thread(session=session, user_id="U1", text=" ", **reply) is None
    assert request.status == Status.waiting

    answered = answer_in_thread(session=session, user_id="U1", text="EMEA", **reply)
    assert answered is not None
    assert (request.status, answered.event.note) == (Status.new, "EMEA")
    # Slack retries the event: already back with the team, nothing more happens.
    assert answer_in_thread(session=session, user_id="U1", text="EMEA", **reply) is None


def test_only_the_requester_answers_a_question_and_only_while_asked(session: Session) -> None:
    request = filed(session)
    with pytest.raises(UserFacingError) as not_asked:
        service_requester.question_to_answer(
            session=session, team_id=TEAM, request_id=request.id, user_id="U1"
        )
    assert "untriaged: nothing was changed" in str(not_asked.value)

    service.ask_why(session=session, question="Which regions?", **moved(request))
    with pytest.raises(UserFacingError) as someone_else:
        service_requester.question_to_answer(
            session=session, team_id=TEAM, request_id=request.id, user_id="U2"
        )
    assert "Only the person who filed REQ-1" in str(someone_else.value)
    found, asked = service_requester.question_to_answer(
        session=session, team_id=TEAM, request_id=request.id, user_id="U1"
    )
    assert found.id == request.id and asked is not None and asked.note == "Which regions?"


def test_the_history_records_estimate_assignee_and_did_it_solve_it(session: Session) -> None:
    request = filed(session)
    accepted = service.accept(session=session, estimate=6.0, **moved(request, assignee_id="U4"))
    assert (accepted.event.estimate_hours, accepted.event.assignee_id) == (6.0, "U4")
    service.mark_done(session=session, outcome_note="Shipped.", **moved(request))
    reopened = service_requester.confirm_solved(
        session=session, team_id=TEAM, request_id=request.id, user_id="U1", solved=False, now=NOW
    )
    assert (reopened.event.from_status, reopened.event.to_status) == (Status.done, Status.accepted)
    assert reopened.event.solved is False
    service.mark_done(session=session, outcome_note="Fixed the filter.", **moved(request))
    solved = service_requester.confirm_solved(
        session=session, team_id=TEAM, request_id=request.id, user_id="U1", solved=True, now=NOW
    )
    assert (solved.event.from_status, solved.event.to_status, solved.event.solved) == (
        Status.done,
        Status.done,
        True,
    )
    history = service.history(session=session, team_id=TEAM, request_id=request.id)
    assert [(e.to_status, e.solved) for e in history][-3:] == [
        (Status.accepted, False),
        (Status.done, None),
        (Status.done, True),
    ]
    # "Yes, solved" closes nothing a second time in the run report.
    week = report.run_report(
        session=session, team_id=TEAM, start=NOW - timedelta(days=1), end=NOW + timedelta(days=1)
    )
    assert (week.closed, week.delivered) == (2, 2)


def test_starting_unassigned_work_records_who_took_it(session: Session) -> None:
    request = filed(session)
    service.accept(session=session, estimate=2.0, **moved(request, assignee_id=None))
    request.assignee_id = None  # e.g. the assignee left the team
    started = service.start_work(session=session, **moved(request, actor_id="U5"))
    assert started.event.assignee_id == "U5" == request.assignee_id
