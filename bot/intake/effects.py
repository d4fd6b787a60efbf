"""What each change of run intake owes in Slack: the one place that says it.

Every function here writes outbox rows in the caller's transaction (the flow's), so a change
and the messages it owes commit together or not at all; bot/intake/messages.py renders them
when they are sent. No Slack here.

- A request filed: its card in the intake channel (once a channel is chosen: requests filed
  before get theirs when it is, oldest first), the requester's receipt, their Home tab.
- A move (ask why, answer, accept, start, decline, done, withdraw, solved?): a note in the
  card's thread, the requester's DM, the moved card, the Home tabs of the requester, the
  assignee and whoever acted.
- A change of the queue (any move, a capacity or calendar change, the daily re-time): every
  request whose ETA as told changed gets its card and its requester's Home refreshed; its
  requester gets a DM (etas.py decides who hears what).
- Watchers (people following a request they did not file, watching.py) get every DM its
  requester gets about its status and ETA, marked as news of a request they follow
  (`follower` in the payload), and their Home tabs follow it too.
- Following, merging: see owe_follow and owe_merge.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import N_
from bot.home.effects import owe_homes
from bot.intake import followers
from bot.intake.etas import EtaNews
from bot.intake.models import IntakeRequest, RequestWatcher
from bot.outbox.service import owe_message, owe_refresh

CARD_KIND = "intake-card"
MESSAGE_KIND = "intake-message"


@dataclass(frozen=True)
class Note:
    """A line in the card's thread: `what` is a message id with {user} for the author."""

    what: str
    author_id: str | None
    note: str | None = None
    doc_url: str | None = None
    days: int | None = None  # for the auto-close note's {days}
    into_ref: int | None = None  # for a merge note's {into}: the other request's number

    def payload(self, request: IntakeRequest) -> dict[str, Any]:
        payload = {
            "what": "note",
            "request_id": request.id,
            "text": self.what,
            "author_id": self.author_id,
            "note": self.note,
            "doc_url": self.doc_url,
            "days": self.days,
        }
        if self.into_ref is not None:
            payload["into_ref"] = self.into_ref
        return payload


def owe_card(
    *, session: Session, request: IntakeRequest, channel_id: str | None, now: datetime
) -> None:
    """The request's card shows its current state: posted in the intake channel the first
    time, updated in place after. No channel chosen yet: nothing yet (see cards_for_channel)."""
    recipient = request.card_channel_id or channel_id
    if not recipient:
        return
    owe_refresh(
        session=session,
        kind=CARD_KIND,
        team_id=request.team_id,
        recipient=recipient,
        subject=str(request.id),
        now=now,
    )


def cards_for_channel(*, session: Session, team_id: str, channel_id: str, now: datetime) -> int:
    """An intake channel was chosen: every request that never had a card gets one there, once,
    oldest first (rows are sent in the order they are written)."""
    cardless = session.scalars(
        select(IntakeRequest)
        .where(IntakeRequest.team_id == team_id, IntakeRequest.card_ts.is_(None))
        .order_by(IntakeRequest.number)
    ).all()
    for request in cardless:
        owe_card(session=session, request=request, channel_id=channel_id, now=now)
    return len(cardless)


def owe_note(
    *,
    session: Session,
    request: IntakeRequest,
    key: str,
    note: Note,
    channel_id: str | None,
    now: datetime,
) -> None:
    """A note under the card (it waits for the card when Slack has not shown it yet)."""
    recipient = request.card_channel_id or channel_id
    if not recipient:
        return  # no card, no thread: the requester's DM and Home say it
    owe_message(
        session=session,
        kind=MESSAGE_KIND,
        team_id=request.team_id,
        recipient=recipient,
        key=f"note-{request.id}-{key}",
        subject=str(request.id),
        payload=note.payload(request),
        now=now,
    )


def owe_dm(
    *,
    session: Session,
    team_id: str,
    user_id: str | None,
    key: str,
    payload: dict[str, Any],
    now: datetime,
) -> None:
    """A direct message, in the recipient's language when it is sent (they may be erased or
    gone by then: the ledger's DM check skips it)."""
    if not user_id:
        return
    owe_message(
        session=session,
        kind=MESSAGE_KIND,
        team_id=team_id,
        recipient=user_id,
        key=key,
        subject=str(payload.get("request_id", "")),
        payload=payload,
        now=now,
    )


