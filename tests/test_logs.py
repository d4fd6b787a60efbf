"""Logs: one line per Slack request, JSON when asked, never a token or a signing secret."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime, timedelta

import pytest

from bot.logs import CapLongMessages, RedactSecrets, configure_logging
from bot.settings import LogFormat
from tests.harness import SIGNING_SECRET, BotHarness


@pytest.mark.parametrize(
    "secret",
    [
        "xoxb-1234-5678-abcdefgh",
        "xoxp-1-2-3-abc",
        "xapp-1-A111-222-abcdef",
        "xoxe.xoxb-1-abc",
        "Bearer rvb_S3cr3tT0ken",
    ],
)
def test_tokens_are_masked_whoever_logs_them(secret: str) -> None:
    record = logging.makeLogRecord({"msg": "calling with %s", "args": (secret,)})
    RedactSecrets().filter(record)
    assert secret.split()[-1][6:] not in record.getMessage()
    assert "***" in record.getMessage()


def test_json_lines_carry_the_request_fields(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(LogFormat.json)
    logging.getLogger("bot.requests").info(
        "slack request", extra={"what": "command:/revops-request", "team": "T1", "ms": 4.2}
    )
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["message"] == "slack request"
    assert (line["what"], line["team"], line["ms"], line["level"]) == (
        "command:/revops-request",
        "T1",
        4.2,
        "INFO",
    )


def test_each_slack_request_logs_one_line_without_secrets(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.requests")
    bot.command("/revops-unknown", "x", user="U2")
    bot.event({"type": "app_home_opened", "user": "U1", "tab": "home"})
    bot.fake.wait_for("views.publish")
    lines = [r for r in caplog.records if r.name == "bot.requests"]
    assert [(r.what, r.team, r.outcome) for r in lines] == [  # type: ignore[attr-defined]
        ("command:/revops-unknown", "T1", 200),
        ("event:app_home_opened", "T1", 200),
    ]
    assert lines[0].user == "U2" and isinstance(lines[0].ms, float)  # type: ignore[attr-defined]
    text = "\n".join(record.getMessage() + str(vars(record)) for record in caplog.records)
    assert "xoxb-test" not in text and SIGNING_SECRET not in text


def test_a_long_message_is_cut_and_bolt_never_logs_a_refused_body() -> None:
    long = logging.makeLogRecord({"name": "somewhere", "msg": "x" * 10_000_000})
    CapLongMessages().filter(long)
    assert len(long.getMessage()) < 2100 and long.getMessage().endswith("not logged]")

    refused = logging.makeLogRecord(
        {
            "name": "slack_bolt.RequestVerification",
            "msg": "Invalid request signature detected (signature: v0=1, timestamp: 1, body: %s)",
            "args": ("payload=" + "x" * 5000,),
        }
    )
    CapLongMessages().filter(refused)
    assert refused.getMessage() == (
        "Invalid request signature detected (signature: v0=1, timestamp: 1, "
        "body of 5008 characters not logged)"
    )


@pytest.mark.parametrize("log_format", [LogFormat.text, LogFormat.json])
def test_times_are_iso_8601_in_utc_with_the_zone(
    log_format: LogFormat, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(log_format)
    before = datetime.now(UTC)
    logging.getLogger("bot.jobs").info("job tick")
    line = capsys.readouterr().err.strip().splitlines()[-1]
    stamp = json.loads(line)["time"] if log_format is LogFormat.json else line.split(" ", 1)[0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", stamp), line
    when = datetime.fromisoformat(stamp)
    assert when.utcoffset() == timedelta(0)
    assert abs(when - before) < timedelta(seconds=5)


def test_idle_ticks_log_at_debug_and_ticks_that_plan_at_info(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.intake.helpers import set_up_intake, working_days_from_now

    set_up_intake(bot)
    caplog.set_level(logging.DEBUG, logger="bot.jobs")
    bot.runtime.runner.tick("weekly-digest")  # nobody subscribed: nothing to do
    bot.runtime.runner.tick("intake-run-report", now=working_days_from_now(1), forced=True)
    bot.idle()
    ticks = {
        record.what: record.levelname  # type: ignore[attr-defined]
        for record in caplog.records
        if record.getMessage() == "job tick"
    }
    assert ticks == {"weekly-digest": "DEBUG", "intake-run-report": "INFO"}
