"""One Bolt listener per Slack event type, fanning out to every domain that subscribes.

Bolt runs only the first listener whose matchers accept a request, so two domains listening to
the same event (`subteam_members_changed`: intake's RevOps group, privacy's admin group,
projects' member groups) would silently starve all but the first. Domains subscribe here
instead (`services.events.on(...)`, like `services.sections`); `register` adds one listener per
event type, which calls every subscriber whose filter accepts the event, each on its own (one
failing does not stop the others).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.payloads import PAYLOAD_ERRORS, log_slack_refusal, log_unreadable

logger = logging.getLogger(__name__)

# (event, context, client, body): the event, Bolt's context, the request's client, the envelope
Handler = Callable[[dict[str, Any], BoltContext, WebClient, dict[str, Any]], None]
Filter = Callable[[dict[str, Any], BoltContext], bool]


@dataclass(frozen=True)
class Subscriber:
    name: str
    handle: Handler
    accepts: Filter | None = None


@dataclass
class EventSubscribers:
    _by_type: dict[str, list[Subscriber]] = field(default_factory=dict)

    def on(
        self, event_type: str, handle: Handler, *, name: str, accepts: Filter | None = None
    ) -> None:
        self._by_type.setdefault(event_type, []).append(Subscriber(name, handle, accepts))

    def subscribers(self, event_type: str) -> list[Subscriber]:
        return list(self._by_type.get(event_type, []))

    def register(self, app: App) -> None:
        """One listener per event type (call once, after every domain subscribed)."""
        for event_type in self._by_type:
            app.event(event_type)(self._fan_out(event_type))

    def _fan_out(self, event_type: str) -> Callable[..., None]:
        def fan_out(
            event: dict[str, Any], context: BoltContext, client: WebClient, body: dict[str, Any]
        ) -> None:
            for subscriber in self.subscribers(event_type):
                try:
                    if subscriber.accepts is None or subscriber.accepts(event, context):
                        subscriber.handle(event, context, client, body)
                except PAYLOAD_ERRORS as error:  # an event of a shape this code did not expect
                    log_unreadable(f"event:{event_type} ({subscriber.name})", error)
                except SlackApiError as error:  # Slack refused a call the subscriber made
                    log_slack_refusal(f"event:{event_type} ({subscriber.name})", error)
                except Exception:  # one domain's failure must not hide the event from another
                    logger.exception("%s failed on %s", subscriber.name, event_type)

        fan_out.__name__ = f"on_{event_type}"
        return fan_out