def owe_post(
    *,
    session: Session,
    team_id: str,
    channel_id: str,
    key: str,
    payload: dict[str, Any],
    now: datetime,
) -> None:
    owe_message(
        session=session,
        kind=MESSAGE_KIND,
        team_id=team_id,
        recipient=channel_id,
        key=key,
        payload=payload,
        now=now,
    )


def watchers_by_request(
    *, session: Session, team_id: str, request_ids: Iterable[int]
) -> dict[int, list[str]]:
    """The watchers of each request, in one read."""
    wanted = sorted(set(request_ids))
    found: dict[int, list[str]] = {request_id: [] for request_id in wanted}
    if not wanted:
        return found
    rows = session.execute(
        select(RequestWatcher.request_id, RequestWatcher.user_id)
        .where(RequestWatcher.team_id == team_id, RequestWatcher.request_id.in_(wanted))
        .order_by(RequestWatcher.id)
    )
    for request_id, user_id in rows:
        found[request_id].append(user_id)
    return found


def owe_to_requester_and_watchers(
    *,
    session: Session,
    request: IntakeRequest,
    key: str,
    payload: dict[str, Any],
    watchers: list[str],
    now: datetime,
) -> None:
    """A DM to the requester, and the same news to each watcher (rendered as news of a
    request they follow)."""
    owe_dm(
        session=session,
        team_id=request.team_id,
        user_id=request.requester_id,
        key=key,
        payload=payload,
        now=now,
    )
    for user_id in watchers:
        owe_dm(
            session=session,
            team_id=request.team_id,
            user_id=user_id,
            key=f"{key}-w-{user_id}",
            payload={**payload, "follower": True},
            now=now,
        )


def eta_payload(item: EtaNews) -> dict[str, Any]:
    return {
        "what": "eta",
        "request_id": item.request.id,
        "previous": _iso(item.previous),
        "eta": _iso(item.eta),
        "reason": str(item.reason),
        "ahead": dict(item.ahead),
        "rollouts_ahead": item.rollouts_ahead,
    }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def owe_eta_news(
    *,
    session: Session,
    team_id: str,
    news: Iterable[EtaNews],
    channel_id: str | None,
    now: datetime,
    told_otherwise: Iterable[int] = (),
) -> None:
    """Each request whose ETA as told changed: its card and its requester's Home show the new
    date, and its requester gets a DM (unless the move's own DM already gives the date)."""
    skip = set(told_otherwise)
    news = list(news)
    watchers = watchers_by_request(
        session=session, team_id=team_id, request_ids=[item.request.id for item in news]
    )
    for item in news:
        request = item.request
        owe_card(session=session, request=request, channel_id=channel_id, now=now)
        owe_homes(
            session=session,
            team_id=team_id,
            user_ids=[request.requester_id, *watchers[request.id]],
            now=now,
        )
        if request.id in skip:
            continue
        owe_to_requester_and_watchers(
            session=session,
            request=request,
            # A change can move the same request again later to the same dates: the key is
            # the change's own, and the state (eta_told) keeps a retried change from telling
            # it twice.
            key=f"eta-{request.id}-{uuid.uuid4().hex[:16]}",
            payload=eta_payload(item),
            watchers=watchers[request.id],
            now=now,
        )


