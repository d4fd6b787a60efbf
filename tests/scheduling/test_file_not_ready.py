"""A post showing an image Slack is still processing is retried, not failed for good."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.scheduling.delivery import PERMANENT_ERRORS, _file_not_ready


def _refusal(error: str, errors: list[str]) -> SlackApiError:
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="https://slack.com/api/chat.postMessage",
        req_args={},
        data={"ok": False, "error": error, "errors": errors},
        headers={},
        status_code=200,
    )
    return SlackApiError("refused", response)


def test_only_an_invalid_slack_file_is_taken_for_an_upload_still_processing() -> None:
    assert "invalid_blocks" in PERMANENT_ERRORS
    # Slack's answer when the file of an image block is not ready (or not seen) yet.
    assert _file_not_ready(
        _refusal("invalid_blocks", ["invalid slack file [json-pointer:/blocks/3/slack_file]"])
    )
    # Any other invalid block stays a permanent refusal: sending it again changes nothing.
    assert not _file_not_ready(
        _refusal("invalid_blocks", ["must be less than 3001 characters [json-pointer:/blocks/0]"])
    )
    assert not _file_not_ready(_refusal("channel_not_found", []))
    assert not _file_not_ready(OSError("reset"))
