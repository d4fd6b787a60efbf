"""The rules of celebrations. No Slack, no HubSpot: sessions and data in, models out.

Every rule is reachable from here; the longer ones live beside this module and are
re-exported below:
- this module: where wins come from (the modal, a HubSpot deal stage, a webhook; which
  events count, who the winners are), recording a win exactly once, and its way to the
  channel (preparing → ready → queued in the delivery ledger → posted);
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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ColumnElement, String, and_, cast, func, or_, select, update
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
from bot.celebrations.models import (
    CelebrationSettings,
    PostState,
    Win,
    WinKind,
    WinSource,
    WinWinner,
)
from bot.celebrations.queries import fact_of, recent_wins, wins_between, wins_of
from bot.celebrations.ranking import (
    monthly_standings,
    summarise_week,
    top_wins,
    totals_per_currency,
)
from bot.celebrations.rules import (
    DEFAULT_WON_STAGES,
    DealDetails,
    WinForm,
    display_name_for_email,
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
from bot.scheduling.models import Delivery, DeliveryStatus
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

WIN_POST_KIND = "celebrations-win-post"
SALESFORCE_POLL_KIND = "celebrations-salesforce-poll"

# A preparation (HubSpot fetch, e-mail lookups) owns its win this long; then another may retry.
PREPARE_LEASE = timedelta(minutes=2)
PREPARE_RETRY_BASE = timedelta(seconds=30)
PREPARE_RETRY_CAP = timedelta(minutes=30)
MAX_PREPARE_ATTEMPTS = 6


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


# ---------------------------------------------------------------- preparing wins


@dataclass(frozen=True)
class Preparation:
    win_id: int
    team_id: str
    deal_id: str | None
    emails: tuple[str, ...]


def teams_with_wins_to_prepare(
    *, session: Session, now: datetime, team_id: str | None = None
) -> list[str]:
    """Workspaces with wins whose preparation is due: never started, or a retry whose time
    came, or a lease a dead worker left behind."""
    query = select(Win.team_id).distinct().where(*_preparable(now))
    if team_id is not None:
        query = query.where(Win.team_id == team_id)
    return list(session.scalars(query))


def _preparable(now: datetime) -> list[ColumnElement[bool]]:
    return [
        Win.post_state == PostState.preparing,
        or_(Win.prepare_after.is_(None), Win.prepare_after <= now),
    ]


def claim_wins_to_prepare(
    *, session: Session, now: datetime, team_id: str | None = None, limit: int = 20
) -> list[Preparation]:
    """Take wins whose details are still to fetch; each is leased (PREPARE_LEASE) to this
    worker, so two processes never fetch the same deal at once and a dead worker's win is
    taken again after the lease."""
    query = select(Win).where(*_preparable(now))
    if team_id is not None:
        query = query.where(Win.team_id == team_id)
    query = query.order_by(Win.id).limit(limit).with_for_update(skip_locked=True)
    claimed = []
    for win in session.scalars(query):
        win.prepare_attempts += 1
        win.prepare_after = now + PREPARE_LEASE
        emails = tuple(w.email for w in win.winners if w.email and w.user_id is None)
        claimed.append(Preparation(win.id, win.team_id, win.hubspot_deal_id, emails))
    session.flush()
    return claimed


def complete_preparation(
    *,
    session: Session,
    win_id: int,
    deal: DealDetails | None,
    resolved: Mapping[str, str | None],
) -> Win:
    """Fill in what was fetched and make the win ready to post.

    The deal gives the title, amount and currency (an unknown currency drops the amount rather
    than show a wrong one; no currency means the base currency setting) and its owner as
    winner. A winner whose e-mail matched nobody in Slack
    keeps their name as text.
    """
    win = session.get_one(Win, win_id)
    if deal is not None:
        win.title = (deal.name or win.title)[:200]
        # A single-currency HubSpot account leaves deal_currency_code empty: its amounts are in
        # the workspace's base currency when one is set, else shown without an amount.
        settings = session.get(CelebrationSettings, win.team_id)
        currency = deal.currency or (settings.base_currency if settings else None)
        if deal.amount is not None and currency and is_known_currency(currency):
            win.amount, win.currency = deal.amount, currency.upper()
        if deal.owner_email or deal.owner_name:
            email = deal.owner_email.lower() if deal.owner_email else None
            if not any(email and w.email == email for w in win.winners):
                win.winners.append(
                    WinWinner(
                        team_id=win.team_id,
                        position=len(win.winners),
                        email=email,
                        name=(deal.owner_name or display_name_for_email(email or ""))[:200],
                    )
                )
    for winner in win.winners:
        if winner.user_id is None and winner.email:
            winner.user_id = resolved.get(winner.email)
            if not winner.name:
                winner.name = display_name_for_email(winner.email)
    win.post_state = PostState.ready
    win.prepare_after = None
    win.problem = None
    session.flush()
    return win


def preparation_failed(
    *, session: Session, win_id: int, problem: str, now: datetime, permanent: bool
) -> PostState:
    """A failed fetch is retried with backoff (30 s, 1 min, ... ≤ 30 min) up to
    MAX_PREPARE_ATTEMPTS; a permanent failure (deal not found) or the last attempt gives up."""
    win = session.get_one(Win, win_id)
    win.problem = problem[:2000]
    if permanent or win.prepare_attempts >= MAX_PREPARE_ATTEMPTS:
        win.post_state = PostState.failed
        win.prepare_after = None
    else:
        delay = PREPARE_RETRY_BASE * (2 ** max(win.prepare_attempts - 1, 0))
        win.prepare_after = now + min(delay, PREPARE_RETRY_CAP)
    return PostState(win.post_state)


# ---------------------------------------------------------------- posting wins


def queue_win(*, win: Win, channel_id: str) -> None:
    """A ready win enters the delivery ledger for the celebration channel (its card is owed
    there once, keyed by the win: a later change of channel does not post it twice)."""
    win.post_state = PostState.queued
    win.channel_id = channel_id


def queue_ready_wins(*, session: Session, team_id: str | None = None) -> list[Win]:
    """Ready wins of workspaces that have a celebration channel are queued for it (oldest
    first). Wins of a workspace without a channel wait (admins see it in App Home); a win
    queued at the same moment by another process is skipped, not queued twice."""
    query = (
        select(Win, CelebrationSettings.channel_id)
        .join(CelebrationSettings, CelebrationSettings.team_id == Win.team_id)
        .where(Win.post_state == PostState.ready, CelebrationSettings.channel_id.is_not(None))
        .order_by(Win.id)
        .limit(500)
        .with_for_update(of=Win, skip_locked=True)
    )
    if team_id is not None:
        query = query.where(Win.team_id == team_id)
    queued = []
    for win, channel_id in session.execute(query):
        queue_win(win=win, channel_id=str(channel_id))
        queued.append(win)
    session.flush()
    return queued


def mark_win_posted(*, session: Session, win_id: int, channel: str, ts: str, now: datetime) -> None:
    """The card is in the channel: remember where, for reactions and best cases."""
    session.execute(
        update(Win)
        .where(Win.id == win_id)
        .values(post_state=PostState.posted, channel_id=channel, ts=ts, posted_at=now)
    )


def failed_posts_to_retry(*, session: Session, team_id: str, channel_id: str) -> list[Delivery]:
    """Once an admin fixed the channel (the bot is in it, or another channel was chosen), win
    posts that failed for good are tried again: no win is lost to a setup mistake.

    Returns the failed posts to this channel, to be owed again. One to an old channel is closed
    as skipped and its win made ready again, to be queued for the current channel.
    """
    failed = session.scalars(
        select(Delivery).where(
            Delivery.team_id == team_id,
            Delivery.kind == WIN_POST_KIND,
            Delivery.status == DeliveryStatus.failed,
        )
    ).all()
    again = []
    for delivery in failed:
        if delivery.recipient == channel_id:
            again.append(delivery)
            continue
        delivery.status = DeliveryStatus.skipped
        delivery.error = "the celebration channel changed; posted in the new one"
        session.execute(
            update(Win)
            .where(Win.id == int(delivery.subject), Win.post_state == PostState.queued)
            .values(post_state=PostState.ready)
        )
    session.flush()
    return again


def waiting_wins(*, session: Session, team_id: str) -> int:
    """Wins that cannot be posted yet, as admins see it in App Home: ready ones (waiting for a
    channel, or for the next tick) and queued ones whose post failed or is being retried (e.g.
    the bot is not in the channel). Wins still being prepared are on their way, not waiting."""
    ready = session.scalar(
        select(func.count())
        .select_from(Win)
        .where(Win.team_id == team_id, Win.post_state == PostState.ready)
    )
    stuck = session.scalar(
        select(func.count(func.distinct(Win.id)))
        .select_from(Win)
        .join(
            Delivery,
            and_(
                Delivery.team_id == Win.team_id,
                Delivery.kind == WIN_POST_KIND,
                Delivery.subject == cast(Win.id, String),
            ),
        )
        .where(
            Win.team_id == team_id,
            Win.post_state == PostState.queued,
            Delivery.status.in_((DeliveryStatus.failed, DeliveryStatus.retry)),
        )
    )
    return (ready or 0) + (stuck or 0)
