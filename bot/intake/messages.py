"""Intake's outbox kinds: how what effects.py owes is rendered when it is sent.

- `intake-card`: one row per request, rendered from the request's current state: posted in the
  intake channel the first time (its channel and ts kept on the request), updated after.
- `intake-message`: one-off messages (thread notes, DMs, shared docs, the "did this solve
  it?" answer), rendered from their payload and the request as it is, in the reader's
  language: DMs in the recipient's, channel posts in the workspace's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import select

from bot.i18n import Translator
from bot.intake import (
    followers,
    service,
    views_card,
    views_follow,
    views_requester,
    views_text,
)
from bot.intake.effects import CARD_KIND, MESSAGE_KIND
from bot.intake.models import IntakeRequest
from bot.outbox.kinds import OutboxKind
from bot.scheduling.kinds import JobContext, NotReady
from bot.scheduling.models import Delivery, DeliveryStatus
from bot.slack.sender import MessageEdit, Outgoing, OutgoingMessage, PostedMessage

# chat.update errors that mean the card is gone or frozen: post a new one instead.
CARD_GONE = frozenset({"message_not_found", "cant_update_message", "edit_window_closed"})


def _request(ctx: JobContext, delivery: Delivery, request_id: Any) -> IntakeRequest | None:
    if request_id is None:
        return None
    return service.find_request(
        session=ctx.session, team_id=delivery.team_id, request_id=int(request_id)
    )


class RequestCard(OutboxKind):
    name = CARD_KIND
    versioned = True

    def resendable(self, delivery: Delivery) -> bool:
        return delivery.ts is not None  # posted once: every later send is an edit

    def render(self, ctx: JobContext, delivery: Delivery) -> Sequence[Outgoing]:
        request = _request(ctx, delivery, delivery.subject)
        if request is None:
            return []
        rollout = service.rollout_of(session=ctx.session, request=request)
        t = ctx.translator(team_id=delivery.team_id)  # a channel post: the workspace's language
        related = _request(ctx, delivery, request.merged_into_id or request.duplicate_of_id)
        text, blocks = views_card.card(
            t,
            request,
            rollout_name=rollout.name if rollout else None,
            related=related,
            extra_lines=followers.card_lines(ctx.session, request, t),
            extra_buttons=followers.card_buttons(ctx.session, request, t),
        )
        if request.card_ts and request.card_channel_id and delivery.error not in CARD_GONE:
            return [
                MessageEdit(
                    channel=request.card_channel_id, ts=request.card_ts, text=text, blocks=blocks
                )
            ]
        return [OutgoingMessage(channel=delivery.recipient, text=text, blocks=blocks)]

    def on_sent(self, ctx: JobContext, delivery: Delivery, posted: list[PostedMessage]) -> None:
        """Remember where the card is, whether this send posted it or a lost answer's check
        found it in the channel's history."""
        channel: str | None
        ts: str | None
        if posted:
            channel, ts = posted[0].channel, posted[0].ts
        else:  # found in the channel's history after a crash or a lost answer
            channel, ts = delivery.channel or delivery.recipient, delivery.ts
        request = _request(ctx, delivery, delivery.subject)
        if request is None or not channel or not ts:
            return
        request.card_channel_id, request.card_ts = channel, ts


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


Render = Callable[[Translator, IntakeRequest | None, dict[str, Any]], views_card.Message | None]


def _receipt(t: Translator, request: IntakeRequest | None, p: dict[str, Any]) -> Any:
    if request is None:
        return None
    due = _day(p["due"])
    assert due is not None
    return views_requester.receipt(
        t, request, due=due, channel_id=p.get("channel_id"), eta=request.eta_told
    )


def _eta(t: Translator, request: IntakeRequest | None, p: dict[str, Any]) -> Any:
    return _eta_news(views_requester.eta_news, t, request, p)


def _eta_news(
    render: Callable[..., Any], t: Translator, request: IntakeRequest | None, p: dict[str, Any]
) -> Any:
    """An ETA's news, in the requester's words or a follower's (`render`)."""
    eta = _day(p["eta"])
    if request is None or eta is None:
        return None
    return render(
        t,
        request,
        reason=p["reason"],
        previous=_day(p.get("previous")),
        eta=eta,
        ahead=p.get("ahead") or {},
        rollouts_ahead=int(p.get("rollouts_ahead") or 0),
    )


def _outcome(t: Translator, request: IntakeRequest | None, p: dict[str, Any]) -> Any:
    if request is None:
        return None
    return views_requester.outcome_to_requester(
        t,
        request,
        headline_text=t.gettext(p["headline"]),
        note=p.get("note"),
        doc_url=p.get("doc_url"),
    )


def _done(t: Translator, request: IntakeRequest | None, p: dict[str, Any]) -> Any:
    return views_requester.done_to_requester(t, request, note=p.get("note")) if request else None


def _accepted(t: Translator, request: IntakeRequest | None, p: dict[str, Any]) -> Any:
    if request is None:
        return None
    return views_requester.accepted_to_requester(t, request, eta=_day(p.get("eta")))


def _question(t: Translator, request: IntakeRequest | None, p: dict[str, Any]) -> Any:
    if request is None:
        return None
    return views_requester.question_to_requester(
        t, request, asker_id=p["asker_id"], question=p.get("question") or ""
    )


def _note(t: Translator, request: IntakeRequest | None, p: dict[str, Any]) -> Any:
    days = p.get("days")
    if days is not None and p.get("text_plural"):  # the auto-close note counts working days
        what = t.ngettext(p["text"], p["text_plural"], int(days))
    else:
        what = t.gettext(p["text"])
    if days is not None:
        what = what.replace("{days}", t.number(int(days)))
    if p.get("into_ref") is not None:  # a merge names the other request
        what = what.replace("{into}", views_text.ref(int(p["into_ref"])))
    return views_card.note_in_thread(
        t, author_id=p.get("author_id"), what=what, note=p.get("note"), doc_url=p.get("doc_url")
    )


