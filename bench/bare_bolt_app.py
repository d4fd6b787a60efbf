"""The baseline: a bare Bolt app that opens a modal on /revops-request, nothing else.

Served by the same gunicorn configuration as `revops-bot serve`, so the benchmark compares the
bot with what any Bolt app on this stack costs. Bolt defaults are kept (5 listener threads).
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, request
from slack_bolt import Ack, App
from slack_bolt.adapter.flask import SlackRequestHandler
from slack_sdk import WebClient


def create() -> Flask:
    client = WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"])
    app = App(signing_secret=os.environ["SLACK_SIGNING_SECRET"], client=client)

    @app.command("/revops-request")
    def open_request_modal(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(
            trigger_id=body["trigger_id"],
            view={
                "type": "modal",
                "callback_id": "bare_request",
                "title": {"type": "plain_text", "text": "New request"},
                "submit": {"type": "plain_text", "text": "Send"},
                "blocks": [
                    {
                        "type": "input",
                        "block_id": "title",
                        "label": {"type": "plain_text", "text": "Title"},
                        "element": {
                            "type": "plain_text_input",
                            "action_id": "title",
                            "initial_value": body.get("text", ""),
                        },
                    }
                ],
            },
        )

    handler = SlackRequestHandler(app)
    web = Flask("bare-bolt")

    @web.post("/slack/events")
    def slack_events() -> Any:
        return handler.handle(request)

    @web.get("/healthz")
    def healthz() -> Any:
        return {"status": "ok"}

    return web
