"""Preparing wins from the CRM and other tools: what a win still needs from outside.

A HubSpot deal's name, amount and owner, and the Slack users behind winners known by e-mail,
are fetched with no transaction open; `flows.complete_preparation` then makes the win ready
and owes its card in one transaction (a failed fetch is retried with backoff, see
service_posting.preparation_failed). A hand-made win never comes here: its winners are Slack
users.

Runs off the webhook's thread (`services.background`) right after a webhook stored wins, and in
the win posts' clock tick (messages.WinPost.prepare) for retries that came due and for
preparations a dead process left behind.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.celebrations import flows
from bot.celebrations.hubspot import CrmUnavailable, DealNotFound, HubSpotCrm
from bot.celebrations.models import PostState
from bot.celebrations.service_posting import Preparation
from bot.services import Services

logger = logging.getLogger(__name__)


def prepare_wins(
    services: Services,
    team_id: str | None = None,
    *,
    now: datetime | None = None,
    crm: HubSpotCrm | None = None,
) -> None:
    """Prepare the wins whose preparation is due (of one workspace, or all). `now` is the
    tick's time when the clock asks (an operator's `jobs run --now`), else the real one. A
    failure is logged: the win's lease runs out and the clock's next tick tries again."""
    now = now or datetime.now(UTC)
    crm = crm or HubSpotCrm(services.settings)
    try:
        claimed = flows.claim_wins_to_prepare(services.session_factory, team_id=team_id, now=now)
        for preparation in claimed:
            _prepare(services, crm, preparation, now=now)
    except Exception:  # off any request's thread: nobody to raise to
        logger.exception("preparing wins of %s failed", team_id or "every workspace")


def _prepare(
    services: Services, crm: HubSpotCrm, preparation: Preparation, *, now: datetime
) -> None:
    team_id, win_id = preparation.team_id, preparation.win_id
    try:
        client = services.clients.for_team(team_id)
        deal = None
        if preparation.deal_id and crm.configured:
            deal = crm.won_deal(preparation.deal_id)
        elif preparation.deal_id:
            logger.warning("HUBSPOT_ACCESS_TOKEN is not set: deal %s posted bare", win_id)
        emails = list(preparation.emails)
        if deal is not None and deal.owner_email:
            emails.append(deal.owner_email.lower())
        resolved = {email: user_for_email(services, client, team_id, email) for email in emails}
        if None in resolved.values() and not flows.admin_known(
            services.session_factory, team_id=team_id
        ):
            # An admin will hear of the e-mail nobody in Slack has: know the admins first
            # (one paged users.list fills the directory).
            services.directory.sync(client, team_id=team_id)
    except DealNotFound as error:
        _failed(services, win_id, str(error), now=now, permanent=True)
        return
    except (CrmUnavailable, SlackClientError, LookupError, OSError) as error:
        _failed(services, win_id, f"{type(error).__name__}: {error}", now=now, permanent=False)
        return
    flows.complete_preparation(
        services.session_factory, win_id=win_id, deal=deal, resolved=resolved, now=now
    )


def _failed(
    services: Services, win_id: int, problem: str, *, now: datetime, permanent: bool
) -> None:
    state = flows.preparation_failed(
        services.session_factory, win_id=win_id, problem=problem, now=now, permanent=permanent
    )
    log = logger.error if state is PostState.failed else logger.warning
    log("win %s not prepared (%s): %s", win_id, state.value, problem)


def user_for_email(services: Services, client: WebClient, team_id: str, email: str) -> str | None:
    """The Slack user with this e-mail (users.lookupByEmail, cached), or None."""
    factory = services.session_factory
    now = datetime.now(UTC)  # the cache's age is real time, whatever time a tick is run at
    known, user_id = flows.cached_email_user(factory, team_id=team_id, email=email, now=now)
    if known:
        return user_id
    try:
        user_id = client.users_lookupByEmail(email=email)["user"]["id"]
    except SlackApiError as error:
        if error.response.get("error") != "users_not_found":
            raise
        user_id = None
    flows.remember_email_user(factory, team_id=team_id, email=email, user_id=user_id, now=now)
    return user_id