def owe_move(
    *,
    session: Session,
    request: IntakeRequest,
    event_id: int,
    actor_id: str | None,
    channel_id: str | None,
    now: datetime,
    note: Note | None = None,
    to_requester: dict[str, Any] | None = None,
    to_user: tuple[str | None, dict[str, Any]] | None = None,
    news: Iterable[EtaNews] = (),
) -> None:
    """Everything a move of one request owes: the thread note, the requester's DM (or
    another person's: the asker of an answered question), the card, the ETA news of the queue
    it moved, and the Home tabs of those concerned."""
    if note is not None:
        owe_note(
            session=session,
            request=request,
            key=str(event_id),
            note=note,
            channel_id=channel_id,
            now=now,
        )
    watchers = watchers_by_request(
        session=session, team_id=request.team_id, request_ids=[request.id]
    )[request.id]
    if to_requester is not None:
        owe_to_requester_and_watchers(
            session=session,
            request=request,
            key=f"move-{request.id}-{event_id}",
            payload={"request_id": request.id, **to_requester},
            watchers=watchers,
            now=now,
        )
    if to_user is not None:
        user_id, payload = to_user
        owe_dm(
            session=session,
            team_id=request.team_id,
            user_id=user_id,
            key=f"move-{request.id}-{event_id}-to-{user_id}",
            payload={"request_id": request.id, **payload},
            now=now,
        )
    owe_card(session=session, request=request, channel_id=channel_id, now=now)
    owe_eta_news(
        session=session,
        team_id=request.team_id,
        news=news,
        channel_id=channel_id,
        now=now,
        told_otherwise=[request.id] if to_requester is not None else [],
    )
    owe_homes(
        session=session,
        team_id=request.team_id,
        user_ids=[actor_id, request.requester_id, request.assignee_id, *watchers],
        now=now,
    )
    followers.request_moved(session, request, now)  # e.g. its issue in the tracker follows


def owe_filing(
    *,
    session: Session,
    request: IntakeRequest,
    due: date,
    channel_id: str | None,
    now: datetime,
) -> None:
    """A new request: its card (when there is a channel), the receipt, the requester's Home."""
    owe_card(session=session, request=request, channel_id=channel_id, now=now)
    owe_dm(
        session=session,
        team_id=request.team_id,
        user_id=request.requester_id,
        key=f"receipt-{request.id}",
        payload={
            "what": "receipt",
            "request_id": request.id,
            "due": due.isoformat(),
            "channel_id": channel_id,
        },
        now=now,
    )
    owe_homes(session=session, team_id=request.team_id, user_ids=[request.requester_id], now=now)


def owe_follow(
    *, session: Session, request: IntakeRequest, user_id: str, channel_id: str | None, now: datetime
) -> None:
    """Someone follows a request ("me too"): a note under its card, the card (its watchers
    count), the follower's Home. The queue moves it owes come as ETA news (owe_eta_news)."""
    owe_note(
        session=session,
        request=request,
        key=f"follow-{user_id}",
        note=Note(
            N_("{user} needs this too and follows the request instead of filing it."), user_id
        ),
        channel_id=channel_id,
        now=now,
    )
    owe_card(session=session, request=request, channel_id=channel_id, now=now)
    owe_homes(session=session, team_id=request.team_id, user_ids=[user_id], now=now)


def owe_merge(
    *,
    session: Session,
    merged: IntakeRequest,
    into: IntakeRequest,
    merged_event_id: int,
    actor_id: str,
    new_watchers: list[str],
    channel_id: str | None,
    now: datetime,
) -> None:
    """A request merged into another: a note under each card, both cards, the merged
    request's requester told (they now follow the other), everyone's Home tabs."""
    owe_note(
        session=session,
        request=merged,
        key=str(merged_event_id),
        note=Note(N_("{user} merged this request into {into}."), actor_id, into_ref=into.number),
        channel_id=channel_id,
        now=now,
    )
    owe_note(
        session=session,
        request=into,
        key=f"merged-{merged.id}",
        note=Note(N_("{user} merged {into} into this request."), actor_id, into_ref=merged.number),
        channel_id=channel_id,
        now=now,
    )
    owe_card(session=session, request=merged, channel_id=channel_id, now=now)
    owe_card(session=session, request=into, channel_id=channel_id, now=now)
    owe_dm(
        session=session,
        team_id=merged.team_id,
        user_id=merged.requester_id,
        key=f"merged-{merged.id}",
        payload={"what": "merged", "request_id": merged.id, "into_id": into.id},
        now=now,
    )
    owe_homes(
        session=session,
        team_id=merged.team_id,
        user_ids=[actor_id, merged.requester_id, into.requester_id, *new_watchers],
        now=now,
    )
