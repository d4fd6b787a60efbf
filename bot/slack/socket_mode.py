"""Socket Mode: Slack requests over a WebSocket, for teams without a public URL."""

from __future__ import annotations

import time

from slack_bolt import App
from slack_bolt.adapter.socket_mode.builtin import SocketModeHandler
from slack_bolt.adapter.socket_mode.internals import run_bolt_app, send_response
from slack_sdk import WebClient
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest


class LoggedSocketModeHandler(SocketModeHandler):
    """Bolt's handler, plus the same one-line request log as the HTTP route."""

    def handle(self, client: BaseSocketModeClient, req: SocketModeRequest) -> None:
        from bot.web import log_slack_request

        started = time.perf_counter()
        bolt_response = run_bolt_app(self.app, req)
        send_response(client, req, bolt_response, started)
        log_slack_request(req.payload, {}, bolt_response.status, started)


def socket_mode_handler(app: App, *, app_token: str, web_client: WebClient) -> SocketModeHandler:
    return LoggedSocketModeHandler(app, app_token=app_token, web_client=web_client)
