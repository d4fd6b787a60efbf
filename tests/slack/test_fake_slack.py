"""Tests of the fake Slack itself, driven through the real slack_sdk WebClient."""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier

from tests.slack.fake_slack import METHODS, FakeSlack
from tests.slack.signing import (
    SlackSigner,
    block_actions,
    event_callback,
    slash_command,
    state_value,
    view_submission,
)


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as running:
        running.add_user(user_id="U1", name="alice", real_name="Alice A", email="alice@example.com")
        running.add_channel(channel_id="C1", name="general")
        yield running


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(base_url=fake.url, token="xoxb-test")


def api_error(call: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """Run a client call expected to fail; return Slack's error body."""
    with pytest.raises(SlackApiError) as info:
        call(*args, **kwargs)
    return dict(info.value.response.data)


def modal(**overrides: Any) -> dict[str, Any]:
    view = {
        "type": "modal",
        "callback_id": "deal",
        "title": {"type": "plain_text", "text": "Deal"},
        "blocks": [{"type": "section", "block_id": "s", "text": {"type": "mrkdwn", "text": "hi"}}],
    }
    return {**view, **overrides}


def section(text: str, block_id: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
    if block_id:
        block["block_id"] = block_id
    return block


# --- method table, auth --------------------------------------------------------------
def test_method_table_is_derived_and_supplemented() -> None:
    assert METHODS["chat.postMessage"]["required"] == ["channel"]
    assert (
        METHODS["users.info"]["required"] == ["user"]
        and METHODS["users.info"]["source"] == "supplement"
    )
    assert METHODS["apps.connections.open"]["token"] == "app"
    assert METHODS["oauth.v2.access"]["token"] == "none"
    assert all("token" not in entry["required"] for entry in METHODS.values())


def test_unknown_method_rejected(client: WebClient, fake: FakeSlack) -> None:
    assert api_error(client.api_call, "chat.postMesage")["error"] == "unknown_method"
    assert fake.calls("chat.postMesage", ok=False)[0].error == "unknown_method"


def test_missing_required_argument_rejected(client: WebClient) -> None:
    body = api_error(client.api_call, "chat.postMessage", json={"text": "hi"})
    assert body["error"] == "invalid_arguments"
    assert body["response_metadata"]["messages"] == ["[ERROR] missing required field: channel"]
    # supplement: the spec forgets that users.info needs `user`
    assert (
        api_error(client.api_call, "users.info", http_verb="GET", params={})["error"]
        == "invalid_arguments"
    )


def test_tokens_authenticate_and_attribute_calls(fake: FakeSlack) -> None:
    assert (
        api_error(WebClient(base_url=fake.url, token="xoxb-nope").auth_test)["error"]
        == "invalid_auth"
    )
    assert api_error(WebClient(base_url=fake.url).auth_test)["error"] == "not_authed"
    fake.add_workspace(team_id="T2", token="xoxb-T2", bot_user_id="UBOT2", team_name="Acme")
    me = WebClient(base_url=fake.url, token="xoxb-T2").auth_test()
    assert (me["team_id"], me["user_id"], me["team"]) == ("T2", "UBOT2", "Acme")
    assert [c.team_id for c in fake.calls("auth.test", ok=True)] == ["T2"]
    # token in the form body instead of the Authorization header
    assert (
        WebClient(base_url=fake.url).api_call("auth.test", data={"token": "xoxb-test"})["team_id"]
        == "T1"
    )
    # app-level tokens only for Socket Mode, bot tokens never there
    socket_mode = WebClient(base_url=fake.url)
    assert socket_mode.apps_connections_open(app_token="xapp-1-A1-abc")["url"].startswith("ws://")
    assert (
        api_error(socket_mode.apps_connections_open, app_token="xoxb-test")["error"]
        == "not_allowed_token_type"
    )


# --- Block Kit and view limits -------------------------------------------------------
def test_message_block_count_limit(client: WebClient) -> None:
    body = api_error(client.chat_postMessage, channel="C1", text="x", blocks=[section("b")] * 51)
    assert body["error"] == "invalid_blocks"
    assert "no more than 50 items" in body["response_metadata"]["messages"][0]
    assert client.chat_postMessage(channel="C1", text="x", blocks=[section("b")] * 50)["ok"]


def test_section_text_limit(client: WebClient) -> None:
    body = api_error(client.chat_postMessage, channel="C1", text="x", blocks=[section("a" * 3001)])
    assert body["response_metadata"]["messages"] == [
        "[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]"
    ]
    assert client.chat_postMessage(channel="C1", text="x", blocks=[section("a" * 3000)])["ok"]


def test_nested_element_limits(client: WebClient) -> None:
    button = {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "b" * 76}}
    select = {
        "type": "static_select",
        "action_id": "s",
        "options": [{"text": {"type": "plain_text", "text": "o"}, "value": "v" * 151}],
    }
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": "t"}, "accessory": button},
        {"type": "actions", "elements": [select]},
    ]
    messages = api_error(client.chat_postMessage, channel="C1", text="x", blocks=blocks)[
        "response_metadata"
    ]
    assert messages["messages"] == [
        "[ERROR] must be less than 76 characters [json-pointer:/blocks/0/accessory/text/text]",
        "[ERROR] must be less than 151 characters"
        " [json-pointer:/blocks/1/elements/0/options/0/value]",
    ]


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def _button(**overrides: Any) -> dict[str, Any]:
    return {"type": "button", "action_id": "go", "text": _plain("Go"), **overrides}


