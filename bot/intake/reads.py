"""Read-only lookups of intake requests used by listeners and jobs (no rules here)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.intake.models import IntakeRequest, RequestEvent, Rollout, Status


def history(*, session: Session, team_id: str, request_id: int) -> list[RequestEvent]:
    """The request's transitions, oldest first."""
    return list(
        session.scalars(
            select(RequestEvent)
            .where(RequestEvent.team_id == team_id, RequestEvent.request_id == request_id)
            .order_by(RequestEvent.id)
        )
    )


def rollout_of(*, session: Session, request: IntakeRequest) -> Rollout | None:
    return session.get(Rollout, request.rollout_id) if request.rollout_id else None


def last_question(*, session: Session, team_id: str, request_id: int) -> RequestEvent | None:
    """The latest "ask why" of a request: who asked, and what."""
    return session.scalar(
        select(RequestEvent)
        .where(
            RequestEvent.team_id == team_id,
            RequestEvent.request_id == request_id,
            RequestEvent.to_status == Status.waiting,
        )
        .order_by(RequestEvent.id.desc())
        .limit(1)
    )


def request_for_thread(
    *, session: Session, team_id: str, channel_id: str, thread_ts: str
) -> IntakeRequest | None:
    """The request whose card starts this thread, if any."""
    return session.scalar(
        select(IntakeRequest).where(
            IntakeRequest.team_id == team_id,
            IntakeRequest.card_ts == thread_ts,
            IntakeRequest.card_channel_id == channel_id,
        )
    )
