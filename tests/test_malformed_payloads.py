"""Signed but malformed: bodies only Slack could send (it holds the signing secret), of shapes
it does not send today. A Slack change or a bug on our side; the answer is still an ack (Slack
retries, and counts as a failure, anything else) and one log line, never a 500 or a traceback.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest

from tests.harness import BotHarness, HttpResult
from tests.projects.helpers import PROJECT_CHANNEL, open_create_modal, project_values
from tests.projects.helpers import submit as submit_project
from tests.slack import signing
from tests.slack.signing import FORM, JSON, state_value

LONGEST_LOG_LINE = 4096


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.INFO)
    yield caplog
    assert "Traceback" not in caplog.text
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    longest = max((len(r.getMessage()) for r in caplog.records), default=0)
    assert longest < LONGEST_LOG_LINE, f"a log line of {longest} characters"


def warnings_once(bot: BotHarness, caplog: pytest.LogCaptureFixture) -> logging.LogRecord:
    """The one warning the request left, once the bot is idle (it may come from a listener
    thread after the ack)."""
    bot.idle()
    found = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(found) == 1, [(r.name, r.getMessage(), vars(r).get("reason")) for r in found]
    return found[0]


def interactive(payload: Any) -> tuple[str, str]:
    return urlencode({"payload": json.dumps(payload)}), FORM


def payload_of(built: tuple[str, str]) -> dict[str, Any]:
    return dict(json.loads(dict(parse_qsl(built[0]))["payload"]))


def a_click(change: Callable[[dict[str, Any]], None]) -> tuple[str, str]:
    payload = payload_of(signing.block_actions("workspace_issue_webhook_token", user_id="UADMIN"))
    change(payload)
    return interactive(payload)


ACKED_WITH_ONE_LINE: dict[str, Callable[[], tuple[str, str]]] = {
    "truncated JSON": lambda: ('{"type": "event_callback", "event": {"type": "app_', JSON),
    "payload= not JSON": lambda: (urlencode({"payload": "{not json"}), FORM),
    "payload= a list": lambda: (urlencode({"payload": "[1, 2]"}), FORM),
    "payload= a string": lambda: (urlencode({"payload": '"block_actions"'}), FORM),
    "payload= a number": lambda: (urlencode({"payload": "42"}), FORM),
    "a JSON list": lambda: ('[{"type": "event_callback"}]', JSON),
    "JSON null": lambda: ("null", JSON),
    "actions: []": lambda: a_click(lambda p: p.update(actions=[])),
    "an integer action_id": lambda: a_click(lambda p: p["actions"][0].update(action_id=5)),
    "a user_change whose user is a string": lambda: signing.event_callback(
        {"type": "user_change", "user": "U1"}
    ),
    "50,000-deep JSON": lambda: ("[" * 50_000, JSON),
    "50,000-deep payload=": lambda: (
        urlencode({"payload": '{"type": "block_actions", "actions": ' + "[" * 50_000}),
        FORM,
    ),
    "200-deep but parseable": lambda: interactive(
        {"type": "block_actions", "x": json.loads("[" * 200 + "]" * 200)}
    ),
    "bytes that are not UTF-8": lambda: ("payload=%FF%FE", FORM),
}


def post_signed(bot: BotHarness, built: tuple[str, str]) -> HttpResult:
    return bot.post_slack(built)


@pytest.mark.parametrize("case", sorted(ACKED_WITH_ONE_LINE))
def test_a_signed_malformed_body_is_acked_with_one_line(
    bot: BotHarness, logs: pytest.LogCaptureFixture, case: str
) -> None:
    before = bot.row_counts()
    answer = post_signed(bot, ACKED_WITH_ONE_LINE[case]())
    assert answer.status == 200, answer.text
    line = warnings_once(bot, logs)
    assert "unreadable" in line.getMessage() + str(vars(line).get("reason"))
    changed = {name for name, count in bot.row_counts().items() if count != before[name]}
    # At most the profile of a user told something went wrong (read to answer in their language).
    assert changed <= {"members", "workspaces"}


def test_a_click_that_cannot_be_read_tells_the_user_it_did_not_work(
    bot: BotHarness, logs: pytest.LogCaptureFixture
) -> None:
    answer = post_signed(bot, a_click(lambda p: p["actions"][0].update(action_id=5)))
    assert answer.status == 200, answer.text
    warnings_once(bot, logs)
    told = [call.args for call in bot.fake.calls("response_url")] + bot.fake.dms_to("UADMIN")
    assert [said.get("text") for said in told] == [
        "Something went wrong on our side, so this may not have been saved. Please try again; "
        "if it keeps happening, tell your RevOps team."
    ]


@pytest.mark.parametrize(
    "metadata",
    ["nonsense", "[1]", '{"request_id": "x"}', '{"request_id": 99999999999999999999999}'],
)
def test_a_tampered_accept_modal_is_acked_and_the_user_told(
    bot: BotHarness, logs: pytest.LogCaptureFixture, metadata: str
) -> None:
    values = {"intake_hours": {"intake_hours": "4"}}
    answer = bot.submit("intake_accept", values, private_metadata=metadata, user_id="U1")
    assert answer.status == 200, answer.text
    bot.idle()
    (dm,) = bot.fake.dms_to("U1")
    assert "out of date" in dm["text"]


def test_a_privacy_export_without_its_user_block_asks_for_the_member(
    bot: BotHarness, logs: pytest.LogCaptureFixture
) -> None:
    before = bot.row_counts()
    for callback in ("privacy_export", "privacy_erase"):
        answer = bot.submit(callback, {}, user_id="UADMIN")
        assert answer.status == 200, answer.text
        assert answer.json == {
            "response_action": "errors",
            "errors": {"privacy_user": "Pick the member whose data this is."},
        }
    bot.idle()
    changed = {name for name, count in bot.row_counts().items() if count != before[name]}
    # Only the admin's profile (and its workspace), cached to answer in their language.
    assert changed <= {"members", "workspaces"}


def test_a_datepicker_value_that_is_not_a_date_is_a_field_error(
    bot: BotHarness, logs: pytest.LogCaptureFixture
) -> None:
    bot.fake.add_channel(channel_id=PROJECT_CHANNEL, name="cpq-rollout")
    view = open_create_modal(bot)
    values = project_values(start_date=state_value("datepicker", "30"))
    answer = submit_project(bot, view, values)
    assert answer.status == 200, answer.text
    assert answer.json["response_action"] == "errors"
    assert answer.json["errors"]["start_date"] == "Pick the start date."