def _options(n: int, text: str = "o") -> list[dict[str, Any]]:
    return [{"text": _plain(text), "value": f"v{i}"} for i in range(n)]


@pytest.mark.parametrize(
    ("block", "pointer"),
    [
        ({"type": "header", "text": _plain("h" * 151)}, "/blocks/0/text/text"),
        ({"type": "context", "elements": [_plain("c")] * 11}, "/blocks/0/elements"),
        (
            {"type": "actions", "elements": [_button(action_id=f"a{i}") for i in range(26)]},
            "/blocks/0/elements",
        ),
        (
            {"type": "actions", "elements": [_button(value="v" * 2001)]},
            "/blocks/0/elements/0/value",
        ),
        ({"type": "actions", "elements": [_button(url="u" * 3001)]}, "/blocks/0/elements/0/url"),
        (
            {"type": "actions", "elements": [_button(action_id="a" * 256)]},
            "/blocks/0/elements/0/action_id",
        ),
        ({"type": "section", "fields": [_plain("f")] * 11}, "/blocks/0/fields"),
        ({"type": "section", "fields": [_plain("f" * 2001)]}, "/blocks/0/fields/0/text"),
        ({"type": "section", "block_id": "b" * 256, "text": _plain("t")}, "/blocks/0/block_id"),
        (
            {
                "type": "section",
                "text": _plain("t"),
                "accessory": {"type": "static_select", "action_id": "s", "options": _options(101)},
            },
            "/blocks/0/accessory/options",
        ),
        (
            {
                "type": "section",
                "text": _plain("t"),
                "accessory": {
                    "type": "static_select",
                    "action_id": "s",
                    "options": _options(1, "o" * 76),
                },
            },
            "/blocks/0/accessory/options/0/text/text",
        ),
        (
            {
                "type": "section",
                "text": _plain("t"),
                "accessory": {
                    "type": "multi_static_select",
                    "action_id": "s",
                    "option_groups": [{"label": _plain("g"), "options": _options(1)}] * 101,
                },
            },
            "/blocks/0/accessory/option_groups",
        ),
        (
            {
                "type": "input",
                "label": _plain("l" * 2001),
                "element": {"type": "plain_text_input", "action_id": "i"},
            },
            "/blocks/0/label/text",
        ),
        (
            {
                "type": "input",
                "label": _plain("l"),
                "element": {"type": "plain_text_input", "action_id": "i", "max_length": 3001},
            },
            "/blocks/0/element/max_length",
        ),
        (
            {
                "type": "input",
                "label": _plain("l"),
                "element": {
                    "type": "plain_text_input",
                    "action_id": "i",
                    "placeholder": _plain("p" * 151),
                },
            },
            "/blocks/0/element/placeholder/text",
        ),
    ],
)
def test_block_kit_limits(client: WebClient, block: dict[str, Any], pointer: str) -> None:
    body = api_error(client.chat_postMessage, channel="C1", text="x", blocks=[block])
    assert body["error"] == "invalid_blocks"
    assert any(pointer + "]" in m for m in body["response_metadata"]["messages"]), body


