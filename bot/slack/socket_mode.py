"""Socket Mode: Slack requests over a WebSocket, for teams without a public URL."""

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
    """Bolt's handler, plus the same one-line request log as the HTTP route, and the same
    refusal of a payload Bolt could not take apart (acked, one line: see bot/http_limits.py)."""

    def handle(self, client: BaseSocketModeClient, req: SocketModeRequest) -> None:
        from bot.http_limits import slack_payload_problem
        from bot.web import log_slack_request

        started = time.perf_counter()
        problem = slack_payload_problem(req.payload)
        if problem:
            logger.warning(
                "slack request",
                extra={"what": "socket mode", "outcome": 200, "reason": f"unreadable ({problem})"},
            )
            send_response(client, req, BoltResponse(status=200, body=""), started)
            return
        bolt_response = run_bolt_app(self.app, req)
        send_response(client, req, bolt_response, started)
        log_slack_request(req.payload, {}, bolt_response.status, started)


def socket_mode_handler(app: App, *, app_token: str, web_client: WebClient) -> SocketModeHandler:
    return LoggedSocketModeHandler(app, app_token=app_token, web_client=web_client)
