"""The rules of celebrations. No Slack, no HubSpot: sessions and data in, models out.

Every rule is reachable from here; the longer ones live beside this module and are
re-exported below:
- this module: where wins come from (the modal, a HubSpot deal stage, a webhook; which
  events count, who the winners are) and recording a win exactly once;
- `service_posting.py` (imported from there, not re-exported): a win's way to the channel
  (preparing → ready → queued in the delivery ledger → posted);
- `configuration.py`: settings and their schedules, which workspace a HubSpot portal is;
- `rules.py` (pure): amounts and ISO 4217 currencies, won stages, the settings and win forms,
  the gazette's week and the top performers' month;
- `ranking.py` (pure): totals per currency, top wins, monthly standings (shared ties, no sum
  across currencies without an exchange-rate setting);
- `lookups.py`: the e-mail → Slack user cache, which admin hears about problems, the
  celebration channel's health (and the bot joining it), reactions on win posts (the bot's own
  is no vote);
- `queries.py`: the wins a gazette, a digest, the top performers or Home show.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.celebrations.configuration import (
    GAZETTE_KIND,
    TOP_PERFORMERS_KIND,
    WORKSPACE_SUBJECT,
    save_settings,
    settings_of,
    team_for_portal,
)
from bot.celebrations.lookups import (
    admin_ids,
    admin_to_tell,
    cached_email_user,
    channel_problem,
    claim_unknown_email_notice,
    is_celebration_channel_join,
    is_newer_event,
    record_channel_state,
    record_reaction,
    refused_post_problem,
    remember_email_user,
)
from bot.celebrations.models import PostState, Win, WinKind, WinSource, WinWinner
from bot.celebrations.queries import fact_of, recent_wins, wins_between, wins_of
from bot.celebrations.ranking import (
    monthly_standings,
    summarise_week,
    top_wins,
    totals_per_currency,
)
from bot.celebrations.rules import (
    DEFAULT_WON_STAGES,
    WinForm,
    exchange_rates_of,
    gazette_week,
    is_known_currency,
    is_won_stage,
    parse_settings_form,
    previous_month,
)
from bot.celebrations.salesforce_sync import (
    Opportunity,
    advance,
    claim_poll,
    counts_as_won,
    newest_stamp,
    poll_done,
    poll_failed,
    poll_unanswered,
    read_from,
    release_poll,
    salesforce_polled,
    salesforce_problem,
    salesforce_source_ref,
    salesforce_unanswered_since,
    team_for_salesforce,
    won_stages,
)
from bot.celebrations.schemas import HubSpotEvent, WinIn
from bot.scheduling.cadence import local_days_window
from bot.workspaces.service import ensure_workspace

__all__ = [  # re-exported rules (see the module docstring)
    "DEFAULT_WON_STAGES",
    "GAZETTE_KIND",
    "TOP_PERFORMERS_KIND",
    "WORKSPACE_SUBJECT",
    "Opportunity",
    "admin_ids",
    "admin_to_tell",
    "advance",
    "cached_email_user",
    "channel_problem",
    "claim_poll",
    "claim_unknown_email_notice",
    "counts_as_won",
    "exchange_rates_of",
    "fact_of",
    "gazette_week",
    "is_celebration_channel_join",
    "is_newer_event",
    "is_won_stage",
    "local_days_window",
    "monthly_standings",
    "newest_stamp",
    "parse_settings_form",
    "poll_done",
    "poll_failed",
    "poll_unanswered",
    "previous_month",
    "read_from",
    "recent_wins",
    "record_channel_state",
    "record_reaction",
    "refused_post_problem",
    "release_poll",
    "remember_email_user",
    "salesforce_polled",
    "salesforce_problem",
    "salesforce_source_ref",
    "salesforce_unanswered_since",
    "save_settings",
    "settings_of",
    "summarise_week",
    "team_for_portal",
    "team_for_salesforce",
    "top_wins",
    "totals_per_currency",
    "wins_between",
    "wins_of",
    "won_stages",
]

SALESFORCE_POLL_KIND = "celebrations-salesforce-poll"


# ---------------------------------------------------------------- recording wins


@dataclass(frozen=True)
class NewWinner:
    user_id: str | None = None
    email: str | None = None
    name: str = ""


@dataclass(frozen=True)
class NewWin:
    kind: str
    title: str
    source: WinSource
    source_ref: str
    winners: Sequence[NewWinner] = ()
    amount: Decimal | None = None
    currency: str | None = None
    message: str = ""
    created_by: str | None = None
    hubspot_portal_id: str | None = None
    hubspot_deal_id: str | None = None


def find_win(*, session: Session, team_id: str, source_ref: str) -> Win | None:
    """The win recorded under this source reference, if any."""
    return session.scalar(select(Win).where(Win.team_id == team_id, Win.source_ref == source_ref))


def record_win(*, session: Session, team_id: str, new: NewWin, now: datetime) -> tuple[Win, bool]:
    """Record a win once per `source_ref` (a HubSpot deal, an external id, a modal, a project
    roll-out): a second delivery, submission or click returns the first win, created=False.

    A win that still needs details (a HubSpot deal to fetch, winners known by e-mail only) is
    `preparing`; any other is `ready` to post.
    """
    existing = find_win(session=session, team_id=team_id, source_ref=new.source_ref)
    if existing is not None:
        return existing, False
    ensure_workspace(session=session, team_id=team_id)
    needs_details = new.source is WinSource.hubspot or any(
        winner.user_id is None and winner.email for winner in new.winners
    )
    win = Win(
        team_id=team_id,
        kind=new.kind,
        title=new.title[:200],
        amount=new.amount,
        currency=new.currency,
        message=new.message,
        source=new.source,
        source_ref=new.source_ref,
        created_by=new.created_by,
        created_at=now,
        post_state=PostState.preparing if needs_details else PostState.ready,
        prepare_attempts=0,
        hubspot_portal_id=new.hubspot_portal_id,
        hubspot_deal_id=new.hubspot_deal_id,
    )
    win.winners = [
        WinWinner(
            team_id=team_id,
            position=position,
            user_id=winner.user_id,
            email=winner.email.lower() if winner.email else None,
            name=winner.name[:200],
        )
        for position, winner in enumerate(new.winners)
    ]
    try:
        with session.begin_nested():
            session.add(win)
            session.flush()
    except IntegrityError:  # the same source_ref recorded at the same instant elsewhere
        existing = find_win(session=session, team_id=team_id, source_ref=new.source_ref)
        if existing is None:
            raise
        return existing, False
    return win, True


# ---------------------------------------------------------------- where wins come from


def manual_source_ref(*, draft_id: str, offered_ref: str) -> str:
    """A win celebrated with the modal is identified by what it celebrates when another domain
    offered it (a roll-out line gone live), else by the opened modal: a double submit or a
    retried submission records one win."""
    return offered_ref or f"slack:{draft_id}"


def offered_win_celebrated(*, session: Session, team_id: str, offered_ref: str) -> bool:
    """A win another domain offered was celebrated already: offered again, the author is told
    so instead of getting a form whose submission would do nothing. A bare /revops-win modal
    offers nothing."""
    return bool(offered_ref) and (
        find_win(session=session, team_id=team_id, source_ref=offered_ref) is not None
    )


@dataclass(frozen=True)
class ManualWin:
    win_id: int
    created: bool
    # Recorded while the workspace has no celebration channel: the author is told (by DM) that
    # it is kept and posted once an admin picks one, rather than see it vanish.
    tell_author_it_waits: bool


def record_manual_win(
    *,
    session: Session,
    team_id: str,
    draft_id: str,
    offered_ref: str,
    form: WinForm,
    author_id: str,
    now: datetime,
) -> ManualWin:
    """A win from the /revops-win modal (or another domain's "Celebrate it"): the winners the
    author picked, recorded once (see `manual_source_ref`), ready to post."""
    new = NewWin(
        kind=form.kind,
        title=form.title,
        source=WinSource.slack,
        source_ref=manual_source_ref(draft_id=draft_id, offered_ref=offered_ref),
        winners=[NewWinner(user_id=winner) for winner in form.winners],
        amount=form.amount,
        currency=form.currency,
        message=form.message,
        created_by=author_id,
    )
    win, created = record_win(session=session, team_id=team_id, new=new, now=now)
    no_channel = settings_of(session=session, team_id=team_id).channel_id is None
    return ManualWin(win_id=win.id, created=created, tell_author_it_waits=created and no_channel)


def webhook_win(win_in: WinIn) -> NewWin:
    """A win from POST /webhooks/wins. Each winner is the Slack user given by id when there is
    one (it beats the e-mail, which is then never looked up), else the Slack user with that
    e-mail (looked up before posting; nobody → their name as text). The same external id from
    the same source is one win."""
    return NewWin(
        kind=win_in.kind,
        title=win_in.title,
        source=WinSource.webhook,
        source_ref=webhook_source_ref(source=win_in.source, external_id=win_in.external_id),
        winners=[
            NewWinner(
                user_id=winner.slack_id,
                email=None if winner.slack_id else winner.email,
                name=winner.name or "",
            )
            for winner in win_in.winners
        ],
        amount=win_in.amount,
        currency=win_in.currency,
        message=win_in.message,
    )


class HubSpotOutcome(StrEnum):
    new_win = "new_win"
    duplicate = "duplicate"
    ignored = "ignored"
    unknown_portal = "unknown_portal"  # ignored too; the caller logs it for the operator


def record_hubspot_event(
    *, session: Session, event: HubSpotEvent, now: datetime
) -> tuple[HubSpotOutcome, str | None]:
    """A HubSpot event becomes a win when it says a deal's `dealstage` moved to one of its
    workspace's won stages (setting; "closedwon" by default). Anything else is ignored: other
    objects or properties, other stages, a portal that is no workspace's. The deal's name,
    amount and owner are fetched before posting; a deal already celebrated is a duplicate,
    however often HubSpot delivers it. Returns the outcome and the workspace."""
    if not event.is_deal_stage_change:
        return HubSpotOutcome.ignored, None
    portal_id, deal_id = str(event.portal_id), str(event.object_id)
    team_id = team_for_portal(session=session, portal_id=portal_id)
    if team_id is None:
        return HubSpotOutcome.unknown_portal, None
    settings = settings_of(session=session, team_id=team_id)
    if not is_won_stage(settings, event.property_value):
        return HubSpotOutcome.ignored, team_id
    new = NewWin(
        kind=WinKind.deal_signed,
        title="",  # filled from the CRM before posting
        source=WinSource.hubspot,
        source_ref=hubspot_source_ref(portal_id=portal_id, deal_id=deal_id),
        hubspot_portal_id=portal_id,
        hubspot_deal_id=deal_id,
    )
    _, created = record_win(session=session, team_id=team_id, new=new, now=now)
    return (HubSpotOutcome.new_win if created else HubSpotOutcome.duplicate), team_id


def hubspot_source_ref(*, portal_id: str, deal_id: str) -> str:
    """A deal is celebrated once, however many events say it reached a won stage."""
    return f"hubspot:{portal_id}:deal:{deal_id}"


def webhook_source_ref(*, source: str, external_id: str) -> str:
    """The same external id from the same source system never posts twice."""
    return f"webhook:{source}:{external_id}"


def record_salesforce_opportunity(
    *, session: Session, team_id: str, opportunity: Opportunity, now: datetime
) -> bool:
    """A won opportunity becomes a win once (keyed by its id: see `salesforce_source_ref`):
    its name, amount and currency as Salesforce gives them, its owner the winner, found in
    Slack by e-mail before the post (nobody: named as text, an admin told once per e-mail). An
    amount without a currency is dropped rather than shown wrong. Returns whether it is new."""
    currency = (opportunity.currency or "").upper() or None
    known = currency is not None and is_known_currency(currency)
    new = NewWin(
        kind=WinKind.deal_signed,
        title=opportunity.name or opportunity.id,
        source=WinSource.salesforce,
        source_ref=salesforce_source_ref(opportunity.id),
        winners=[
            NewWinner(
                user_id=opportunity.owner_slack_id,
                email=None if opportunity.owner_slack_id else opportunity.owner_email,
                name=opportunity.owner_name,
            )
        ]
        if opportunity.owner_slack_id or opportunity.owner_email or opportunity.owner_name
        else [],
        amount=opportunity.amount if known else None,
        currency=currency if known else None,
    )
    _, created = record_win(session=session, team_id=team_id, new=new, now=now)
    return created