def test_duplicate_block_id_rejected(client: WebClient) -> None:
    body = api_error(
        client.chat_postMessage,
        channel="C1",
        text="x",
        blocks=[section("a", block_id="same"), section("b", block_id="same")],
    )
    assert body["error"] == "invalid_blocks"
    assert "duplicate block_id: same" in body["response_metadata"]["messages"][0]


def test_duplicate_action_id_in_one_block_rejected_across_blocks_accepted(
    client: WebClient,
) -> None:
    """Slack wants an action_id unique within its block (two "Celebrate" buttons of one
    project update in one actions block are refused); across blocks (a queue of requests,
    each with its Accept button) it is accepted."""
    button = {"type": "button", "text": {"type": "plain_text", "text": "Celebrate"}}
    one_block = [
        {
            "type": "actions",
            "elements": [
                {**button, "action_id": "celebrate", "value": "1"},
                {**button, "action_id": "celebrate", "value": "2"},
            ],
        }
    ]
    body = api_error(client.chat_postMessage, channel="C1", text="x", blocks=one_block)
    assert body["error"] == "invalid_blocks"
    assert "duplicate action_id: celebrate" in body["response_metadata"]["messages"][0]
    two_blocks = [
        {"type": "actions", "elements": [{**button, "action_id": "celebrate", "value": "1"}]},
        {"type": "actions", "elements": [{**button, "action_id": "celebrate", "value": "2"}]},
    ]
    assert client.chat_postMessage(channel="C1", text="x", blocks=two_blocks)["ok"]


def test_message_text_and_metadata_checks(client: WebClient) -> None:
    assert (
        api_error(client.api_call, "chat.postMessage", json={"channel": "C1"})["error"] == "no_text"
    )
    assert (
        api_error(client.chat_postMessage, channel="C1", text="a" * 40_001)["error"]
        == "msg_too_long"
    )
    bad = api_error(
        client.api_call,
        "chat.postMessage",
        data={"channel": "C1", "text": "x", "metadata": "{not json"},
    )
    assert bad["error"] == "invalid_metadata_format"


def test_modal_title_and_private_metadata_limits(client: WebClient, fake: FakeSlack) -> None:
    trigger = fake.new_trigger_id()
    body = api_error(
        client.views_open,
        trigger_id=trigger,
        view=modal(title={"type": "plain_text", "text": "t" * 25}),
    )
    assert body["error"] == "invalid_arguments"
    assert body["response_metadata"]["messages"] == [
        "[ERROR] must be less than 25 characters [json-pointer:/view/title/text]"
    ]
    body = api_error(client.views_open, trigger_id=trigger, view=modal(private_metadata="m" * 3001))
    assert "/view/private_metadata" in body["response_metadata"]["messages"][0]
    no_title = {k: v for k, v in modal().items() if k != "title"}
    assert (
        api_error(client.views_open, trigger_id=trigger, view=no_title)["error"]
        == "invalid_arguments"
    )
    # a rejected view does not burn the trigger
    assert client.views_open(trigger_id=trigger, view=modal(private_metadata="m" * 3000))["ok"]


# --- trigger ids and views -----------------------------------------------------------
def test_trigger_ids_are_single_use_and_expire(client: WebClient, fake: FakeSlack) -> None:
    assert (
        api_error(client.views_open, trigger_id="123.456.abc", view=modal())["error"]
        == "invalid_trigger_id"
    )
    trigger = fake.new_trigger_id()
    assert client.views_open(trigger_id=trigger, view=modal())["ok"]
    assert (
        api_error(client.views_push, trigger_id=trigger, view=modal())["error"]
        == "invalid_trigger_id"
    )
    fake.trigger_ttl_seconds = 0.05
    stale = fake.new_trigger_id()
    time.sleep(0.1)
    assert (
        api_error(client.views_open, trigger_id=stale, view=modal())["error"]
        == "expired_trigger_id"
    )


