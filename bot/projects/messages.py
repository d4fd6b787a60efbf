"""The projects domain's outbox kind: how what effects.py owes is rendered when it is sent.

`project-message` rows are one-off messages, rendered from their payload and the project as it
is, in the reader's language (channel posts in the workspace's, DMs in the recipient's):

- `created`: a new project's announcement in its channel. When Slack could not say before the
  ack whether the bot can post there, the bot looks again (and joins a public channel if the
  creator agreed) just before posting; still outside, nothing is posted (skipped).
- `update`: an update, in place of the check-in card it answers (chat.update), or a new post
  when there is no card or the card is gone (message_not_found: the next attempt posts).
- `status`: a pause, resume or abandon, with the buttons of what can be done next.
- `milestone_reached`: the reminder whose button was clicked, shown anew (chat.update).
- `created_bot_outside`, `update_not_posted`: a word to the person who acted, sent only if the
  channel post they wait for ends without being posted (skipped, or refused for good).
- `flash_bot_outside`: the admin's word when the bot cannot post in the flash report's
  channel (looked at, and joined if public and agreed, just before).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import select

from bot.db import session_scope
from bot.outbox.kinds import OutboxKind
from bot.projects import checkins, reports, rollout, views, views_card
from bot.projects.effects import MESSAGE_KIND
from bot.projects.kpi_values import KpiFacts, reading_of
from bot.projects.models import Checkin, Milestone, Project
from bot.scheduling.kinds import JobContext, NotReady
from bot.scheduling.models import Delivery, DeliveryStatus
from bot.services import Services
from bot.slack import channels
from bot.slack.sender import MessageEdit, Outgoing, OutgoingMessage, PostedMessage

# chat.update errors that mean the check-in card is gone or frozen: post the update anew.
CARD_GONE = frozenset({"message_not_found", "cant_update_message", "edit_window_closed"})
UNFINISHED = (DeliveryStatus.pending, DeliveryStatus.retry, DeliveryStatus.sending)
# Payload kinds that look at a channel before they are rendered, and where the channel is.
CHECKS_CHANNEL = {"created": "recipient", "flash_bot_outside": "channel_id"}


def bring_bot_in(client: WebClient, channel_id: str, *, may_join: bool) -> bool:
    """Whether the bot can post in the channel, after joining it if it is public and the user
    agreed."""
    access = channels.channel_access(client, channel_id)
    if access.can_post:
        return True
    if access.can_join and may_join:
        channels.join(client, channel_id)
        return True
    return False


def _project(ctx: JobContext, delivery: Delivery, payload: dict[str, Any]) -> Project | None:
    project_id = payload.get("project_id")
    if project_id is None:
        return None
    return ctx.session.scalar(
        select(Project).where(Project.team_id == delivery.team_id, Project.id == int(project_id))
    )


def _when(value: Any) -> Any:
    return datetime.fromisoformat(value) if value else None


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def _kpi_facts(figures: dict[str, Any]) -> KpiFacts:
    return KpiFacts(
        project_id=int(figures["project_id"]),
        name=figures["name"],
        unit=figures.get("unit") or "",
        baseline=float(figures["baseline"]),
        target=float(figures["target"]),
        target_date=_day(figures.get("target_date")),
        direction=figures["direction"],
        current_value=figures.get("current_value"),
        current_at=_when(figures.get("current_at")),
        checkin_value=figures.get("checkin_value"),
        checkin_at=_when(figures.get("checkin_at")),
        previous_checkin_value=figures.get("previous_checkin_value"),
    )


Render = Callable[[JobContext, Delivery, dict[str, Any]], Sequence[Outgoing]]


def _created(ctx: JobContext, delivery: Delivery, p: dict[str, Any]) -> Sequence[Outgoing]:
    if p.get("bot_in") is False:
        return []  # the creator hears it by DM (created_bot_outside)
    project = _project(ctx, delivery, p)
    card = project and reports.project_card(
        session=ctx.session, team_id=delivery.team_id, project_id=project.id
    )
    if not card:
        return []
    text, blocks = views_card.announcement(ctx.translator(team_id=delivery.team_id), card)
    return [OutgoingMessage(channel=delivery.recipient, text=text, blocks=blocks)]


def _update(ctx: JobContext, delivery: Delivery, p: dict[str, Any]) -> Sequence[Outgoing]:
    project = _project(ctx, delivery, p)
    checkin = project and ctx.session.scalar(
        select(Checkin).where(Checkin.project_id == project.id, Checkin.id == int(p["checkin_id"]))
    )
    if project is None or not checkin:
        return []
    lines = rollout.rollout_lines_of(session=ctx.session, project_id=project.id)
    by_id = {line.id: line for line in lines}
    reached_ids = [int(m) for m in p.get("reached") or []]
    reached = (
        ctx.session.scalars(
            select(Milestone)
            .where(Milestone.project_id == project.id, Milestone.id.in_(reached_ids))
            .order_by(Milestone.due_date, Milestone.id)
        ).all()
        if reached_ids
        else []
    )
    text, blocks = views.update_card(
        ctx.translator(team_id=delivery.team_id),
        project=project,
        checkin=checkin,
        readings=[reading_of(_kpi_facts(figures)) for figures in p.get("kpis") or []],
        lines=lines,
        gone_live=[by_id[int(i)] for i in p.get("gone_live") or [] if int(i) in by_id],
        reached=list(reached),
    )
    replaces = p.get("replaces")
    if replaces and delivery.error not in CARD_GONE:
        return [MessageEdit(channel=replaces[0], ts=replaces[1], text=text, blocks=blocks)]
    return [OutgoingMessage(channel=delivery.recipient, text=text, blocks=blocks)]


def _status(ctx: JobContext, delivery: Delivery, p: dict[str, Any]) -> Sequence[Outgoing]:
    project = _project(ctx, delivery, p)
    if project is None:
        return []
    text, blocks = views_card.status_post(
        ctx.translator(team_id=delivery.team_id),
        project,
        action=p["action"],
        actor_id=p["actor_id"],
        reason=p.get("reason") or "",
        note=p.get("note"),
    )
    return [OutgoingMessage(channel=delivery.recipient, text=text, blocks=blocks)]


def _milestone_reached(
    ctx: JobContext, delivery: Delivery, p: dict[str, Any]
) -> Sequence[Outgoing]:
    project = _project(ctx, delivery, p)
    milestone = project and ctx.session.scalar(
        select(Milestone).where(
            Milestone.project_id == project.id, Milestone.id == int(p["milestone_id"])
        )
    )
    if project is None or not milestone or milestone.reached_at is None:
        return []
    text, blocks = views.milestone_reached(
        ctx.translator(team_id=delivery.team_id), project, milestone
    )
    return [MessageEdit(channel=p["channel"], ts=p["ts"], text=text, blocks=blocks)]


def _unless_posted(
    build: Callable[[JobContext, Delivery, dict[str, Any]], tuple[str, list[Any]] | None],
) -> Render:
    """A DM that waits for a channel post (payload `unless_posted`: its recipient and key) and
    is sent only if that post ends without being posted."""

    def render(ctx: JobContext, delivery: Delivery, p: dict[str, Any]) -> Sequence[Outgoing]:
        waited = p.get("unless_posted") or {}
        post = ctx.session.scalar(
            select(Delivery).where(
                Delivery.team_id == delivery.team_id,
                Delivery.kind == MESSAGE_KIND,
                Delivery.recipient == waited.get("recipient"),
                Delivery.period == waited.get("key"),
            )
        )
        if post is not None and post.status in UNFINISHED:
            # Look again when the post is next tried (its retry may be backing off).
            wait = (post.next_attempt_at - ctx.now).total_seconds()
            raise NotReady("waiting for the channel post", delay=max(wait, 0) + 1.0)
        if post is None or post.status == DeliveryStatus.sent:
            return []
        built = build(ctx, delivery, p)
        if built is None:
            return []
        text, blocks = built
        return [OutgoingMessage(channel=delivery.recipient, text=text, blocks=blocks)]

    return render


def _dm_translator(ctx: JobContext, delivery: Delivery) -> Any:
    return ctx.translator(team_id=delivery.team_id, user_id=delivery.recipient)


def _created_bot_outside(
    ctx: JobContext, delivery: Delivery, p: dict[str, Any]
) -> tuple[str, list[Any]] | None:
    project = _project(ctx, delivery, p)
    return views.created_bot_outside(_dm_translator(ctx, delivery), project) if project else None


def _update_not_posted(
    ctx: JobContext, delivery: Delivery, p: dict[str, Any]
) -> tuple[str, list[Any]] | None:
    project = _project(ctx, delivery, p)
    return views.update_not_posted(_dm_translator(ctx, delivery), project) if project else None


def _flash_bot_outside(
    ctx: JobContext, delivery: Delivery, p: dict[str, Any]
) -> Sequence[Outgoing]:
    if p.get("bot_in") is not False:
        return []
    text, blocks = views.flash_bot_outside(_dm_translator(ctx, delivery), p["channel_id"])
    return [OutgoingMessage(channel=delivery.recipient, text=text, blocks=blocks)]


RENDERERS: dict[str, Render] = {
    "created": _created,
    "update": _update,
    "status": _status,
    "milestone_reached": _milestone_reached,
    "created_bot_outside": _unless_posted(_created_bot_outside),
    "update_not_posted": _unless_posted(_update_not_posted),
    "flash_bot_outside": _flash_bot_outside,
}


class ProjectMessage(OutboxKind):
    name = MESSAGE_KIND

    def resendable(self, delivery: Delivery) -> bool:
        """An edit shows the same thing twice: an interrupted one is simply sent again."""
        payload = delivery.payload or {}
        what = payload.get("what")
        if what == "milestone_reached":
            return True
        return (
            what == "update" and bool(payload.get("replaces")) and (delivery.error not in CARD_GONE)
        )

    def before_render(self, services: Services, delivery: Delivery) -> None:
        """Look at the channel (and join it when agreed), once, with no transaction open; the
        answer is kept on the row for render()."""
        payload = delivery.payload or {}
        where = CHECKS_CHANNEL.get(str(payload.get("what")))
        if where is None or "bot_in" in payload:
            return
        if where == "recipient":
            if not payload.get("check"):
                return  # Slack said before the ack that the bot can post there
            channel = delivery.recipient
        else:
            channel = str(payload[where])
        client = services.clients.for_team(delivery.team_id)
        bot_in = bring_bot_in(client, channel, may_join=bool(payload.get("join")))
        with session_scope(services.session_factory) as session:
            row = session.get(Delivery, delivery.id)
            if row is not None:
                row.payload = {**(row.payload or {}), "bot_in": bot_in}

    def render(self, ctx: JobContext, delivery: Delivery) -> Sequence[Outgoing]:
        payload = delivery.payload or {}
        build = RENDERERS.get(str(payload.get("what", "")))
        return build(ctx, delivery, payload) if build else []

    def on_sent(self, ctx: JobContext, delivery: Delivery, posted: list[PostedMessage]) -> None:
        """Remember where an update is (posted, or found by a lost answer's check)."""
        payload = delivery.payload or {}
        if payload.get("what") != "update":
            return
        channel, ts = (posted[0].channel, posted[0].ts) if posted else (delivery.channel, None)
        ts = ts or delivery.ts
        if channel and ts:
            checkins.record_update_message(
                session=ctx.session,
                checkin_id=int(payload["checkin_id"]),
                channel_id=channel,
                ts=ts,
            )


def kinds() -> list[OutboxKind]:
    return [ProjectMessage()]
