"""Celebrations' outbox kinds: how what effects.py owes is rendered when it is sent.

- `celebrations-win-post`: a win's card in the celebration channel, one row per win, rendered
  from the win as it is then (an erased winner is "a former member"). Once posted, the win
  remembers where and owes the bot's :tada:; a post Slack refuses for a channel problem
  records that problem and tells an admin once. Its clock tick also prepares the wins whose
  preparation is due (a CRM retry, a lease a dead process left), and queues ready wins that no
  change queued (wins recorded before the outbox).
- `celebrations-message`: one-off messages rendered from their payload and the current state,
  in the reader's language: the DMs to a win's author and to admins, and the :tada:.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.celebrations import (
    effects,
    flows,
    flows_channel,
    preparation,
    service,
    service_posting,
    views,
)
from bot.celebrations.models import PostState, Win
from bot.outbox.kinds import OutboxKind
from bot.privacy.pseudonyms import is_pseudonym
from bot.scheduling.kinds import JobContext
from bot.scheduling.models import Delivery
from bot.scheduling.service import DueItem
from bot.services import Services
from bot.slack.sender import Outgoing, OutgoingMessage, PostedMessage, Reaction

CELEBRATION_REACTION = "tada"


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


def _win(ctx: JobContext, delivery: Delivery, win_id: object) -> Win | None:
    if win_id in (None, ""):
        return None
    win = ctx.session.get(Win, int(str(win_id)))
    return win if win is not None and win.team_id == delivery.team_id else None


def _instant(value: object) -> datetime:
    return datetime.fromisoformat(str(value))


class WinPost(OutboxKind):
    name = service_posting.WIN_POST_KIND

    def prepare(self, services: Services, *, now: datetime, team_id: str | None) -> None:
        """The clock's tick: wins whose preparation is due (never started, a retry whose time
        came, a lease a dead worker left) are prepared now, in the clock's thread."""
        preparation.prepare_wins(services, team_id, now=now)

    def plan(self, ctx: JobContext, *, team_id: str | None, forced: bool) -> list[DueItem]:
        flows.queue_waiting_wins(session=ctx.session, team_id=team_id, now=ctx.now)
        return []

    def render(self, ctx: JobContext, delivery: Delivery) -> Sequence[Outgoing]:
        win = _win(ctx, delivery, delivery.subject)
        if win is None:
            return []
        t = ctx.translator(team_id=delivery.team_id)  # a channel post: the workspace's language
        text, blocks = views.win_card(t, card_of(win))
        return [OutgoingMessage(channel=delivery.recipient, text=text, blocks=blocks)]

    def on_sent(self, ctx: JobContext, delivery: Delivery, posted: list[PostedMessage]) -> None:
        """Remember where the card is, whether this send posted it or a lost answer's check
        found it in the channel's history; the card then owes the bot's reaction."""
        channel, ts = (posted[0].channel, posted[0].ts) if posted else (delivery.channel, None)
        ts = ts or delivery.ts
        if channel and ts:
            flows.win_posted(
                session=ctx.session,
                team_id=delivery.team_id,
                win_id=int(delivery.subject),
                channel=channel,
                ts=ts,
                now=ctx.now,
            )

    def on_failed(self, ctx: JobContext, delivery: Delivery, reason: str) -> None:
        flows_channel.win_post_refused(
            session=ctx.session,
            team_id=delivery.team_id,
            channel_id=delivery.recipient,
            error=reason,
            now=ctx.now,
        )


class CelebrationMessage(OutboxKind):
    name = effects.MESSAGE_KIND

    def resendable(self, delivery: Delivery) -> bool:
        return (delivery.payload or {}).get("what") == effects.REACTION  # twice is once

    def before_render(self, services: Services, delivery: Delivery) -> None:
        """A DM speaks its reader's language: make sure their profile is known."""
        if delivery.recipient[:1] in {"U", "W"} and not is_pseudonym(delivery.recipient):
            client = services.clients.for_team(delivery.team_id)
            services.directory.member(client, team_id=delivery.team_id, user_id=delivery.recipient)

    def render(self, ctx: JobContext, delivery: Delivery) -> Sequence[Outgoing]:
        payload = delivery.payload or {}
        what = payload.get("what")
        win = _win(ctx, delivery, payload.get("win_id"))
        if what == effects.REACTION:
            if win is None or not win.channel_id or not win.ts:
                return []
            return [Reaction(channel=win.channel_id, ts=win.ts, name=CELEBRATION_REACTION)]
        t = ctx.translator(team_id=delivery.team_id, user_id=delivery.recipient)
        text = None
        if what == effects.WAITS_FOR_CHANNEL and win is not None:
            # Queued meanwhile (a channel was set before this DM could go): nothing to say.
            if win.post_state == PostState.ready:
                text = t.gettext(views.WAITS_FOR_CHANNEL)
        elif what == effects.UNKNOWN_EMAIL and win is not None:
            email = str(payload.get("email") or "")
            winner = next((w for w in win.winners if w.email == email), None)
            if winner is not None and winner.user_id is None:
                text = views.unknown_email_dm(t, email=email, name=winner.name, title=win.title)
        elif what == effects.CHANNEL_PROBLEM:
            channel_id = str(payload.get("channel_id") or "")
            settings = service.settings_of(session=ctx.session, team_id=delivery.team_id)
            # Fixed meanwhile (the bot was invited, another channel chosen): nothing to say.
            if settings.channel_id == channel_id and settings.channel_problem:
                text = views.channel_problem_dm(t, channel_id)
        elif what == effects.SALESFORCE_PROBLEM:
            problem = service.salesforce_problem(session=ctx.session, team_id=delivery.team_id)
            if problem:  # solved meanwhile: nothing to say
                text = views.salesforce_problem_dm(t, problem)
        elif what == effects.SALESFORCE_OUTAGE:
            # Over meanwhile (the DM waited for Slack): its end says all there is to say.
            if service.salesforce_unanswered_since(session=ctx.session, team_id=delivery.team_id):
                text = views.salesforce_outage_dm(t, since=_instant(payload.get("since")))
        elif what == effects.SALESFORCE_BACK:
            text = views.salesforce_back_dm(
                t, since=_instant(payload.get("since")), until=_instant(payload.get("until"))
            )
        if text is None:
            return []
        return [OutgoingMessage(channel=delivery.recipient, text=text)]


def kinds() -> list[OutboxKind]:
    """In delivery order: a card before the reaction under it."""
    return [WinPost(), CelebrationMessage()]
