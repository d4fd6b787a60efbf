"""Single-workspace (token) mode serves one workspace: the one its bot token belongs to.

Slack signs every request it sends, whoever caused it: in an Enterprise Grid org or a Slack
Connect channel, people of another workspace can reach the app, and their requests carry their
own team id. Served with the one bot token, such a request would write rows for a workspace
that never installed the app, with permissions checked in the wrong workspace. So in token mode
(and Socket Mode, which is token mode over a WebSocket) every request is pinned to the team
`auth.test` names for the token: another team's request is acked, logged in one line and
answered, where Slack gives a way to answer (a response_url), with a short ephemeral message.
Nothing is written for it. In OAuth mode the installation store already decides: a team that
did not install the app has no token, and Bolt refuses its requests.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.errors import N_
from bot.i18n import translator_for
from bot.services import Services
from bot.settings import SlackMode
from bot.slack.client import without_retries

logger = logging.getLogger(__name__)

ANOTHER_WORKSPACE = N_(
    "RevOps bot serves another Slack workspace: nothing was done here. "
    "Ask your workspace's admins to install it for your team."
)


def pin_to_token_team(app: App, services: Services) -> None:
    """Register the pin as a global middleware, first of ours (token and Socket Mode only)."""
    if services.settings.slack_mode is not SlackMode.oauth:
        app.middleware(_pin(services))


def _pin(services: Services) -> Callable[..., Any]:
    def pin(body: dict[str, Any], context: Any, client: WebClient, next: Any) -> Any:
        served = _served_team(services, context)
        if served is None or context.team_id == served:
            return next()
        from bot.app import describe_request  # bot.app registers this module

        logger.warning(
            "request from another workspace ignored",
            extra={"team": context.team_id, "served": served, "what": describe_request(body)},
        )
        if isinstance(context.response_url, str) and context.respond is not None:
            services.background.submit(_tell, client, context.respond, context.user_id)
        return BoltResponse(status=200, body="")

    return pin


def _served_team(services: Services, context: Any) -> str | None:
    """The team of the bot token (auth.test, asked once per process and remembered)."""
    try:
        return services.clients.token_team_id()
    except (SlackClientError, OSError) as error:
        # Slack did not answer auth.test now; Bolt's own, made at start-up, names the team.
        result = context.authorize_result
        logger.warning("auth.test failed; pinning to Bolt's start-up answer: %s", error)
        return result.team_id if result is not None else None


def _tell(client: WebClient, respond: Any, user_id: Any) -> None:
    """An ephemeral line in the user's language (Slack's, when it answers in time)."""
    locale = None
    if isinstance(user_id, str):
        try:
            user = without_retries(client).users_info(user=user_id, include_locale=True)
            locale = (user.get("user") or {}).get("locale")
        except (SlackClientError, OSError):
            pass  # someone of another workspace: Slack may not tell us
    text = translator_for(locale).gettext(ANOTHER_WORKSPACE)
    try:
        respond(text=text, response_type="ephemeral", replace_original=False)
    except (SlackClientError, OSError):
        logger.warning("could not tell a user of another workspace why nothing happened")
