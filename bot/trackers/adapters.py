"""Which adapter serves which kind of tracker: the one place a new tracker plugs in.

A factory takes the process settings and the workspace's connection (project or team key,
issue type) and returns a TrackerClient; `configured(settings)` says whether the environment
holds that tracker's credentials (App Home offers only those).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from bot.settings import Settings
from bot.trackers import jira, linear, linear_webhooks
from bot.trackers.client import IssueState, TrackerClient


class VerifyWebhook(Protocol):
    def __call__(
        self,
        settings: Settings,
        *,
        headers: Mapping[str, str],
        body: bytes,
        args: Mapping[str, str],
    ) -> str | None:
        """None when the call comes from the tracker; else why not (401, nothing stored)."""
        ...


# (settings, the JSON body) → the issue states it carries; ValueError(reason) → 400.
ParseWebhook = Callable[[Settings, Any], list[IssueState]]


@dataclass(frozen=True)
class Adapter:
    label: str  # what admins read in App Home
    configured: Callable[[Settings], bool]
    # (settings, project or team key, issue type or None) → a client
    factory: Callable[[Settings, str, str | None], TrackerClient]
    asks_issue_type: bool
    # POST /webhooks/<kind>: how a call is verified and read (None: no webhook route).
    verify_webhook: VerifyWebhook | None = None
    parse_webhook: ParseWebhook | None = None


def _jira(settings: Settings, project: str, issue_type: str | None) -> TrackerClient:
    return jira.JiraTracker(settings, project=project, issue_type=issue_type)


def _linear(settings: Settings, team: str, issue_type: str | None) -> TrackerClient:
    return linear.LinearTracker.from_settings(settings, team=team)  # Linear has no issue types


ADAPTERS: dict[str, Adapter] = {
    "jira": Adapter(
        label="Jira",
        configured=lambda settings: settings.jira_base_url is not None,
        factory=_jira,
        asks_issue_type=True,
        verify_webhook=jira.verify_webhook,
        parse_webhook=jira.parse_webhook,
    ),
    "linear": Adapter(
        label="Linear",
        configured=lambda settings: settings.linear_api_key is not None,
        factory=_linear,
        asks_issue_type=False,
        verify_webhook=linear_webhooks.verify_webhook,
        parse_webhook=linear_webhooks.parse_webhook,
    ),
}


def available(settings: Settings) -> list[str]:
    """The kinds whose credentials the environment holds."""
    return [kind for kind, adapter in ADAPTERS.items() if adapter.configured(settings)]


def client_for(
    settings: Settings, *, kind: str, project: str, issue_type: str | None
) -> TrackerClient | None:
    """The adapter of a connection; None when its kind is unknown or no longer configured."""
    adapter = ADAPTERS.get(kind)
    if adapter is None or not adapter.configured(settings):
        return None
    return adapter.factory(settings, project, issue_type)