def test_views_update_and_home_tab(client: WebClient, fake: FakeSlack) -> None:
    opened = client.views_open(trigger_id=fake.new_trigger_id(), view=modal(external_id="deal-42"))[
        "view"
    ]
    assert opened["id"].startswith("V") and opened["state"] == {"values": {}}
    updated = client.views_update(view_id=opened["id"], view=modal(private_metadata="v2"))["view"]
    assert updated["id"] == opened["id"] and updated["hash"] != opened["hash"]
    assert client.views_update(external_id="deal-42", view=modal())["ok"]
    assert api_error(client.views_update, view_id=opened["id"], hash="stale", view=modal())[
        "error"
    ] == ("hash_conflict")
    assert api_error(client.views_update, view_id="VNOPE", view=modal())["error"] == "not_found"
    assert (
        api_error(client.views_publish, user_id="U1", view=modal())["error"] == "invalid_arguments"
    )
    home = {"type": "home", "blocks": [section("pipeline")]}
    client.views_publish(user_id="U1", view=home)
    published = fake.home_of("U1")
    assert published is not None and published["blocks"] == home["blocks"]


# --- conversations, messages, users --------------------------------------------------
def test_dm_to_user_id(client: WebClient, fake: FakeSlack) -> None:
    sent = client.chat_postMessage(channel="U1", text="your deal closed")
    assert sent["channel"] == "DU1"
    assert [m["text"] for m in fake.dms_to("U1")] == ["your deal closed"]


def test_channel_membership(client: WebClient, fake: FakeSlack) -> None:
    fake.add_channel(channel_id="C2", name="sales", is_member=False)
    fake.add_channel(channel_id="G1", name="secret", is_private=True, is_member=False)
    assert api_error(client.chat_postMessage, channel="C2", text="x")["error"] == "not_in_channel"
    assert (
        api_error(client.chat_postMessage, channel="C404", text="x")["error"] == "channel_not_found"
    )
    assert client.conversations_join(channel="C2")["channel"]["is_member"] is True
    assert client.chat_postMessage(channel="C2", text="x")["ok"]
    assert (
        api_error(client.conversations_join, channel="G1")["error"]
        == "method_not_supported_for_channel_type"
    )
    assert client.conversations_info(channel="C2")["channel"]["name"] == "sales"


def test_messages_threads_metadata_reactions(client: WebClient, fake: FakeSlack) -> None:
    metadata = {"event_type": "deal_alert", "event_payload": {"deal_id": 42}}
    parent = client.chat_postMessage(channel="C1", text="deal 42", metadata=metadata)
    client.chat_postMessage(channel="C1", text="reply", thread_ts=parent["ts"])
    second = client.chat_postMessage(channel="C1", text="later")
    assert float(second["ts"]) > float(parent["ts"])
    history = client.conversations_history(channel="C1", include_all_metadata=True)["messages"]
    assert [m["text"] for m in history] == ["later", "deal 42"]  # newest first, no thread replies
    assert history[1]["metadata"] == metadata and history[1]["reply_count"] == 1
    assert "metadata" not in client.conversations_history(channel="C1", limit=5)["messages"][1]
    thread = client.conversations_replies(channel="C1", ts=parent["ts"])["messages"]
    assert [m["text"] for m in thread] == ["deal 42", "reply"]
    client.reactions_add(channel="C1", timestamp=parent["ts"], name="white_check_mark")
    dup = api_error(
        client.reactions_add, channel="C1", timestamp=parent["ts"], name="white_check_mark"
    )
    assert dup["error"] == "already_reacted"
    got = client.reactions_get(channel="C1", timestamp=parent["ts"])["message"]["reactions"]
    assert got == [{"name": "white_check_mark", "users": ["UBOT1"], "count": 1}]
    assert (
        client.chat_update(channel="C1", ts=second["ts"], text="edited")["message"]["text"]
        == "edited"
    )
    assert (
        api_error(client.chat_update, channel="C1", ts="1.2", text="x")["error"]
        == "message_not_found"
    )
    link = client.chat_getPermalink(channel="C1", message_ts=parent["ts"])["permalink"]
    assert link.endswith(parent["ts"].replace(".", ""))
    client.chat_delete(channel="C1", ts=second["ts"])
    assert [m["text"] for m in fake.messages("C1")] == ["deal 42", "reply"]


