"""Build and sign requests exactly as Slack sends them to ``POST /slack/events``.

Body builders return ``(body, content_type)``; ``SlackSigner.headers(body, ...)`` signs them::

    signer = SlackSigner("secret")
    body, headers = signer.sign(slash_command("/deal", "show 42", user_id="U1"))
    client.post("/slack/events", data=body, headers=headers)

Pass ``trigger_id=fake.new_trigger_id()`` when the handler will open a modal: the fake
Slack rejects trigger ids it did not issue.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
API_APP_ID = "A1"
VERIFICATION_TOKEN = "legacy-verification-token"
BOT_USER_ID = "UBOT1"

_counter = itertools.count(1)


def _trigger() -> str:
    n = next(_counter)
    return f"{n}.{1700000000 + n}.{n:032x}"


def _action_ts() -> str:
    return f"{time.time():.6f}"


def _domain(team_id: str) -> str:
    return team_id.lower()


def _user(user_id: str, team_id: str, user_name: str | None) -> dict[str, Any]:
    name = user_name or user_id.lower()
    return {"id": user_id, "username": name, "name": name, "team_id": team_id}


def _team(team_id: str) -> dict[str, Any]:
    return {"id": team_id, "domain": _domain(team_id)}


# Tests point this at FakeSlack.response_url_base so that `respond()` reaches the fake.
RESPONSE_URL_BASE = "https://hooks.slack.com/actions"


def _response_url(team_id: str) -> str:
    return f"{RESPONSE_URL_BASE}/{team_id}/{next(_counter)}/fake-response-url"


def _interactive(payload: dict[str, Any]) -> tuple[str, str]:
    return urlencode({"payload": json.dumps(payload)}), FORM


def _common(kind: str, user_id: str, team_id: str, user_name: str | None) -> dict[str, Any]:
    return {
        "type": kind,
        "team": _team(team_id),
        "user": _user(user_id, team_id, user_name),
        "api_app_id": API_APP_ID,
        "token": VERIFICATION_TOKEN,
        "enterprise": None,
        "is_enterprise_install": False,
    }


def option(value: str, text: str | None = None) -> dict[str, Any]:
    """An option object as Slack echoes it back in payloads."""
    return {"text": {"type": "plain_text", "text": text or value, "emoji": True}, "value": value}


_SELECTED_KEY = {
    "static_select": "selected_option",
    "external_select": "selected_option",
    "radio_buttons": "selected_option",
    "overflow": "selected_option",
    "multi_static_select": "selected_options",
    "multi_external_select": "selected_options",
    "checkboxes": "selected_options",
    "users_select": "selected_user",
    "multi_users_select": "selected_users",
    "conversations_select": "selected_conversation",
    "multi_conversations_select": "selected_conversations",
    "channels_select": "selected_channel",
    "multi_channels_select": "selected_channels",
    "datepicker": "selected_date",
    "timepicker": "selected_time",
    "datetimepicker": "selected_date_time",
}
_OPTION_KEYS = {"selected_option", "selected_options"}


def state_value(element_type: str, value: Any) -> dict[str, Any]:
    """One ``view.state.values[block_id][action_id]`` entry.

    E.g. ``state_value("datepicker", "2024-01-31")`` or ``state_value("static_select", "won")``.

    For option-based elements pass the option value(s) as str / list[str] (or ready option dicts).
    Text inputs (plain_text_input, email_text_input, number_input, ...) and buttons use ``value``.
    """
    key = _SELECTED_KEY.get(element_type, "value")
    if key == "selected_option" and isinstance(value, str):
        value = option(value)
    elif key == "selected_options":
        value = [option(v) if isinstance(v, str) else v for v in value or []]
    return {"type": element_type, key: value}


def _state(values: dict[str, dict[str, Any]] | None) -> dict[str, Any]:
    """Accept raw state entries, or plain strings as plain_text_input values."""
    out: dict[str, dict[str, Any]] = {}
    for block_id, actions in (values or {}).items():
        out[block_id] = {
            a: v if isinstance(v, dict) else state_value("plain_text_input", v)
            for a, v in actions.items()
        }
    return {"values": out}


def _view(
    callback_id: str,
    *,
    view_id: str,
    team_id: str,
    private_metadata: str,
    external_id: str,
    state: dict[str, Any],
    blocks: list[dict[str, Any]] | None,
    title: str,
    view_type: str,
    root_view_id: str | None,
    hash_: str | None,
) -> dict[str, Any]:
    return {
        "id": view_id,
        "team_id": team_id,
        "type": view_type,
        "blocks": blocks or [],
        "private_metadata": private_metadata,
        "callback_id": callback_id,
        "state": state,
        "hash": hash_ or f"{int(time.time())}.abcdef12",
        "title": {"type": "plain_text", "text": title, "emoji": True},
        "clear_on_close": False,
        "notify_on_close": False,
        "close": None,
        "submit": {"type": "plain_text", "text": "Submit", "emoji": True},
        "previous_view_id": None,
        "root_view_id": root_view_id or view_id,
        "app_id": API_APP_ID,
        "external_id": external_id,
        "app_installed_team_id": team_id,
        "bot_id": "B" + team_id,
    }


def slash_command(
    command: str,
    text: str = "",
    user_id: str = "U1",
    team_id: str = "T1",
    channel_id: str = "C1",
    trigger_id: str | None = None,
    *,
    channel_name: str = "general",
    user_name: str | None = None,
    response_url: str | None = None,
) -> tuple[str, str]:
    fields = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": _domain(team_id),
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name or user_id.lower(),
        "command": command,
        "text": text,
        "api_app_id": API_APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url or _response_url(team_id),
        "trigger_id": trigger_id or _trigger(),
    }
    return urlencode(fields), FORM


def block_actions(
    action_id: str,
    value: Any = None,
    *,
    element_type: str = "button",
    block_id: str = "b1",
    user_id: str = "U1",
    team_id: str = "T1",
    channel_id: str = "C1",
    channel_name: str = "general",
    message: dict[str, Any] | None = None,
    view: dict[str, Any] | None = None,
    state_values: dict[str, dict[str, Any]] | None = None,
    trigger_id: str | None = None,
    user_name: str | None = None,
    button_text: str = "Button",
) -> tuple[str, str]:
    """A click or selection, from a message by default.

    Pass ``view`` (e.g. the view the fake returned from views.open) for modals and the Home tab.
    """
    action = {
        **state_value(element_type, value),
        "action_id": action_id,
        "block_id": block_id,
        "action_ts": _action_ts(),
    }
    if value is None and element_type == "button":
        del action["value"]
    if element_type == "button":
        action["text"] = {"type": "plain_text", "text": button_text, "emoji": True}
    payload = _common("block_actions", user_id, team_id, user_name)
    payload.update(trigger_id=trigger_id or _trigger(), actions=[action])
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view.get("id", "V1")}
        payload["view"] = {
            **view,
            "state": _state(state_values) if state_values else view.get("state", {}),
        }
    else:
        msg = message or {
            "type": "message",
            "ts": "1700000000.000100",
            "user": BOT_USER_ID,
            "bot_id": "B" + team_id,
            "text": "",
            "blocks": [],
        }
        payload.update(
            container={
                "type": "message",
                "message_ts": msg["ts"],
                "channel_id": channel_id,
                "is_ephemeral": False,
            },
            channel={"id": channel_id, "name": channel_name},
            message=msg,
            state=_state(state_values),
            response_url=_response_url(team_id),
        )
    return _interactive(payload)


def view_submission(
    callback_id: str,
    values: dict[str, dict[str, Any]] | None = None,
    *,
    private_metadata: str = "",
    view_id: str = "V1",
    user_id: str = "U1",
    team_id: str = "T1",
    trigger_id: str | None = None,
    external_id: str = "",
    title: str = "Modal",
    blocks: list[dict[str, Any]] | None = None,
    root_view_id: str | None = None,
    hash_: str | None = None,
    response_urls: list[dict[str, Any]] | None = None,
    user_name: str | None = None,
) -> tuple[str, str]:
    """``values``: ``{block_id: {action_id: state_value(...) or "plain text"}}``."""
    payload = _common("view_submission", user_id, team_id, user_name)
    payload.update(
        trigger_id=trigger_id or _trigger(),
        response_urls=response_urls or [],
        view=_view(
            callback_id,
            view_id=view_id,
            team_id=team_id,
            private_metadata=private_metadata,
            external_id=external_id,
            state=_state(values),
            blocks=blocks,
            title=title,
            view_type="modal",
            root_view_id=root_view_id,
            hash_=hash_,
        ),
    )
    return _interactive(payload)


def view_closed(
    callback_id: str,
    *,
    private_metadata: str = "",
    view_id: str = "V1",
    user_id: str = "U1",
    team_id: str = "T1",
    is_cleared: bool = False,
    user_name: str | None = None,
) -> tuple[str, str]:
    payload = _common("view_closed", user_id, team_id, user_name)
    payload.update(
        is_cleared=is_cleared,
        view=_view(
            callback_id,
            view_id=view_id,
            team_id=team_id,
            private_metadata=private_metadata,
            external_id="",
            state={"values": {}},
            blocks=None,
            title="Modal",
            view_type="modal",
            root_view_id=None,
            hash_=None,
        ),
    )
    return _interactive(payload)


def message_shortcut(
    callback_id: str,
    message: dict[str, Any] | None = None,
    *,
    user_id: str = "U1",
    team_id: str = "T1",
    channel_id: str = "C1",
    channel_name: str = "general",
    trigger_id: str | None = None,
    user_name: str | None = None,
) -> tuple[str, str]:
    msg = {
        "type": "message",
        "ts": "1700000000.000100",
        "user": "U2",
        "text": "",
        **(message or {}),
    }
    payload = _common("message_action", user_id, team_id, user_name)
    payload.update(
        callback_id=callback_id,
        trigger_id=trigger_id or _trigger(),
        action_ts=_action_ts(),
        channel={"id": channel_id, "name": channel_name},
        message_ts=msg["ts"],
        message=msg,
        response_url=_response_url(team_id),
    )
    return _interactive(payload)


def global_shortcut(
    callback_id: str,
    *,
    user_id: str = "U1",
    team_id: str = "T1",
    trigger_id: str | None = None,
    user_name: str | None = None,
) -> tuple[str, str]:
    payload = _common("shortcut", user_id, team_id, user_name)
    payload.update(
        callback_id=callback_id, trigger_id=trigger_id or _trigger(), action_ts=_action_ts()
    )
    return _interactive(payload)


def block_suggestion(
    action_id: str,
    value: str,
    *,
    block_id: str = "b1",
    user_id: str = "U1",
    team_id: str = "T1",
    view: dict[str, Any] | None = None,
    channel_id: str = "C1",
    user_name: str | None = None,
) -> tuple[str, str]:
    """An external_select typing event (the app answers with ``{"options": [...]}``)."""
    payload = _common("block_suggestion", user_id, team_id, user_name)
    payload.update(action_id=action_id, block_id=block_id, value=value)
    if view is not None:
        payload.update(container={"type": "view", "view_id": view.get("id", "V1")}, view=view)
    else:
        payload.update(
            container={
                "type": "message",
                "message_ts": "1700000000.000100",
                "channel_id": channel_id,
                "is_ephemeral": False,
            },
            channel={"id": channel_id, "name": "general"},
        )
    return _interactive(payload)


def event_callback(
    event: dict[str, Any],
    team_id: str = "T1",
    event_id: str | None = None,
    *,
    event_time: int | None = None,
    bot_user_id: str = BOT_USER_ID,
) -> tuple[str, str]:
    """An Events API envelope around ``event`` (e.g. an ``app_home_opened`` event dict)."""
    body = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "api_app_id": API_APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{next(_counter):08d}",
        "event_time": event_time or int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-fake-{team_id}",
    }
    return json.dumps(body), JSON


def url_verification(challenge: str) -> tuple[str, str]:
    return json.dumps(
        {"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}
    ), JSON


class SlackSigner:
    """Signs request bodies with a Slack app's signing secret (``v0`` scheme)."""

    # The builders are also reachable as ``SlackSigner.slash_command(...)`` etc.
    slash_command = staticmethod(slash_command)
    block_actions = staticmethod(block_actions)
    view_submission = staticmethod(view_submission)
    view_closed = staticmethod(view_closed)
    message_shortcut = staticmethod(message_shortcut)
    global_shortcut = staticmethod(global_shortcut)
    block_suggestion = staticmethod(block_suggestion)
    event_callback = staticmethod(event_callback)
    url_verification = staticmethod(url_verification)

    def __init__(self, signing_secret: str) -> None:
        self.signing_secret = signing_secret

    def signature(self, body: str | bytes, timestamp: int) -> str:
        raw = body if isinstance(body, bytes) else body.encode()
        base = f"v0:{timestamp}:".encode() + raw
        return "v0=" + hmac.new(self.signing_secret.encode(), base, hashlib.sha256).hexdigest()

    def headers(
        self,
        body: str,
        timestamp: int | None = None,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        content_type: str | None = None,
    ) -> dict[str, str]:
        """Headers for ``body``; the Content-Type is guessed from the body unless given."""
        ts = int(time.time()) if timestamp is None else timestamp
        headers = {
            "Content-Type": content_type or (JSON if body.lstrip().startswith("{") else FORM),
            "X-Slack-Request-Timestamp": str(ts),
            "X-Slack-Signature": self.signature(body, ts),
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
        }
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
        return headers

    def sign(self, built: tuple[str, str], **kwargs: Any) -> tuple[str, dict[str, str]]:
        """``(body, headers)`` for a builder's ``(body, content_type)``.

        Keyword arguments (timestamp, retry_num, retry_reason) go to :meth:`headers`.
        """
        body, content_type = built
        return body, self.headers(body, content_type=content_type, **kwargs)
