"""The baseline: a bare Bolt app doing the least each benchmarked path needs, nothing else.

- /revops-request: ack, open a one-input modal;
- the Accept button (`intake_accept`): ack, open a modal;
- the filing modal's submission (`intake_file`): ack with a confirmation view, then post a
  message in the intake channel (what the bot's card is to the user).

Served by the same gunicorn configuration as `revops-bot serve`, so the benchmark compares the
bot with what any Bolt app on this stack costs. It gets as many listener threads as the bot
(LISTENER_THREADS, 32 by default; Bolt's own default is 5, which caps a bare app waiting 50 ms
on each views.open near 90 requests a second): the comparison is of the work, not of the pool.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from flask import Flask, request
from slack_bolt import Ack, App
from slack_bolt.adapter.flask import SlackRequestHandler
from slack_sdk import WebClient

INTAKE_CHANNEL = "CINTAKE"


def _modal(callback_id: str, text: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback_id,
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
                    "initial_value": text,
                },
            }
        ],
    }


def create() -> Flask:
    client = WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"])
    app = App(
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        client=client,
        listener_executor=ThreadPoolExecutor(
            max_workers=int(os.environ.get("LISTENER_THREADS", "32"))
        ),
    )

    @app.command("/revops-request")
    def open_request_modal(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(
            trigger_id=body["trigger_id"], view=_modal("bare_request", body.get("text", ""))
        )

    @app.action("intake_accept")
    def open_accept_modal(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=_modal("bare_accept", ""))

    @app.view("intake_file")
    def file_request(ack: Ack, view: dict[str, Any], client: WebClient) -> None:
        values = view["state"]["values"]
        title = values["intake_title"]["intake_title"]["value"]
        ack(response_action="update", view=_modal("bare_filed", title))
        client.chat_postMessage(channel=INTAKE_CHANNEL, text=f"Filed: {title}")

    handler = SlackRequestHandler(app)
    web = Flask("bare-bolt")

    @web.post("/slack/events")
    def slack_events() -> Any:
        return handler.handle(request)

    @web.get("/healthz")
    def healthz() -> Any:
        return {"status": "ok"}

    return web
