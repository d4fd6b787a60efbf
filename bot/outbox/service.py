"""Writing what a change owes: rows of the delivery ledger, in the change's own transaction.

Rules:
- a one-off message is entered once under its key (a Slack retry of the same change, a second
  submission of the same modal owe nothing more);
- a one-off message that failed for good may be owed again once its cause is fixed;
- an object's row is created once and its `version` bumped by every later change; a row that
  is done (sent, skipped, failed) becomes pending again, a row waiting for a retry keeps its
  backoff (a Slack outage is not hammered), a row being sent is sent again once done;
- the session remembers which (workspace, kind) it owes, so that the process delivers them as
  soon as the transaction commits (dispatcher.watch).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from bot.db import insert_or_ignore, rows_affected
from bot.scheduling.ledger import outcome_unknown
from bot.scheduling.models import Delivery, DeliveryStatus
from bot.workspaces.service import ensure_workspace

# session.info key: the (team, kind) pairs this transaction owes messages for.
OWED = "outbox_owed"
DONE = (DeliveryStatus.sent, DeliveryStatus.skipped, DeliveryStatus.failed)


def _note(session: Session, team_id: str, kind: str) -> None:
    session.info.setdefault(OWED, set()).add((team_id, kind))


def _workspace_known(session: Session, team_id: str) -> None:
    """Rows belong to a workspace: the first thing a workspace does may owe a message."""
    if team_id not in session.info.setdefault("outbox_teams", set()):
        ensure_workspace(session=session, team_id=team_id)
        session.info["outbox_teams"].add(team_id)


def _due(now: datetime) -> datetime:
    """Owed messages are due at once: a flow run at an injected time (`jobs run --now`, a
    test) must not push its messages into the future."""
    return min(now, datetime.now(UTC))


def owe_message(
    *,
    session: Session,
    kind: str,
    team_id: str,
    recipient: str,
    key: str,
    now: datetime,
    subject: str = "",
    payload: dict[str, Any] | None = None,
) -> bool:
    """Owe one message under `key` (unique per kind and recipient). Returns whether it is new."""
    now = _due(now)
    _workspace_known(session, team_id)
    created = insert_or_ignore(
        session,
        Delivery,
        [
            {
                "team_id": team_id,
                "kind": kind,
                "recipient": recipient,
                "period": key,
                "subject": subject,
                "status": DeliveryStatus.pending,
                "due_at": now,
                "next_attempt_at": now,
                "payload": payload,
                "version": 0,
                "attempts": 0,
                "parts_sent": 0,
                "created_at": now,
            }
        ],
        ["team_id", "kind", "recipient", "period"],
    )
    if created:
        _note(session, team_id, kind)
    return bool(created)


def owe_again(*, session: Session, delivery: Delivery, now: datetime) -> None:
    """A one-off message that failed for good is owed again, from its first attempt (what
    made it fail was fixed: the bot was invited into its channel). What it knows of Slack
    stays: parts already posted are not posted twice, an uncertain post is looked for first."""
    if delivery.status != DeliveryStatus.failed:
        return
    now = _due(now)
    delivery.status = DeliveryStatus.pending
    delivery.attempts = 0
    delivery.due_at = delivery.next_attempt_at = now  # owed since now
    delivery.finished_at = None
    if not outcome_unknown(delivery.error):
        delivery.error = None
    _note(session, delivery.team_id, delivery.kind)


def owe_refresh(
    *, session: Session, kind: str, team_id: str, recipient: str, subject: str, now: datetime
) -> None:
    """The object `subject` changed: Slack must show its new state (created on first use)."""
    now = _due(now)
    if _bump(session, kind=kind, team_id=team_id, subject=subject, now=now):
        _note(session, team_id, kind)
        return
    _workspace_known(session, team_id)
    created = insert_or_ignore(
        session,
        Delivery,
        [
            {
                "team_id": team_id,
                "kind": kind,
                "recipient": recipient,
                # The subject may be a person (a Home tab): the period never names them.
                "period": "object" if subject == recipient else f"object:{subject}",
                "subject": subject,
                "status": DeliveryStatus.pending,
                "due_at": now,
                "next_attempt_at": now,
                "version": 1,
                "attempts": 0,
                "parts_sent": 0,
                "created_at": now,
            }
        ],
        ["team_id", "kind", "recipient", "period"],
    )
    if not created:  # another transaction created it a moment ago
        _bump(session, kind=kind, team_id=team_id, subject=subject, now=now)
    _note(session, team_id, kind)


def _bump(session: Session, *, kind: str, team_id: str, subject: str, now: datetime) -> bool:
    done = Delivery.status.in_(DONE)
    result = session.execute(
        update(Delivery)
        .where(Delivery.team_id == team_id, Delivery.kind == kind, Delivery.subject == subject)
        .values(
            version=Delivery.version + 1,
            status=case((done, DeliveryStatus.pending), else_=Delivery.status),
            next_attempt_at=case((done, now), else_=Delivery.next_attempt_at),
            attempts=case((done, 0), else_=Delivery.attempts),
            # A sent object starts its next version from its first part; a failed one keeps
            # what it knows of Slack (an uncertain post is looked for before posting again).
            parts_sent=case((Delivery.status == DeliveryStatus.sent, 0), else_=Delivery.parts_sent),
            finished_at=case((done, None), else_=Delivery.finished_at),
            due_at=case((done, now), else_=Delivery.due_at),  # owed since
        )
        .execution_options(synchronize_session=False)
    )
    return rows_affected(result) > 0


def next_due(*, session: Session, team_id: str, kinds: list[str]) -> datetime | None:
    """When the earliest of these kinds' waiting rows may be tried again, if any wait."""
    return session.scalar(
        select(func.min(Delivery.next_attempt_at)).where(
            Delivery.team_id == team_id,
            Delivery.kind.in_(kinds),
            Delivery.status.in_([DeliveryStatus.pending, DeliveryStatus.retry]),
        )
    )


def teams_owed(*, session: Session, kinds: list[str]) -> list[str]:
    """Workspaces with messages still owed (a process starting picks them up)."""
    return list(
        session.scalars(
            select(Delivery.team_id)
            .where(
                Delivery.kind.in_(kinds),
                Delivery.status.in_(
                    [DeliveryStatus.pending, DeliveryStatus.retry, DeliveryStatus.sending]
                ),
            )
            .distinct()
        )
    )


@dataclass(frozen=True)
class Waiting:
    """Messages owed for a while that Slack has not taken yet."""

    count: int
    since: datetime | None  # when the oldest was owed
    last_error: str | None  # Slack's last answer to one of them


def waiting(
    *, session: Session, team_id: str, kinds: list[str], now: datetime, older_than: timedelta
) -> Waiting:
    """Messages owed for longer than `older_than` and still not delivered (admins see them in
    App Home): how many, since when the oldest waits, and why the last try failed."""
    owed = (
        Delivery.team_id == team_id,
        Delivery.kind.in_(kinds),
        Delivery.status.in_([DeliveryStatus.pending, DeliveryStatus.retry, DeliveryStatus.sending]),
        Delivery.due_at < now - older_than,
    )
    count, oldest = session.execute(
        select(func.count(), func.min(Delivery.due_at)).where(*owed)
    ).one()
    last_error = None
    if count:
        last_error = session.scalar(
            select(Delivery.error)
            .where(*owed, Delivery.error.is_not(None))
            .order_by(Delivery.next_attempt_at.desc())
            .limit(1)
        )
    return Waiting(int(count or 0), oldest, last_error)
