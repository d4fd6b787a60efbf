"""Logging: one line per Slack request and per job, text or JSON, never a secret."""

from __future__ import annotations

import logging
import re
import sys
from datetime import UTC, datetime

from pythonjsonlogger.json import JsonFormatter

from bot.settings import LogFormat

# Slack tokens (bot, user, app-level, refresh) and bearer credentials.
_SECRET = re.compile(r"\b(xox[abposr]-|xoxe\.xox[bp]-|xapp-)[A-Za-z0-9-]+|(Bearer\s+)\S+")


def _mask(match: re.Match[str]) -> str:
    return (match.group(1) or match.group(2)) + "***"


def mask_secrets(text: str) -> str:
    """Slack tokens and bearer credentials in `text`, masked."""
    return _SECRET.sub(_mask, text)


class RedactSecrets(logging.Filter):
    """Masks tokens in any record, whoever logged it (our code, Bolt, slack_sdk, urllib)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = mask_secrets(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


MAX_MESSAGE_CHARS = 2000


class CapLongMessages(logging.Filter):
    """No message longer than MAX_MESSAGE_CHARS, whoever logs it: a library that logs what it
    was sent (Bolt logs the whole body of a request that fails its signature check) must not
    write a line of megabytes. Bolt's line about a refused request loses its body altogether:
    the HTTP app's own line already says what was refused and why (bot/http_limits.py)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.name == "slack_bolt.RequestVerification" and ", body: " in message:
            kept, body = message.split(", body: ", 1)
            record.msg = f"{kept}, body of {len(body.removesuffix(')'))} characters not logged)"
            record.args = None
        elif len(message) > MAX_MESSAGE_CHARS:
            dropped = len(message) - MAX_MESSAGE_CHARS
            record.msg = f"{message[:MAX_MESSAGE_CHARS]}… [{dropped} more characters not logged]"
            record.args = None
        return True


class DropKnownNoise(logging.Filter):
    """Bolt warns at every start that SLACK_BOT_TOKEN is unused when a client is given: the
    client we give carries that token (and our base URL and retry policy)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            record.name == "slack_bolt.App" and "`token` will be unused" in record.getMessage()
        )


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
_STANDARD_ATTRIBUTES = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def iso_utc(record: logging.LogRecord) -> str:
    """The record's time in ISO 8601, UTC, with its zone: 2026-12-04T19:24:15.344Z. Hosts in
    different zones (or a container without one) then write times that compare as they read."""
    moment = datetime.fromtimestamp(record.created, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class UtcIsoTimes(logging.Formatter):
    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return iso_utc(record)


class JsonLines(JsonFormatter):
    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return iso_utc(record)


class KeyValueFormatter(UtcIsoTimes):
    """Text lines with the record's extra fields appended as key=value, in a stable order."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = {k: v for k, v in vars(record).items() if k not in _STANDARD_ATTRIBUTES}
        if extras:
            line += " " + " ".join(f"{key}={value}" for key, value in extras.items())
        return line


def configure_logging(log_format: LogFormat, level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if log_format is LogFormat.json:
        handler.setFormatter(
            JsonLines(
                "%(asctime)s %(levelname)s %(name)s %(message)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(KeyValueFormatter(TEXT_FORMAT))
    handler.addFilter(RedactSecrets())
    handler.addFilter(CapLongMessages())
    handler.addFilter(DropKnownNoise())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Our own lines say what each job tick did; these would repeat it at every tick, and
    # /readyz would log Alembic's context set-up at every probe.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)
