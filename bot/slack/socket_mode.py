"""Socket Mode: Slack requests over a WebSocket, for teams without a public URL.

The request log lives in the app's dispatch (bot/app.py), which both transports call; this
handler adds the same door as HTTP: a payload Bolt could not take apart is acked with one log
line before Bolt sees it (bot/http_limits.py).
"""

from __future__ import annotations

import logging
import time

from slack_bolt import App, BoltResponse
from slack_bolt.adapter.socket_mode.builtin import SocketModeHandler
from slack_bolt.adapter.socket_mode.internals import run_bolt_app, send_response
from slack_sdk import WebClient
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest

logger = logging.getLogger("bot.requests")


class LoggedSocketModeHandler(SocketModeHandler):
    """Bolt's handler behind the same door as HTTP (the log line comes from dispatch)."""

    def handle(self, client: BaseSocketModeClient, req: SocketModeRequest) -> None:
        from bot.http_limits import slack_payload_problem

        started = time.perf_counter()
        problem = slack_payload_problem(req.payload)
        if problem:
            logger.warning(
                "slack request",
                extra={"what": "socket mode", "outcome": 200, "reason": f"unreadable ({problem})"},
            )
            send_response(client, req, BoltResponse(status=200, body=""), started)
            return
        send_response(client, req, run_bolt_app(self.app, req), started)


def socket_mode_handler(app: App, *, app_token: str, web_client: WebClient) -> SocketModeHandler:
    return LoggedSocketModeHandler(app, app_token=app_token, web_client=web_client)
