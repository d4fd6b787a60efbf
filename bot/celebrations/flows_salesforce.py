"""Celebrations' use cases for Salesforce: the poll's steps (each its own transaction, none
open while Salesforce answers: salesforce_poll.py calls them between its reads) and the
opportunities a Flow pushes. Like flows.py: rules in service.py (salesforce_sync.py), what a
change owes in effects.py. No Slack, no Salesforce calls here.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.celebrations import effects, service
from bot.celebrations.flows import Factory, post_when_ready, queue_waiting_wins
from bot.celebrations.models import PostState
from bot.db import session_scope

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------- Salesforce polls


@dataclass(frozen=True)
class SalesforcePoll:
    """A poll this process holds (see service.claim_poll): where to read from, what counts."""

    team_id: str
    read_from: datetime
    won_stages: tuple[str, ...]
    org_currency: str | None


def salesforce_team(factory: Factory, *, configured_team: str | None) -> str | None:
    with session_scope(factory) as session:
        return service.team_for_salesforce(session=session, configured_team=configured_team)


def start_salesforce_poll(
    factory: Factory, *, team_id: str, now: datetime
) -> SalesforcePoll | None:
    """The workspace's poll, if no other process holds it now."""
    with session_scope(factory) as session:
        sync = service.claim_poll(session=session, team_id=team_id, now=now)
        if sync is None:
            return None
        return SalesforcePoll(
            team_id=team_id,
            read_from=service.read_from(sync),
            won_stages=tuple(service.won_stages(session=session, team_id=team_id)),
            org_currency=sync.org_currency,
        )


def salesforce_page_read(
    factory: Factory,
    *,
    team_id: str,
    opportunities: Sequence[service.Opportunity],
    now: datetime,
) -> int:
    """One page of won opportunities: a win per new one and the cursor past the page, in one
    transaction (a poll stopped later keeps them; the next re-reads from here). Returns how
    many wins are new."""
    with session_scope(factory) as session:
        created = sum(
            service.record_salesforce_opportunity(
                session=session, team_id=team_id, opportunity=opportunity, now=now
            )
            for opportunity in opportunities
        )
        newest = service.newest_stamp(opportunities)
        if newest is not None:
            service.advance(session=session, team_id=team_id, up_to=newest)
        # Wins whose winners are all known (or none) are ready: their cards are owed now.
        queue_waiting_wins(session=session, team_id=team_id, now=now)
        return created


def salesforce_poll_done(
    factory: Factory, *, team_id: str, org_currency: str | None, now: datetime
) -> None:
    """Every page read: the poll's state is cleared, and the end of an outage an admin was
    told of is told too."""
    with session_scope(factory) as session:
        since = service.poll_done(
            session=session, team_id=team_id, org_currency=org_currency, now=now
        )
        if since is None:
            return
        admin = service.admin_to_tell(session=session, team_id=team_id)
        if admin is not None:
            effects.owe_salesforce_back_notice(
                session=session, team_id=team_id, admin_id=admin, since=since, now=now
            )


def salesforce_poll_failed(factory: Factory, *, team_id: str, problem: str, now: datetime) -> None:
    """The poll stopped on a refusal an admin must fix: recorded, and an admin told once
    until Salesforce works again."""
    with session_scope(factory) as session:
        if not service.poll_failed(session=session, team_id=team_id, problem=problem, now=now):
            return
        admin = service.admin_to_tell(session=session, team_id=team_id)
        if admin is None:
            logger.warning("no admin to tell in %s about Salesforce", team_id)
            return
        effects.owe_salesforce_problem_notice(
            session=session, team_id=team_id, admin_id=admin, problem=problem, now=now
        )


def salesforce_poll_released(factory: Factory, *, team_id: str) -> None:
    """An error of the bot's own: the lease is released, nothing else changes."""
    with session_scope(factory) as session:
        service.release_poll(session=session, team_id=team_id)


def salesforce_poll_unanswered(
    factory: Factory, *, team_id: str, now: datetime, outage_after: timedelta
) -> None:
    """A transient failure (Salesforce down): the lease is released; an outage that has
    lasted `outage_after` is told to an admin, once."""
    with session_scope(factory) as session:
        since = service.poll_unanswered(
            session=session, team_id=team_id, now=now, outage_after=outage_after
        )
        if since is None:
            return
        admin = service.admin_to_tell(session=session, team_id=team_id)
        if admin is None:
            logger.warning("no admin to tell in %s that Salesforce does not answer", team_id)
            return
        effects.owe_salesforce_outage_notice(
            session=session, team_id=team_id, admin_id=admin, since=since, now=now
        )


class PushOutcome(StrEnum):
    new_win = "new_win"
    duplicate = "duplicate"
    not_won = "not_won"
    no_workspace = "no_workspace"


@dataclass(frozen=True)
class SalesforcePush:
    outcome: PushOutcome
    team_id: str | None = None
    to_prepare: bool = False  # the owner known by e-mail only: looked up before the post


def record_salesforce_push(
    factory: Factory,
    *,
    opportunity: service.Opportunity,
    configured_team: str | None,
    now: datetime,
) -> SalesforcePush:
    """An opportunity a Flow pushed: a win when it counts as won (the same stages as the
    poll), once per opportunity whether the poll read it too or not; its card owed at once
    when its owner is a Slack user already, else after the e-mail lookup."""
    with session_scope(factory) as session:
        team_id = service.team_for_salesforce(session=session, configured_team=configured_team)
        if team_id is None:
            return SalesforcePush(PushOutcome.no_workspace)
        stages = service.won_stages(session=session, team_id=team_id)
        if not service.counts_as_won(opportunity, stages):
            return SalesforcePush(PushOutcome.not_won, team_id)
        created = service.record_salesforce_opportunity(
            session=session, team_id=team_id, opportunity=opportunity, now=now
        )
        if not created:
            return SalesforcePush(PushOutcome.duplicate, team_id)
        win = service.find_win(
            session=session,
            team_id=team_id,
            source_ref=service.salesforce_source_ref(opportunity.id),
        )
        assert win is not None
        post_when_ready(session, win, now=now)
        return SalesforcePush(
            PushOutcome.new_win, team_id, to_prepare=win.post_state == PostState.preparing
        )
