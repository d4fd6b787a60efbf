"""Celebrations' use cases: read once, apply the rules, write the change and what it owes.

Each flow runs one transaction and writes the Slack messages the change owes as outbox rows in
that same transaction (effects.py says which): a win and its card, a prepared win and its card.
One runs inside the ledger's own transaction instead (`win_posted`: a card went out). What
needs Slack or HubSpot (a deal, an e-mail's user) is asked by the caller before or after,
never inside a transaction. No Slack here.

The celebration channel and the settings that pick it (saved settings owe the posts of the
wins that waited for a channel; a card Slack refused) are in flows_channel.py; the Salesforce
poll in flows_salesforce.py.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.actor import Actor
from bot.celebrations import effects, service, service_posting
from bot.celebrations.models import PostState, Win
from bot.celebrations.rules import DealDetails, WinForm
from bot.celebrations.schemas import HubSpotEvent, WinIn
from bot.db import session_scope

logger = logging.getLogger(__name__)

Factory = sessionmaker[Session]


# ---------------------------------------------------------------- a win ready to post


def post_when_ready(session: Session, win: Win, *, now: datetime) -> bool:
    """A ready win is queued and its card owed when the workspace has a celebration channel;
    without one it waits (the settings' save posts it). Returns whether it was queued."""
    if win.post_state != PostState.ready:
        return False
    channel_id = service.settings_of(session=session, team_id=win.team_id).channel_id
    if not channel_id:
        return False
    service_posting.queue_win(win=win, channel_id=channel_id)
    effects.owe_win_post(session=session, win=win, now=now)
    return True


def queue_waiting_wins(*, session: Session, team_id: str | None, now: datetime) -> int:
    """Ready wins of workspaces with a channel (a channel just set or fixed, or wins recorded
    before the outbox that no change queued): queued, their cards owed."""
    wins = service_posting.queue_ready_wins(session=session, team_id=team_id)
    effects.owe_win_posts(session=session, wins=wins, now=now)
    return len(wins)


# ---------------------------------------------------------------- a win by hand


@dataclass(frozen=True)
class WinModal:
    """What the win modal needs: whether the offered win was celebrated already, and the
    workspace's base currency to propose."""

    already_celebrated: bool
    currency: str | None


def win_modal(factory: Factory, *, team_id: str, source_ref: str) -> WinModal:
    with session_scope(factory) as session:
        return WinModal(
            already_celebrated=service.offered_win_celebrated(
                session=session, team_id=team_id, offered_ref=source_ref
            ),
            currency=service.settings_of(session=session, team_id=team_id).base_currency,
        )


@dataclass(frozen=True)
class WinRecorded:
    already_celebrated: bool = False
    win_id: int | None = None
    created: bool = False  # False: a second submission of the same modal, nothing more owed
    waits_for_channel: bool = False


def record_win(
    factory: Factory,
    actor: Actor,
    *,
    draft_id: str,
    offered_ref: str,
    form: WinForm,
    now: datetime,
) -> WinRecorded:
    """A win from the modal (or another domain's "Celebrate it"): recorded once, ready at once
    (its winners are Slack users: nothing to prepare), its card owed in the same transaction;
    with no celebration channel yet, its author is told it waits. A win another domain offered
    and someone celebrated already is refused, nothing stored."""
    with session_scope(factory) as session:
        if service.offered_win_celebrated(
            session=session, team_id=actor.team_id, offered_ref=offered_ref
        ):
            return WinRecorded(already_celebrated=True)
        recorded = service.record_manual_win(
            session=session,
            team_id=actor.team_id,
            draft_id=draft_id,
            offered_ref=offered_ref,
            form=form,
            author_id=actor.user_id,
            now=now,
        )
        if recorded.created:
            win = session.get_one(Win, recorded.win_id)
            post_when_ready(session, win, now=now)
            if recorded.tell_author_it_waits:
                effects.owe_waiting_note(session=session, win=win, author_id=actor.user_id, now=now)
        return WinRecorded(
            win_id=recorded.win_id,
            created=recorded.created,
            waits_for_channel=recorded.tell_author_it_waits,
        )


# ---------------------------------------------------------------- wins from other tools


@dataclass(frozen=True)
class WebhookWin:
    win_id: int
    created: bool
    to_prepare: bool  # winners known by e-mail only: looked up in Slack before the post


def record_webhook_win(
    factory: Factory, *, team_id: str, win_in: WinIn, now: datetime
) -> WebhookWin:
    """A win from POST /webhooks/wins, once per external id: ready (every winner a Slack id),
    its card owed at once; else prepared off the request's thread."""
    with session_scope(factory) as session:
        win, created = service.record_win(
            session=session, team_id=team_id, new=service.webhook_win(win_in), now=now
        )
        if created:
            post_when_ready(session, win, now=now)
        return WebhookWin(
            win_id=win.id,
            created=created,
            to_prepare=created and win.post_state == PostState.preparing,
        )


@dataclass
class HubSpotBatch:
    received: int = 0
    new_wins: int = 0
    duplicates: int = 0
    ignored: int = 0
    invalid: list[dict[str, Any]] = field(default_factory=list)
    teams: set[str] = field(default_factory=set)  # with new wins to prepare

    def summary(self) -> dict[str, Any]:
        return {
            "received": self.received,
            "new_wins": self.new_wins,
            "duplicates": self.duplicates,
            "ignored": self.ignored,
            "invalid": self.invalid,
        }


def receive_hubspot_events(
    factory: Factory, events: Sequence[Any], *, now: datetime
) -> HubSpotBatch:
    """Store a win per deal that reached a won stage (to be prepared: its details are in the
    CRM). Each event stands alone: a malformed one is reported in the answer and skipped, the
    others are processed; a deal already celebrated is a duplicate, however often HubSpot
    delivers it (eventIds are not unique)."""
    batch = HubSpotBatch(received=len(events))
    with session_scope(factory) as session:
        for index, raw in enumerate(events):
            try:
                event = HubSpotEvent.model_validate(raw)
            except ValidationError as error:
                problem = "; ".join(
                    f"{'.'.join(str(p) for p in e['loc']) or '(event)'}: {e['msg']}"
                    for e in error.errors()
                )
                batch.invalid.append({"index": index, "problem": problem})
                continue
            try:
                with session.begin_nested():
                    _receive(session, event, now, batch)
            except (IntegrityError, DataError) as error:
                logger.warning("hubspot event %s not stored: %s", event.event_id, error.orig)
                batch.invalid.append({"index": index, "problem": "could not be stored"})
    return batch


def _receive(session: Session, event: HubSpotEvent, now: datetime, batch: HubSpotBatch) -> None:
    result, team_id = service.record_hubspot_event(session=session, event=event, now=now)
    if result is service.HubSpotOutcome.new_win and team_id is not None:
        batch.new_wins += 1
        batch.teams.add(team_id)
    elif result is service.HubSpotOutcome.duplicate:
        batch.duplicates += 1
    else:
        if result is service.HubSpotOutcome.unknown_portal:
            logger.warning("hubspot portal %s maps to no workspace: event ignored", event.portal_id)
        batch.ignored += 1


# ---------------------------------------------------------------- preparing wins


def claim_wins_to_prepare(
    factory: Factory, *, team_id: str | None, now: datetime
) -> list[service_posting.Preparation]:
    with session_scope(factory) as session:
        return service_posting.claim_wins_to_prepare(session=session, now=now, team_id=team_id)


def admin_known(factory: Factory, *, team_id: str) -> bool:
    """Is there an admin to tell about a problem, from what the bot knows of the members?"""
    with session_scope(factory) as session:
        return service.admin_to_tell(session=session, team_id=team_id) is not None


def complete_preparation(
    factory: Factory,
    *,
    win_id: int,
    deal: DealDetails | None,
    resolved: Mapping[str, str | None],
    now: datetime,
) -> None:
    """What was fetched fills the win in; the win is ready and its card owed in the same
    transaction. A winner's e-mail that matches nobody in Slack is told to an admin, once per
    e-mail."""
    with session_scope(factory) as session:
        win = service_posting.complete_preparation(
            session=session, win_id=win_id, deal=deal, resolved=resolved
        )
        post_when_ready(session, win, now=now)
        unknown = [w.email for w in win.winners if w.email and not w.user_id]
        admin = service.admin_to_tell(session=session, team_id=win.team_id) if unknown else None
        for email in unknown:
            assert email is not None
            if not service.claim_unknown_email_notice(
                session=session, team_id=win.team_id, email=email, now=now
            ):
                continue
            if admin is None:
                logger.warning("no admin to tell in %s about an unknown e-mail", win.team_id)
                continue
            effects.owe_unknown_email_notice(
                session=session, win=win, email=email, admin_id=admin, now=now
            )


def preparation_failed(
    factory: Factory, *, win_id: int, problem: str, now: datetime, permanent: bool
) -> PostState:
    with session_scope(factory) as session:
        return service_posting.preparation_failed(
            session=session, win_id=win_id, problem=problem, now=now, permanent=permanent
        )


def cached_email_user(
    factory: Factory, *, team_id: str, email: str, now: datetime
) -> tuple[bool, str | None]:
    """(known, user id) from the e-mail cache: a fresh miss is known too."""
    with session_scope(factory) as session:
        cached = service.cached_email_user(session=session, team_id=team_id, email=email, now=now)
        return (cached is not None, cached.user_id if cached is not None else None)


def remember_email_user(
    factory: Factory, *, team_id: str, email: str, user_id: str | None, now: datetime
) -> None:
    with session_scope(factory) as session:
        service.remember_email_user(
            session=session, team_id=team_id, email=email, user_id=user_id, now=now
        )


# ---------------------------------------------------------------- a card sent


def win_posted(
    *, session: Session, team_id: str, win_id: int, channel: str, ts: str, now: datetime
) -> None:
    """In the ledger's transaction: the card is in the channel; the bot's :tada: is owed."""
    service_posting.mark_win_posted(session=session, win_id=win_id, channel=channel, ts=ts, now=now)
    effects.owe_reaction(session=session, win_id=win_id, team_id=team_id, channel=channel, now=now)


# ---------------------------------------------------------------- reactions


def record_reaction(
    factory: Factory,
    *,
    team_id: str,
    channel_id: str,
    ts: str,
    user_id: str,
    name: str,
    added: bool,
    event_ts: str,
    bot_user_id: str | None,
) -> bool:
    with session_scope(factory) as session:
        return service.record_reaction(
            session=session,
            team_id=team_id,
            channel_id=channel_id,
            ts=ts,
            user_id=user_id,
            name=name,
            added=added,
            event_ts=event_ts,
            bot_user_id=bot_user_id,
        )