def test_users_info_list_pagination_and_lookup(client: WebClient, fake: FakeSlack) -> None:
    for i in range(2, 7):
        fake.add_user(user_id=f"U{i}", name=f"user{i}", tz="America/New_York", deleted=(i == 6))
    info = client.users_info(user="U1", include_locale=True)["user"]
    assert (info["locale"], info["tz"], info["profile"]["email"]) == (
        "fr-FR",
        "Europe/Paris",
        "alice@example.com",
    )
    assert info["tz_offset"] in (3600, 7200)
    assert "locale" not in client.users_info(user="U1")["user"]
    assert api_error(client.users_info, user="U999")["error"] == "user_not_found"
    # slack_sdk follows next_cursor (iterating re-uses one response object, so copy as we go)
    pages = [
        (list(page["members"]), page["response_metadata"]["next_cursor"])
        for page in client.users_list(limit=3)
    ]
    assert [len(members) for members, _ in pages] == [3, 3, 1]
    assert pages[-1][1] == "" and all(cursor for _, cursor in pages[:-1])
    ids = [m["id"] for members, _ in pages for m in members]
    assert ids == ["UBOT1", "U1", "U2", "U3", "U4", "U5", "U6"]
    assert client.users_lookupByEmail(email="ALICE@example.com")["user"]["id"] == "U1"
    assert (
        api_error(client.users_lookupByEmail, email="no@example.com")["error"] == "users_not_found"
    )


def test_usergroups(client: WebClient, fake: FakeSlack) -> None:
    fake.add_usergroup(usergroup_id="S1", handle="sales-team", users=["U1", "U2"])
    groups = client.usergroups_list(include_users=True)["usergroups"]
    assert [(g["id"], g["handle"], g["users"]) for g in groups] == [
        ("S1", "sales-team", ["U1", "U2"])
    ]
    assert client.usergroups_users_list(usergroup="S1")["users"] == ["U1", "U2"]


