"""Delivers a kind's due ledger rows, one claim at a time, and takes back the claims of
processes that died mid-send.

Delivery runs in a few sender threads that each claim one ledger row at a time, so a process
killed mid-run leaves at most one uncertain row per thread; recovery reconciles those with the
recipient's Slack history, where every post carries its ledger key in message metadata.

Two clocks: the tick's `now` decides what is due (a test or `jobs run --now` injects it);
claims and their lease run on the wall clock (`clock`), counted from each claim, and a sender
keeps its claim while it waits (bot/scheduling/lease.py), so the other clock's recovery only
ever takes back the rows of a process that is gone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.orm import Session

from bot.db import session_scope
from bot.scheduling import ledger
from bot.scheduling.kinds import JobContext, JobKind, NotReady
from bot.scheduling.lease import ClaimLost, Lease
from bot.scheduling.models import Delivery, DeliveryStatus
from bot.scheduling.tick_report import TickReport
from bot.scheduling.workers import is_dead
from bot.services import Services
from bot.slack.client import TeamClients
from bot.slack.sender import (
    DELIVERY_EVENT_TYPE,
    FileUpload,
    HomeTab,
    ImageFile,
    MessageEdit,
    Outgoing,
    PostedMessage,
    Reaction,
    Sender,
)

logger = logging.getLogger("bot.jobs")

# Slack errors that no retry will cure: fail the row at once and show it to admins.
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "user_not_found",
        "user_disabled",
        "account_inactive",
        "cannot_dm_bot",
        "invalid_blocks",
        "invalid_arguments",
        "msg_too_long",
        "no_text",
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "missing_scope",
        "restricted_action",
    }
)


def _reloaded(session: Session, delivery: Delivery) -> Delivery:
    """The ledger row as the database has it now (never merge a stale copy back in)."""
    row = session.get(Delivery, delivery.id)
    assert row is not None
    return row


class Deliverer:
    """What a tick's senders do with the ledger: claim a due row, render it, post it part by
    part and record the outcome; and, first, take back the claims of dead processes."""

    def __init__(
        self,
        services: Services,
        clients: TeamClients,
        sender: Sender,
        *,
        worker: str,
        lease: timedelta | None,
        clock: Callable[[], datetime],
    ) -> None:
        self.services = services
        self.clients = clients
        self.sender = sender
        self.worker = worker
        # The claim lease (default ledger.CLAIM_LEASE) and the wall clock it runs on.
        self.lease = lease
        self.clock = clock

    @property
    def lease_length(self) -> timedelta:
        return self.lease or ledger.CLAIM_LEASE

    # ------------------------------------------------------------ recover

    def recover(
        self, kind: JobKind, *, now: datetime, team_id: str | None, report: TickReport
    ) -> None:
        """Take back the claims of dead processes, with as many parts as Slack already shows."""
        with session_scope(self.services.session_factory) as session:
            dead = [
                worker
                for worker in ledger.claimers(session=session, kind=kind.name, team_id=team_id)
                if is_dead(worker)
            ]
            stale = ledger.stale_claims(
                session=session,
                kind=kind.name,
                now=self.clock(),  # leases run on the wall clock, whatever the tick's `now`
                team_id=team_id,
                lease=self.lease_length,
                dead_workers=dead,
            )
            for delivery in stale:
                if kind.resendable(delivery):  # sending it again shows nothing twice
                    parts_found, first_ts = delivery.parts_sent, None
                else:
                    parts_found, first_ts, _ = self._parts_in_slack(delivery)
                ledger.release_claim(
                    session=session,
                    delivery_id=delivery.id,
                    parts_sent=max(parts_found, delivery.parts_sent),
                )
                if first_ts and not delivery.ts:
                    delivery.ts = first_ts
                report.count("recovered")
                logger.warning(
                    "recovered an interrupted send",
                    extra={"what": kind.name, "key": delivery.key, "parts_in_slack": parts_found},
                )

    def _parts_in_slack(self, delivery: Delivery) -> tuple[int, str | None, str | None]:
        """How many parts of this ledger key Slack already shows, from the channel's history:
        (parts, ts of the first, the conversation looked at)."""
        try:
            client = self.clients.for_team(delivery.team_id)
            channel = delivery.channel or self._conversation_of(client, delivery.recipient)
            # The interrupted post, if Slack got it, is among the channel's latest messages.
            response = client.conversations_history(
                channel=channel, limit=100, include_all_metadata=True
            )
        except (SlackClientError, LookupError) as error:
            # Unknown outcome and no way to look: resend (at least once) rather than drop.
            logger.warning("cannot check Slack history for %s: %s", delivery.key, error)
            return delivery.parts_sent, None, None
        parts: dict[int, str] = {}
        for message in response.get("messages") or []:
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if (
                metadata.get("event_type") == DELIVERY_EVENT_TYPE
                and payload.get("key") == delivery.key
            ):
                parts[int(payload.get("part", 0))] = message["ts"]
        found = 0
        while found in parts:
            found += 1
        return found, parts.get(0), channel

    def _resume_after_silence(self, delivery: Delivery) -> None:
        """The last attempt got no answer: count the parts Slack has before posting again."""
        parts_found, first_ts, channel = self._parts_in_slack(delivery)
        if parts_found <= delivery.parts_sent or first_ts is None or channel is None:
            return
        delivery.parts_sent, delivery.channel = parts_found, channel
        delivery.ts = delivery.ts or first_ts
        with session_scope(self.services.session_factory) as session:
            ledger.record_part_sent(
                session=session,
                delivery_id=delivery.id,
                parts_sent=parts_found,
                channel=channel,
                ts=first_ts,
            )
        logger.info(
            "a send with no answer had reached Slack",
            extra={"what": delivery.kind, "key": delivery.key, "parts_in_slack": parts_found},
        )

    @staticmethod
    def _conversation_of(client: WebClient, recipient: str) -> str:
        if recipient[:1] in {"U", "W"}:
            return str(client.conversations_open(users=recipient)["channel"]["id"])
        return recipient

    # ------------------------------------------------------------ deliver

    def deliver_next(
        self, kind: JobKind, *, now: datetime, team_id: str | None, report: TickReport
    ) -> bool:
        """Claim the oldest due row and deliver it; False when there was none to claim."""
        factory = self.services.session_factory
        claimed_at = self.clock()
        with session_scope(factory) as session:
            delivery = ledger.claim_next(
                session=session,
                kind=kind.name,
                now=now,
                worker=self.worker,
                team_id=team_id,
                claimed_at=claimed_at,
            )
            if delivery is None:
                return False
        lease = Lease(
            session_factory=factory,
            delivery_id=delivery.id,
            worker=self.worker,
            attempts=delivery.attempts,
            renewed_at=claimed_at,
            length=self.lease_length,
            clock=self.clock,
        )
        try:
            if ledger.outcome_unknown(delivery.error) and not kind.resendable(delivery):
                self._resume_after_silence(delivery)
            kind.before_render(self.services, delivery)
            with session_scope(factory) as session:
                blocked = ledger.blocked_reason(session=session, delivery=delivery)
                messages: Sequence[Outgoing] = []
                if blocked is None:
                    context = JobContext(session=session, now=now, services=self.services)
                    messages = kind.render(context, _reloaded(session, delivery))
            if not messages and blocked is None and kind.silent:
                with session_scope(factory) as session:
                    # A versioned silent row (a tracker issue's sync) whose object moved on
                    # while it worked goes again, from the newer state.
                    ledger.mark_sent(
                        session=session,
                        delivery_id=delivery.id,
                        now=now,
                        version=delivery.version if kind.versioned else None,
                    )
                report.count("sent")
                return True
            if not messages:
                with session_scope(factory) as session:
                    ledger.mark_skipped(
                        session=session,
                        delivery_id=delivery.id,
                        reason=blocked or "nothing to say",
                        now=now,
                    )
                report.count("nothing_to_say")
                return True
            posted = self._post_parts(delivery, messages, lease)
            last = (
                ledger.LastPart(len(messages), posted[-1].channel, posted[-1].ts or None)
                if posted
                else None
            )
            with session_scope(factory) as session:
                ledger.mark_sent(
                    session=session,
                    delivery_id=delivery.id,
                    now=now,
                    version=delivery.version if kind.versioned else None,
                    last=last,
                )
                kind.on_sent(
                    JobContext(session=session, now=now, services=self.services),
                    _reloaded(session, delivery),
                    posted,
                )
            report.count("sent")
        except NotReady as wait:
            with session_scope(factory) as session:
                ledger.defer(
                    session=session,
                    delivery_id=delivery.id,
                    until=now + timedelta(seconds=wait.delay),
                    reason=wait.reason,
                )
            report.count("deferred")
        except ClaimLost:
            # Another clock took the row back while this one waited: it is theirs to send, and
            # nothing is written to it from here.
            report.count("lost")
            logger.warning(
                "claim lost while waiting; the row is left to the clock that took it",
                extra={"what": kind.name, "key": delivery.key},
            )
        except (SlackClientError, LookupError, OSError) as error:
            self._record_failure(kind, delivery, error, now=now, report=report)
        except Exception as error:  # a bug in a kind must not leave its row claimed forever
            logger.exception("error while delivering %s", delivery.key)
            self._record_failure(kind, delivery, error, now=now, report=report)
        return True

    def _post_parts(
        self, delivery: Delivery, messages: Sequence[Outgoing], lease: Lease | None = None
    ) -> list[PostedMessage]:
        client = self.clients.for_team(delivery.team_id)
        posted: list[PostedMessage] = []
        first_ts = delivery.ts
        for part, message in enumerate(messages):
            if part < delivery.parts_sent:
                continue  # already in Slack before a crash
            result = self._send_one(
                client, delivery, message, part=part, first_ts=first_ts, lease=lease
            )
            first_ts = first_ts or result.ts or None
            posted.append(result)
            if part == len(messages) - 1:
                break  # the last part is recorded with the row's end (mark_sent)
            with session_scope(self.services.session_factory) as session:
                ledger.record_part_sent(
                    session=session,
                    delivery_id=delivery.id,
                    parts_sent=part + 1,
                    channel=result.channel,
                    ts=result.ts or None,
                )
        return posted

    def _send_one(
        self,
        client: WebClient,
        delivery: Delivery,
        message: Outgoing,
        *,
        part: int,
        first_ts: str | None,
        lease: Lease | None,
    ) -> PostedMessage:
        if isinstance(message, HomeTab):
            self.sender.publish(client, team_id=delivery.team_id, home=message, hold=lease)
            return PostedMessage(channel=message.user_id, ts="")
        if isinstance(message, MessageEdit):
            return self.sender.update(client, team_id=delivery.team_id, edit=message, hold=lease)
        if isinstance(message, Reaction):
            return self.sender.react(client, team_id=delivery.team_id, reaction=message, hold=lease)
        if isinstance(message, FileUpload):
            return self.sender.upload(client, team_id=delivery.team_id, upload=message, hold=lease)
        if message.image is not None:
            message = message.showing(self._uploaded_image(client, delivery, message.image, lease))
        return self.sender.post(
            client,
            team_id=delivery.team_id,
            message=message,
            ledger_key=delivery.key,
            part=part,
            thread_ts=first_ts if message.in_thread_of_first and part > 0 else None,
            hold=lease,
        )

    def _uploaded_image(
        self, client: WebClient, delivery: Delivery, image: ImageFile, lease: Lease | None
    ) -> str:
        """The file id of the image a part shows: the one this row recorded, or a new upload
        (shared nowhere), recorded before the post. An upload whose answer was lost leaves a
        file nobody sees; the retry uploads again and records that one."""
        if delivery.uploaded_file_id:
            return delivery.uploaded_file_id
        file_id = self.sender.upload_unshared(
            client, team_id=delivery.team_id, image=image, hold=lease
        )
        with session_scope(self.services.session_factory) as session:
            ledger.record_uploaded_file(session=session, delivery_id=delivery.id, file_id=file_id)
        delivery.uploaded_file_id = file_id
        return file_id

    def _on_failed(
        self, kind: JobKind, session: Session, delivery: Delivery, reason: str, *, now: datetime
    ) -> None:
        """The kind's hook, in the transaction that fails the row; a hook that fails is
        logged and undone, the failure itself is still recorded."""
        try:
            with session.begin_nested():
                context = JobContext(session=session, now=now, services=self.services)
                kind.on_failed(context, _reloaded(session, delivery), reason)
        except Exception:
            logger.exception("on_failed of %s raised for %s", kind.name, delivery.key)

    def _record_failure(
        self,
        kind: JobKind,
        delivery: Delivery,
        error: Exception,
        *,
        now: datetime,
        report: TickReport,
    ) -> None:
        code = error.response.get("error") if isinstance(error, SlackApiError) else None
        if code:
            reason = str(code)  # Slack refused it: nothing was posted
        elif isinstance(error, SlackApiError):  # a 5xx: Slack may still have posted it
            reason = f"{ledger.UNKNOWN_OUTCOME}HTTP {error.response.status_code}"
        else:  # a timeout or a broken connection
            reason = f"{ledger.UNKNOWN_OUTCOME}{type(error).__name__}"
        permanent = code in PERMANENT_ERRORS and not _file_not_ready(error)
        attempts_allowed = delivery.attempts if permanent else kind.max_attempts
        with session_scope(self.services.session_factory) as session:
            status = ledger.mark_attempt_failed(
                session=session,
                delivery=delivery,
                error=reason,
                now=now,
                max_attempts=attempts_allowed,
                retry_base=kind.retry_base,
                retry_cap=kind.retry_cap,
            )
            if status is DeliveryStatus.failed:
                self._on_failed(kind, session, delivery, reason, now=now)
        if status is DeliveryStatus.failed:
            report.count("failed")
            logger.error(
                "delivery failed for good",
                extra={
                    "what": kind.name,
                    "key": delivery.key,
                    "outcome": reason,
                    "attempts": delivery.attempts,
                },
            )
        else:
            report.count("retrying")
            logger.warning(
                "delivery will be retried",
                extra={
                    "what": kind.name,
                    "key": delivery.key,
                    "outcome": reason,
                    "attempts": delivery.attempts,
                },
            )


def _file_not_ready(error: Exception) -> bool:
    """Slack processes an upload asynchronously: a post showing a file just uploaded may be
    refused as `invalid_blocks` ("invalid slack file") for a while; it is retried, not failed."""
    if not isinstance(error, SlackApiError) or error.response.get("error") != "invalid_blocks":
        return False
    return any("slack_file" in str(line) for line in error.response.get("errors") or [])
