"""Rules of the Salesforce poll (re-exported by service.py). No Slack, no Salesforce calls.

- Which workspace the org of the environment belongs to.
- The cursor: wins are read from SystemModstamp `read_up_to` minus READ_OVERLAP (a record
  Salesforce commits late with an earlier stamp is still seen; what is read twice is a
  duplicate, stored once). It starts at the first poll: opportunities won before the bot was
  connected are not celebrated.
- The lease: one poll of a workspace at a time, whatever the number of clocks.
- A won opportunity is one win, keyed by its id: won, reopened and won again is one win.
- An outage (no poll finishes: timeouts, 5xx) is an admin's concern once it lasts: told once,
  and its end told once; a short one is only logged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bot.celebrations.configuration import settings_of
from bot.celebrations.models import SalesforceSync
from bot.db import insert_or_ignore
from bot.workspaces.models import Workspace
from bot.workspaces.service import ensure_workspace

READ_OVERLAP = timedelta(minutes=5)
POLL_LEASE = timedelta(minutes=5)


@dataclass(frozen=True)
class Opportunity:
    """A won opportunity as Salesforce gives it (bot/celebrations/salesforce.py reads it)."""

    id: str
    name: str
    amount: Decimal | None
    currency: str | None
    stage: str
    modified_at: datetime
    owner_email: str | None
    owner_name: str
    is_won: bool = True
    owner_slack_id: str | None = None  # a push may name the Slack user: it beats the e-mail


def team_for_salesforce(*, session: Session, configured_team: str | None) -> str | None:
    """The workspace Salesforce wins go to: SALESFORCE_TEAM_ID when set (it must be a
    workspace the bot serves), else the one workspace the bot serves; with several and no
    setting, nobody (the operator is told by a log line)."""
    if configured_team:
        return configured_team if session.get(Workspace, configured_team) is not None else None
    teams = list(
        session.scalars(
            select(Workspace.team_id).where(Workspace.uninstalled_at.is_(None)).limit(2)
        )
    )
    return teams[0] if len(teams) == 1 else None


def counts_as_won(opportunity: Opportunity, stages: Sequence[str]) -> bool:
    """An opportunity counts as won when its stage is one the admins named, or, with none
    named, when Salesforce marks it won (IsWon)."""
    return opportunity.stage in stages if stages else opportunity.is_won


def salesforce_source_ref(opportunity_id: str) -> str:
    """An opportunity is celebrated once, however often it is won (reopened, won again) and
    however many polls or processes read it."""
    return f"salesforce:opportunity:{opportunity_id}"


def claim_poll(*, session: Session, team_id: str, now: datetime) -> SalesforceSync | None:
    """Take the workspace's poll for POLL_LEASE: None when another process polls it now. The
    first poll starts the cursor at `now`."""
    ensure_workspace(session=session, team_id=team_id)
    insert_or_ignore(
        session, SalesforceSync, [{"team_id": team_id, "read_up_to": now}], ["team_id"]
    )
    taken = session.execute(
        update(SalesforceSync)
        .where(
            SalesforceSync.team_id == team_id,
            or_(SalesforceSync.polling_until.is_(None), SalesforceSync.polling_until <= now),
        )
        .values(polling_until=now + POLL_LEASE)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return session.scalars(
        select(SalesforceSync)
        .where(SalesforceSync.team_id == team_id)
        .execution_options(populate_existing=True)
    ).one()


def read_from(sync: SalesforceSync) -> datetime:
    """Where the next query starts (see READ_OVERLAP)."""
    return sync.read_up_to - READ_OVERLAP


def won_stages(*, session: Session, team_id: str) -> list[str]:
    """The stage names an admin said count as won; empty: Salesforce's own IsWon."""
    return list(settings_of(session=session, team_id=team_id).salesforce_won_stages or [])


def advance(*, session: Session, team_id: str, up_to: datetime) -> None:
    """A page's wins are stored: the cursor moves to its newest stamp (never back)."""
    sync = session.get_one(SalesforceSync, team_id)
    if up_to > sync.read_up_to:
        sync.read_up_to = up_to


def poll_done(
    *, session: Session, team_id: str, org_currency: str | None, now: datetime
) -> datetime | None:
    """The poll read every page: the lease is released and a past problem or outage forgotten
    (the next one is told to an admin again). Returns when the outage an admin was told of
    began, when there was one: its end is told too."""
    sync = session.get_one(SalesforceSync, team_id)
    sync.polling_until = None
    sync.last_polled_at = now
    sync.org_currency = org_currency or sync.org_currency
    sync.problem = None
    sync.problem_told_at = None
    told_outage = sync.unanswered_since if sync.outage_told_at is not None else None
    sync.unanswered_since = None
    sync.outage_told_at = None
    return told_outage


def poll_unanswered(
    *, session: Session, team_id: str, now: datetime, outage_after: timedelta
) -> datetime | None:
    """A poll stopped on a passing failure (Salesforce did not answer, or answered 5xx): the
    next tick (any clock) tries again. The first such poll since the last one that finished
    starts the outage; once it has lasted `outage_after`, returns when it began, once, for an
    admin to be told (the record survives restarts: nothing is told twice)."""
    sync = session.get(SalesforceSync, team_id)
    if sync is None:
        return None
    sync.polling_until = None
    if sync.unanswered_since is None:
        sync.unanswered_since = now
    if sync.outage_told_at is not None or now - sync.unanswered_since < outage_after:
        return None
    sync.outage_told_at = now
    return sync.unanswered_since


def release_poll(*, session: Session, team_id: str) -> None:
    """A poll that stopped on an error of the bot's own lets the next tick try again."""
    sync = session.get(SalesforceSync, team_id)
    if sync is not None:
        sync.polling_until = None


def poll_failed(*, session: Session, team_id: str, problem: str, now: datetime) -> bool:
    """The poll stopped (what was stored stays stored; the cursor stays where the last
    complete page left it). Returns True when an admin must be told now: the first problem
    since Salesforce last worked."""
    sync = session.get(SalesforceSync, team_id)
    if sync is None:
        return False
    sync.polling_until = None
    sync.problem = problem[:2000]
    # Salesforce answered (with a refusal): no outage any more; the refusal is told instead.
    sync.unanswered_since = None
    sync.outage_told_at = None
    if sync.problem_told_at is not None:
        return False
    sync.problem_told_at = now
    return True


def newest_stamp(opportunities: Sequence[Opportunity]) -> datetime | None:
    """The cursor a page of opportunities (oldest first) moves to."""
    return max((o.modified_at for o in opportunities), default=None)


def salesforce_polled(*, session: Session, team_id: str) -> bool:
    """Whether the workspace's Salesforce poll ever ran (App Home then shows its state)."""
    return session.get(SalesforceSync, team_id) is not None


def salesforce_problem(*, session: Session, team_id: str) -> str | None:
    """What stops the poll now, as last seen (None: it works, or never ran)."""
    sync = session.get(SalesforceSync, team_id)
    return sync.problem if sync is not None else None


def salesforce_unanswered_since(*, session: Session, team_id: str) -> datetime | None:
    """Since when Salesforce has not answered, once that outage was told to an admin (a
    short one is not shown)."""
    sync = session.get(SalesforceSync, team_id)
    if sync is None or sync.outage_told_at is None:
        return None
    return sync.unanswered_since