def test_concurrent_calls_are_all_recorded(fake: FakeSlack) -> None:
    def post(worker: int) -> None:
        client = WebClient(base_url=fake.url, token="xoxb-test")
        for i in range(15):
            client.chat_postMessage(channel="C1", text=f"{worker}-{i}")

    workers = [threading.Thread(target=post, args=(n,)) for n in range(6)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    stamps = [m["ts"] for m in fake.messages("C1")]
    assert len(stamps) == len(set(stamps)) == 90 == len(fake.calls("chat.postMessage", ok=True))
    assert stamps == sorted(stamps)


def test_query_string_and_form_arguments(fake: FakeSlack) -> None:
    query = urllib.parse.urlencode({"token": "xoxb-test", "user": "U1", "include_locale": "true"})
    with urllib.request.urlopen(f"{fake.url}users.info?{query}") as resp:
        assert json.load(resp)["user"]["locale"] == "fr-FR"
    form = urllib.parse.urlencode({"channel": "C1", "text": "a+b & c"}).encode()
    request = urllib.request.Request(
        f"{fake.url}chat.postMessage", data=form, headers={"Authorization": "Bearer xoxb-test"}
    )
    with urllib.request.urlopen(request) as resp:
        assert json.load(resp)["message"]["text"] == "a+b & c"


# --- recording, files, oauth ---------------------------------------------------------
def test_recorded_calls_are_decoded(client: WebClient, fake: FakeSlack) -> None:
    blocks = [section("hello")]
    client.api_call(
        "chat.postMessage", data={"channel": "C1", "text": "form", "blocks": json.dumps(blocks)}
    )
    client.chat_postMessage(channel="C1", text="json", blocks=blocks)
    calls = fake.calls("chat.postMessage")
    assert [c.args["blocks"] for c in calls] == [blocks, blocks]
    assert all(c.ok and c.team_id == "T1" and "token" not in c.args for c in calls)
    threading.Timer(0.05, lambda: client.chat_postMessage(channel="C1", text="late")).start()
    late = fake.wait_for("chat.postMessage", count=3, timeout=2)
    assert late[-1].args["text"] == "late" and late[-1].response and late[-1].response["ts"]
    with pytest.raises(AssertionError, match="calls seen"):
        fake.wait_for("views.open", timeout=0.05)
    # multipart bodies (slack_sdk uses them when files are attached) are decoded too
    client.api_call("files.upload", data={"channels": "C1"}, files={"file": b"raw-bytes"})
    assert fake.calls("files.upload")[0].args == {"channels": "C1", "file": b"raw-bytes"}
    fake.reset_calls()
    assert fake.calls() == []


def test_files_upload_v2(client: WebClient, fake: FakeSlack) -> None:
    done = client.files_upload_v2(
        channel="C1",
        content="id,amount\n42,1000\n",
        filename="deals.csv",
        title="Deals",
        initial_comment="export",
    )
    assert done["file"]["name"] == "deals.csv"
    [uploaded] = fake.uploaded_files
    assert (uploaded.content, uploaded.channel_id, uploaded.title) == (
        b"id,amount\n42,1000\n",
        "C1",
        "Deals",
    )
    assert fake.messages("C1")[-1]["text"] == "export"


def test_an_unshared_upload_is_shown_by_an_image_block_and_only_a_real_one(
    client: WebClient, fake: FakeSlack
) -> None:
    """files_upload_v2 without a channel shares the file nowhere; an image block shows it by
    id. Slack refuses an image without alt text, with both a URL and a file (or neither), a
    slack_file with both id and url or a malformed id, and a file the bot cannot see."""
    done = client.files_upload_v2(file=b"\x89PNG-bytes", filename="c.png", title="Chart")
    file_id = done["file"]["id"]
    assert fake.uploaded_files[0].channel_id is None and fake.messages("C1") == []
    image = {"type": "image", "alt_text": "wins per week", "slack_file": {"id": file_id}}
    client.chat_postMessage(channel="C1", text="gazette", blocks=[image])
    assert fake.images_shown("C1") == fake.uploaded_files
    refused = [
        ({**image, "alt_text": ""}, "missing required field: alt_text"),
        ({**image, "image_url": "https://example.com/a.png"}, "either image_url or slack_file"),
        ({"type": "image", "alt_text": "x"}, "either image_url or slack_file"),
        ({**image, "slack_file": {"id": file_id, "url": "https://x"}}, "invalid slack file"),
        ({**image, "slack_file": {"id": "f123"}}, "regex pattern"),
        ({**image, "alt_text": "a" * 2001}, "/blocks/0/alt_text"),
        ({**image, "slack_file": {"id": "F99999999"}}, "invalid slack file"),
    ]
    for block, message in refused:
        body = api_error(client.chat_postMessage, channel="C1", text="x", blocks=[block])
        assert body["error"] == "invalid_blocks", block
        assert any(message in m for m in body["response_metadata"]["messages"]), (block, body)


def test_oauth_v2_access(fake: FakeSlack) -> None:
    fake.oauth_codes["code-1"] = {"team_id": "T9", "user_id": "U9"}
    install = WebClient(base_url=fake.url).oauth_v2_access(
        client_id="cid", client_secret="sec", code="code-1"
    )
    assert (install["team"]["id"], install["authed_user"]["id"], install["token_type"]) == (
        "T9",
        "U9",
        "bot",
    )
    assert (
        WebClient(base_url=fake.url, token=install["access_token"]).auth_test()["team_id"] == "T9"
    )
    reused = api_error(
        WebClient(base_url=fake.url).oauth_v2_access,
        client_id="c",
        client_secret="s",
        code="code-1",
    )
    assert reused["error"] == "invalid_code"


# --- faults, rate limits, latency ----------------------------------------------------
def test_fail_next(client: WebClient, fake: FakeSlack) -> None:
    fake.fail_next("chat.postMessage", error="fatal_error")
    fake.fail_next("chat.postMessage", status=500)
    assert api_error(client.chat_postMessage, channel="C1", text="x")["error"] == "fatal_error"
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel="C1", text="x")
    assert info.value.response.status_code == 500
    assert client.chat_postMessage(channel="C1", text="x")["ok"]


