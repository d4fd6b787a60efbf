"""Polling Salesforce for closed-won opportunities: no public URL needed.

Each tick of the `celebrations-salesforce-poll` kind (every SALESFORCE_POLL_SECONDS, on every
clock) takes the workspace's poll lease (one process polls at a time), reads won opportunities
modified since the cursor page by page with no transaction open, and stores each page's wins
and the cursor past it in one transaction (flows_salesforce.salesforce_page_read). New wins
are then prepared as HubSpot's are (the owner's e-mail → a Slack user; preparation.py) and
their cards owed through the outbox. A refusal (credentials, permissions) is told to an admin
once; an outage is logged and the next tick resumes from the last stored page; one that lasts
SALESFORCE_OUTAGE_MINUTES is told to an admin once, and its end once.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from bot.celebrations import flows_salesforce, preparation
from bot.celebrations.salesforce import SalesforceCrm, SalesforceRefused, SalesforceUnavailable
from bot.services import Services

logger = logging.getLogger(__name__)


def poll(services: Services, crm: SalesforceCrm) -> int:
    """One poll; returns the number of new wins. Lease and cursor times are real time (a
    `jobs run --now` in the past must not move them back)."""
    if not crm.configured:
        return 0
    factory = services.session_factory
    now = datetime.now(UTC)
    configured_team = services.settings.salesforce_team_id
    team_id = flows_salesforce.salesforce_team(factory, configured_team=configured_team)
    if team_id is None:
        if not crm.told_no_workspace:  # once per process, not every tick
            crm.told_no_workspace = True
            logger.warning(
                "salesforce: no workspace to post wins to (%s): set SALESFORCE_TEAM_ID",
                f"SALESFORCE_TEAM_ID={configured_team} is no workspace of the bot"
                if configured_team
                else "the bot serves several workspaces",
            )
        return 0
    held = flows_salesforce.start_salesforce_poll(factory, team_id=team_id, now=now)
    if held is None:
        logger.debug("salesforce poll of %s: another process polls it now", team_id)
        return 0
    created, read, org_currency = 0, 0, held.org_currency
    try:
        for opportunities, page_currency in crm.won_opportunities(
            since=held.read_from, stages=held.won_stages, org_currency=held.org_currency
        ):
            org_currency = page_currency
            read += len(opportunities)
            created += flows_salesforce.salesforce_page_read(
                factory, team_id=held.team_id, opportunities=opportunities, now=now
            )
    except SalesforceRefused as refused:
        logger.error("salesforce poll refused: %s", refused)
        flows_salesforce.salesforce_poll_failed(
            factory, team_id=held.team_id, problem=str(refused), now=now
        )
    except SalesforceUnavailable as error:
        logger.warning("salesforce poll interrupted, next tick resumes: %s", error)
        flows_salesforce.salesforce_poll_unanswered(
            factory,
            team_id=held.team_id,
            now=now,
            outage_after=timedelta(minutes=services.settings.salesforce_outage_minutes),
        )
    except Exception:
        flows_salesforce.salesforce_poll_released(factory, team_id=held.team_id)
        raise
    else:
        flows_salesforce.salesforce_poll_done(
            factory, team_id=held.team_id, org_currency=org_currency, now=datetime.now(UTC)
        )
        if not crm.confirmed:  # once per process: `jobs run` shows that it works
            crm.confirmed = True
            logger.info(
                "salesforce poll works: %s login as %s, %d won opportunit%s modified since %s "
                "read (%s); later polls log only their wins",
                services.settings.salesforce_login_mode,
                services.settings.salesforce_username,
                read,
                "y" if read == 1 else "ies",
                held.read_from.isoformat(timespec="seconds"),
                ", ".join(held.won_stages) or "IsWon = true",
            )
    finally:
        if created:  # the pages read before a failure keep their wins: post them
            logger.info("salesforce poll: %d new win(s)", created)
            preparation.prepare_wins(services, held.team_id)
    return created
