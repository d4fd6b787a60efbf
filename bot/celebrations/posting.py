"""From a recorded win to a card in the celebration channel.

1. Prepare: fetch what a win still needs (the HubSpot deal and its owner; Slack users for
   e-mails) with no database session open during those calls.
2. Post through the delivery ledger (`WinPostKind`): a ledger row per win, claimed before the
   Slack call, so a win is posted exactly once, retried with backoff when Slack fails, and
   reconciled after a crash. That is why a webhook does not post from its worker thread: it
   stores the win, answers, and asks `WinPoster.run` (on `services.background`) to tick this
   kind at once; the clock ticks it too, which picks up anything a dead process left behind.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.celebrations import service, views
from bot.celebrations.hubspot import CrmUnavailable, DealNotFound, HubSpotCrm
from bot.celebrations.models import PostState, Win
from bot.db import session_scope
from bot.i18n import Translator, translator_for
from bot.scheduling.kinds import JobContext, JobKind
from bot.scheduling.models import Delivery
from bot.scheduling.runner import Runner
from bot.scheduling.service import DueItem, dm_refusal
from bot.services import Services
from bot.slack.channels import channel_access, join
from bot.slack.sender import OutgoingMessage, Pacer, PostedMessage, Sender

logger = logging.getLogger(__name__)

CELEBRATION_REACTION = "tada"


class WinPostKind(JobKind):
    """Posts ready wins, one ledger row per win ("win-<id>"); data-driven, no schedule."""

    name = service.WIN_POST_KIND
    # The clock's safety net: a webhook or a modal ticks this kind at once on its own.
    tick_seconds = 15
    grace = timedelta(days=7)
    max_attempts = 5

    def plan(self, ctx: JobContext, *, team_id: str | None, forced: bool) -> list[DueItem]:
        # Wins whose preparation a dead process left behind, or whose retry is due: prepare
        # them in the background (never in this session), they are queued at a later tick.
        for team in service.teams_with_wins_to_prepare(
            session=ctx.session, now=ctx.now, team_id=team_id
        ):
            ctx.services.background.submit(WinPoster(ctx.services).run, team, now=ctx.now)
        return service.queue_ready_wins(session=ctx.session, now=ctx.now, team_id=team_id)

    def render(self, ctx: JobContext, delivery: Delivery) -> list[OutgoingMessage]:
        win = ctx.session.get(Win, int(delivery.subject))
        if win is None or win.team_id != delivery.team_id:
            return []
        t = ctx.translator(team_id=delivery.team_id)  # a channel post: the workspace's language
        text, blocks = views.win_card(t, card_of(win))
        return [OutgoingMessage(channel=delivery.recipient, text=text, blocks=blocks)]

    def on_sent(self, ctx: JobContext, delivery: Delivery, posted: list[PostedMessage]) -> None:
        channel, ts = (
            (posted[0].channel, posted[0].ts) if posted else (delivery.channel, delivery.ts)
        )
        if not channel or not ts:
            return
        service.mark_win_posted(
            session=ctx.session, win_id=int(delivery.subject), channel=channel, ts=ts, now=ctx.now
        )
        # The reaction needs Slack: not in this session, so in the background.
        ctx.services.background.submit(add_reaction, ctx.services, delivery.team_id, channel, ts)


def card_of(win: Win) -> views.WinCard:
    return views.WinCard(
        title=win.title,
        kind=win.kind,
        amount=win.amount,
        currency=win.currency,
        message=win.message,
        winners=service.fact_of(win).winners,
        source=win.source,
        created_by=win.created_by,
    )


def add_reaction(services: Services, team_id: str, channel: str, ts: str) -> None:
    try:
        services.clients.for_team(team_id).reactions_add(
            channel=channel, timestamp=ts, name=CELEBRATION_REACTION
        )
    except SlackApiError as error:
        if error.response.get("error") != "already_reacted":
            logger.warning("could not react to a win post: %s", error.response.get("error"))
    except (SlackClientError, LookupError, OSError):
        logger.warning("could not react to a win post", exc_info=True)


class WinPoster:
    """Prepares wins and ticks the win-post kind through a runner of its own."""

    def __init__(self, services: Services, crm: HubSpotCrm | None = None) -> None:
        self.services = services
        self.crm = crm or HubSpotCrm(services.settings)
        self.runner = Runner(
            services, services.clients, Sender(Pacer()), [WinPostKind()], send_threads=1
        )

    def run(self, team_id: str, *, now: datetime | None = None) -> None:
        """Prepare then post a workspace's pending wins; for `services.background`. `now` is
        the tick's time when a tick asks (an operator's `jobs run --now`), else the clock's."""
        try:
            self.prepare(team_id, now=now)
            report = self.runner.tick(service.WIN_POST_KIND, team_id=team_id, now=now)
            if report.failed:
                self.check_channel(team_id)
        except Exception:  # a background task has nobody to raise to: log, the clock retries
            logger.exception("posting wins of %s failed", team_id)

    # ------------------------------------------------------------ preparation

    def prepare(self, team_id: str | None, *, now: datetime | None = None) -> None:
        now = now or datetime.now(UTC)
        with session_scope(self.services.session_factory) as session:
            claimed = service.claim_wins_to_prepare(session=session, now=now, team_id=team_id)
        for preparation in claimed:
            self._prepare(preparation, now=now)

    def _prepare(self, preparation: service.Preparation, *, now: datetime) -> None:
        team_id, win_id = preparation.team_id, preparation.win_id
        try:
            client = self.services.clients.for_team(team_id)
            deal = None
            if preparation.deal_id and self.crm.configured:
                deal = self.crm.won_deal(preparation.deal_id)
            elif preparation.deal_id:
                logger.warning("HUBSPOT_ACCESS_TOKEN is not set: deal %s posted bare", win_id)
            emails = list(preparation.emails)
            if deal is not None and deal.owner_email:
                emails.append(deal.owner_email.lower())
            resolved = {email: self.user_for_email(client, team_id, email) for email in emails}
        except DealNotFound as error:
            self._failed(win_id, str(error), now=now, permanent=True)
            return
        except (CrmUnavailable, SlackClientError, LookupError, OSError) as error:
            self._failed(win_id, f"{type(error).__name__}: {error}", now=now, permanent=False)
            return
        with session_scope(self.services.session_factory) as session:
            win = service.complete_preparation(
                session=session, win_id=win_id, deal=deal, resolved=resolved
            )
            unknown = [(w.email, w.name) for w in win.winners if w.email and not w.user_id]
            title = win.title
        for email, name in unknown:
            self.tell_about_unknown_email(
                client, team_id, email=email or "", name=name, title=title
            )

    def _failed(self, win_id: int, problem: str, *, now: datetime, permanent: bool) -> None:
        with session_scope(self.services.session_factory) as session:
            state = service.preparation_failed(
                session=session, win_id=win_id, problem=problem, now=now, permanent=permanent
            )
        log = logger.error if state is PostState.failed else logger.warning
        log("win %s not prepared (%s): %s", win_id, state.value, problem)

    def user_for_email(self, client: WebClient, team_id: str, email: str) -> str | None:
        """The Slack user with this e-mail (users.lookupByEmail, cached), or None."""
        now = datetime.now(UTC)
        with session_scope(self.services.session_factory) as session:
            cached = service.cached_email_user(
                session=session, team_id=team_id, email=email, now=now
            )
            if cached is not None:
                return cached.user_id
        try:
            user_id: str | None = client.users_lookupByEmail(email=email)["user"]["id"]
        except SlackApiError as error:
            if error.response.get("error") != "users_not_found":
                raise
            user_id = None
        with session_scope(self.services.session_factory) as session:
            service.remember_email_user(
                session=session, team_id=team_id, email=email, user_id=user_id, now=now
            )
        return user_id

    # ------------------------------------------------------------ telling admins

    def tell_about_unknown_email(
        self, client: WebClient, team_id: str, *, email: str, name: str, title: str
    ) -> None:
        with session_scope(self.services.session_factory) as session:
            first_time = service.claim_unknown_email_notice(
                session=session, team_id=team_id, email=email, now=datetime.now(UTC)
            )
        if first_time:
            self.tell_admin(
                client,
                team_id,
                lambda t: views.unknown_email_dm(t, email=email, name=name, title=title),
            )

    def tell_admin(
        self, client: WebClient, team_id: str, message: Callable[[Translator], str]
    ) -> None:
        """DM one admin (the one who set celebrations up, else a workspace admin), in their
        language. Best effort: a notice that fails is logged, never retried into a flood."""
        with session_scope(self.services.session_factory) as session:
            admins = service.admin_ids(session=session, team_id=team_id)
        try:
            if not admins:  # nobody cached yet: one paged users.list fills the directory
                self.services.directory.sync(client, team_id=team_id)
                with session_scope(self.services.session_factory) as session:
                    admins = service.admin_ids(session=session, team_id=team_id)
            with session_scope(self.services.session_factory) as session:
                # An erased settings author is a pseudonym now: nobody to write to.
                admins = [
                    admin
                    for admin in admins
                    if dm_refusal(session=session, team_id=team_id, user_id=admin) is None
                ]
            if not admins:
                logger.warning("no admin to tell in %s", team_id)
                return
            member = self.services.directory.member(client, team_id=team_id, user_id=admins[0])
            client.chat_postMessage(channel=admins[0], text=message(translator_for(member.locale)))
        except (SlackClientError, OSError):
            logger.warning("could not tell an admin of %s", team_id, exc_info=True)

    # ------------------------------------------------------------ the channel

    def check_channel(self, team_id: str, *, admin_asked: bool = False) -> bool:
        """Can the bot post in the celebration channel? Records the answer for App Home and DMs
        an admin once per problem when it cannot. When an admin acted (saved the settings,
        clicked "Check again", invited the bot), a public channel is joined and failed win
        posts are tried again."""
        with session_scope(self.services.session_factory) as session:
            channel_id = service.settings_of(session=session, team_id=team_id).channel_id
        if not channel_id:
            return False
        client = self.services.clients.for_team(team_id)
        access = channel_access(client, channel_id)
        if not access.can_post and access.can_join and admin_asked:
            join(client, channel_id)
            access = channel_access(client, channel_id)
        problem = service.channel_problem(exists=access.exists, is_member=access.is_member)
        with session_scope(self.services.session_factory) as session:
            tell = service.record_channel_state(
                session=session, team_id=team_id, channel_id=channel_id, problem=problem
            )
            if problem is None and admin_asked:
                service.requeue_failed_posts(
                    session=session, team_id=team_id, channel_id=channel_id, now=datetime.now(UTC)
                )
        if tell:
            self.tell_admin(client, team_id, lambda t: views.channel_problem_dm(t, channel_id))
        return problem is None
