"""The trackers' outbox kinds.

- `trackers-issue`: one versioned row per request; sending it makes the request's issue match
  the request (flows.sync_issue), with no transaction open while the tracker is called. It
  posts nothing to Slack (silent). A tracker that is down fails the attempt like a Slack
  outage does: the row is retried with the outbox's backoff (2 s doubling to a minute) for
  about a day, and the issue is created once (the adapter's idempotency key).
- `trackers-message`: what an admin is told (the tracker refused the bot), in their language.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from bot.outbox.kinds import OutboxKind
from bot.scheduling.kinds import JobContext
from bot.scheduling.models import Delivery
from bot.services import Services
from bot.slack.sender import Outgoing, OutgoingMessage
from bot.trackers import flows, views
from bot.trackers.adapters import client_for
from bot.trackers.client import TrackerClient, TrackerUnavailable
from bot.trackers.effects import MESSAGE_KIND, SYNC_KIND
from bot.trackers.models import TrackerConnection


class TrackerDown(ConnectionError):
    """The tracker did not answer well: the outbox records a failed attempt and retries."""


def clients(services: Services) -> flows.ClientFor:
    def client(connection: TrackerConnection) -> TrackerClient | None:
        return client_for(
            services.settings,
            kind=connection.kind,
            project=connection.project,
            issue_type=connection.issue_type,
        )

    return client


class IssueSync(OutboxKind):
    name = SYNC_KIND
    versioned = True
    silent = True

    def resendable(self, delivery: Delivery) -> bool:
        return True  # nothing is posted to Slack: a retry needs no look at its history

    def before_render(self, services: Services, delivery: Delivery) -> None:
        try:
            flows.sync_issue(
                services.session_factory,
                clients(services),
                team_id=delivery.team_id,
                request_id=int(delivery.subject),
                now=datetime.now(UTC),
                # Rows are owed only when an issue is wanted: on Accept, or by the button.
                asked=True,
            )
        except TrackerUnavailable as down:
            raise TrackerDown(str(down)) from None

    def render(self, ctx: JobContext, delivery: Delivery) -> Sequence[Outgoing]:
        return []  # the work was done before (no transaction open while the tracker answers)


class TrackerMessage(OutboxKind):
    name = MESSAGE_KIND

    def render(self, ctx: JobContext, delivery: Delivery) -> Sequence[Outgoing]:
        payload = delivery.payload or {}
        t = ctx.translator(team_id=delivery.team_id, user_id=delivery.recipient)
        text = views.problem_text(
            t,
            tracker=flows.tracker_name(str(payload.get("kind"))),
            problem=str(payload.get("problem") or ""),
        )
        return [OutgoingMessage(channel=delivery.recipient, text=text)]


def kinds() -> list[OutboxKind]:
    return [IssueSync(), TrackerMessage()]
