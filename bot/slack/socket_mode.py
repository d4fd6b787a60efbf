"""Socket Mode: Slack requests over a WebSocket, for teams without a public URL.

Bolt's own handler is enough: the request log and the ack gate live in the app's dispatch
(bot/app.py), which both transports call.
"""

from __future__ import annotations

from slack_bolt import App
from slack_bolt.adapter.socket_mode.builtin import SocketModeHandler
from slack_sdk import WebClient


def socket_mode_handler(app: App, *, app_token: str, web_client: WebClient) -> SocketModeHandler:
    return SocketModeHandler(app, app_token=app_token, web_client=web_client)