def test_rate_limit_is_retried_by_slack_sdk(fake: FakeSlack) -> None:
    fake.set_rate_limit("chat.postMessage", per_channel_per_second=1, burst=1)
    plain = WebClient(base_url=fake.url, token="xoxb-test")
    assert plain.chat_postMessage(channel="C1", text="1")["ok"]
    with pytest.raises(SlackApiError) as info:
        plain.chat_postMessage(channel="C1", text="2")
    assert (
        info.value.response.status_code == 429 and info.value.response.headers["Retry-After"] == "1"
    )
    assert plain.chat_postMessage(channel="U1", text="other channel")["ok"]  # bucket is per channel
    retrying = WebClient(
        base_url=fake.url,
        token="xoxb-test",
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)],
    )
    assert retrying.chat_postMessage(channel="C1", text="3")["ok"]
    assert fake.ratelimited_count >= 2
    assert [c.error for c in fake.calls("chat.postMessage")][-1] is None


def test_channel_burst_is_its_own(fake: FakeSlack) -> None:
    fake.set_rate_limit(
        "chat.postMessage",
        per_channel_per_second=0.1,  # slow refills: the test sees the buckets' sizes alone
        per_team_per_minute=6,
        burst=20,
        channel_burst=3,
    )
    plain = WebClient(base_url=fake.url, token="xoxb-test")
    assert [plain.chat_postMessage(channel="C1", text=str(n))["ok"] for n in range(3)] == [True] * 3
    with pytest.raises(SlackApiError) as info:
        plain.chat_postMessage(channel="C1", text="4th in the second")
    assert info.value.response.status_code == 429
    # The workspace's bucket holds 20: 17 more posts elsewhere go through, the 18th does not.
    assert all(plain.chat_postMessage(channel=f"U{n}", text="dm")["ok"] for n in range(17))
    with pytest.raises(SlackApiError):
        plain.chat_postMessage(channel="U99", text="21st in the burst")
    assert fake.ratelimited_count == 2


def test_latency_applies_to_calls(client: WebClient, fake: FakeSlack) -> None:
    fake.latency_seconds = 0.05
    started = time.monotonic()
    client.auth_test()
    assert time.monotonic() - started >= 0.05


# --- signing helper ------------------------------------------------------------------
def test_signed_requests_verify_and_parse_like_slack(fake: FakeSlack) -> None:
    signer = SlackSigner("s3cr3t")
    verifier = SignatureVerifier("s3cr3t")
    body, headers = signer.sign(
        slash_command("/deal", "show 42", user_id="U1", trigger_id=fake.new_trigger_id())
    )
    assert verifier.is_valid_request(body, headers)
    assert not verifier.is_valid_request(body + "x", headers)
    assert not SignatureVerifier("other").is_valid_request(body, headers)
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    request = BoltRequest(body=body, headers={k: [v] for k, v in headers.items()})
    assert (request.context.team_id, request.context.user_id, request.body["command"]) == (
        "T1",
        "U1",
        "/deal",
    )

    body, content_type = view_submission(
        "deal_modal",
        {
            "amount": {"value": "1000"},
            "close": {"date": state_value("datepicker", "2024-01-31")},
            "stage": {"pick": state_value("static_select", "won")},
        },
        private_metadata="42",
    )
    payload = BoltRequest(body=body, headers={"content-type": [content_type]}).body
    values = payload["view"]["state"]["values"]
    assert values["amount"]["value"] == {"type": "plain_text_input", "value": "1000"}
    assert values["close"]["date"]["selected_date"] == "2024-01-31"
    assert values["stage"]["pick"]["selected_option"]["value"] == "won"

    body, content_type = block_actions("approve", "42")
    action = BoltRequest(body=body, headers={"content-type": [content_type]}).body["actions"][0]
    assert (action["type"], action["action_id"], action["value"]) == ("button", "approve", "42")

    body, headers = signer.sign(
        event_callback({"type": "app_home_opened", "user": "U1"}), retry_num=1
    )
    assert headers["X-Slack-Retry-Num"] == "1" and headers["Content-Type"] == "application/json"
    assert verifier.is_valid_request(body, headers)
    assert json.loads(body)["authorizations"][0]["user_id"] == "UBOT1"