def _shared_doc(t: Translator, request: IntakeRequest | None, p: dict[str, Any]) -> Any:
    return views_card.shared_doc(
        t,
        sharer_id=p["sharer_id"],
        url=p["url"],
        summary=p.get("summary") or "",
        message=p.get("message") or "",
    )


def _merged(t: Translator, request: IntakeRequest | None, p: dict[str, Any]) -> Any:
    if request is None:
        return None
    return views_requester.merged_to_requester(
        t, request, into_number=int(p.get("into_number") or 0)
    )


def _solved(t: Translator, request: IntakeRequest | None, p: dict[str, Any]) -> Any:
    if request is None:
        return None
    return views_requester.solved_answer(t, request, solved=bool(p.get("solved")))


def _eta_followed(t: Translator, request: IntakeRequest | None, p: dict[str, Any]) -> Any:
    return _eta_news(views_follow.eta_news, t, request, p)


def _outcome_followed(t: Translator, request: IntakeRequest | None, p: dict[str, Any]) -> Any:
    if request is None:
        return None
    if not p.get("follower_headline"):  # written before watchers had their own words
        return _outcome(t, request, p)
    return views_follow.outcome(
        t,
        request,
        headline_text=t.gettext(p["follower_headline"]),
        note=p.get("note"),
        doc_url=p.get("doc_url"),
    )


def _done_followed(t: Translator, request: IntakeRequest | None, p: dict[str, Any]) -> Any:
    return views_follow.done(t, request, note=p.get("note")) if request else None


def _accepted_followed(t: Translator, request: IntakeRequest | None, p: dict[str, Any]) -> Any:
    return views_follow.accepted(t, request, eta=_day(p.get("eta"))) if request else None


def _question_followed(t: Translator, request: IntakeRequest | None, p: dict[str, Any]) -> Any:
    if request is None:
        return None
    return views_follow.question(t, request, asker_id=p["asker_id"], asked=p.get("question") or "")


RENDERERS: dict[str, Render] = {
    "receipt": _receipt,
    "eta": _eta,
    "outcome": _outcome,
    "done": _done,
    "accepted": _accepted,
    "question": _question,
    "note": _note,
    "shared_doc": _shared_doc,
    "solved": _solved,
    "merged": _merged,
}
# A request's news as its watchers read it (`follower` in the payload): addressed to a
# follower, after a line naming the request (views_follow).
FOLLOWER_RENDERERS: dict[str, Render] = {
    "eta": _eta_followed,
    "outcome": _outcome_followed,
    "done": _done_followed,
    "accepted": _accepted_followed,
    "question": _question_followed,
}
# Read by many in a channel: the workspace's language. Everything else is a DM.
CHANNEL_POSTS = frozenset({"note", "shared_doc"})


class RequestMessage(OutboxKind):
    name = MESSAGE_KIND

    def render(self, ctx: JobContext, delivery: Delivery) -> Sequence[Outgoing]:
        payload = delivery.payload or {}
        what = str(payload.get("what", ""))
        build = RENDERERS.get(what)
        if build is None:
            return []
        request = _request(ctx, delivery, payload.get("request_id"))
        if what in CHANNEL_POSTS:
            t = ctx.translator(team_id=delivery.team_id)
        else:
            t = ctx.translator(team_id=delivery.team_id, user_id=delivery.recipient)
        if what == "merged":  # the request it went into, as it is now
            into = _request(ctx, delivery, payload.get("into_id"))
            payload = {**payload, "into_number": into.number if into else 0}
        followed = bool(payload.get("follower")) and request is not None
        if followed and what in FOLLOWER_RENDERERS:
            build = FOLLOWER_RENDERERS[what]
        built = build(t, request, payload)
        if built is None:
            return []
        text, blocks = built
        if followed and what not in FOLLOWER_RENDERERS and request is not None:
            text, blocks = views_follow.for_follower(t, request, text=text, blocks=blocks)
        if what == "solved":  # the answer replaces the question it answers, in place
            return [
                MessageEdit(channel=payload["channel"], ts=payload["ts"], text=text, blocks=blocks)
            ]
        thread_ts = None
        if what == "note":
            thread_ts = self._card_ts(ctx, delivery, request)
            if thread_ts is None:
                return []
        return [
            OutgoingMessage(
                channel=delivery.recipient, text=text, blocks=blocks, thread_ts=thread_ts
            )
        ]

    @staticmethod
    def _card_ts(ctx: JobContext, delivery: Delivery, request: IntakeRequest | None) -> str | None:
        """The card this note goes under; NotReady while the card is still owed."""
        if request is None:
            return None
        if request.card_ts:
            return request.card_ts
        card = ctx.session.scalar(
            select(Delivery).where(
                Delivery.team_id == delivery.team_id,
                Delivery.kind == CARD_KIND,
                Delivery.subject == str(request.id),
            )
        )
        if card is not None and card.status not in (DeliveryStatus.failed, DeliveryStatus.skipped):
            # Look again when the card is next tried (its retry may be backing off).
            wait = (card.next_attempt_at - ctx.now).total_seconds()
            raise NotReady("waiting for the card to be posted", delay=max(wait, 0) + 1.0)
        return None  # the card will never be posted: the DM and Home tell the requester


def kinds() -> list[OutboxKind]:
    """In delivery order: a card before the notes in its thread."""
    return [RequestCard(), RequestMessage()]
