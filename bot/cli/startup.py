"""What the commands share: their errors and exit statuses, and their start-up (settings,
logging, the database, the whole bot)."""

from __future__ import annotations

import argparse
import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import SQLAlchemyError

from bot.db import build_engine
from bot.db.migrations import current_heads, expected_heads
from bot.error_reporting import start_error_reporting
from bot.logs import configure_logging
from bot.settings import DatabaseSettings, LogLevel, Settings, load_settings

if TYPE_CHECKING:
    from bot.runtime import Runtime

logger = logging.getLogger("bot.cli")

EXIT_RUNTIME_ERROR = 1
EXIT_CONFIG_ERROR = 2


class StartupError(Exception):
    """The process cannot start; the message is the one line the operator reads."""


class UsageError(Exception):
    """The command names something that does not exist (exit 2); the message says what does."""


def _reason(error: BaseException) -> str:
    """The first line of what went wrong, without the SQL or the wrapped exception's repr."""
    cause: Any = getattr(error, "orig", None) or getattr(error, "reason", None) or error
    text = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
    return text[:300]


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings(Settings)
    args.settings = settings
    _configure_logging(args, settings)
    return settings


def _database_settings(args: argparse.Namespace) -> DatabaseSettings:
    settings = load_settings(DatabaseSettings)
    args.settings = settings
    _configure_logging(args, settings)
    return settings


def _configure_logging(args: argparse.Namespace, settings: DatabaseSettings) -> None:
    level = LogLevel.debug if getattr(args, "debug", False) else settings.log_level
    configure_logging(settings.log_format, level.number)
    start_error_reporting(settings.sentry_dsn)  # SENTRY_DSN set: errors go to Sentry too


def _engine(settings: DatabaseSettings) -> Engine:
    engine = build_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        raise StartupError(
            f"database unreachable at {settings.safe_database_url}: {_reason(error)}"
        ) from error
    return engine


def _warn_if_not_migrated(engine: Engine) -> None:
    if current_heads(engine) != expected_heads():
        logger.warning("database schema is not at head: run `revops-bot db upgrade`")


def _runtime(settings: Settings, engine: Engine) -> Runtime:
    """The whole bot; in token mode Bolt checks the token with auth.test on the way."""
    from bot.runtime import build_runtime

    try:
        return build_runtime(settings, engine=engine)
    except (BoltError, SlackApiError) as error:
        raise StartupError(
            f"Slack refused the credentials at {settings.slack_api_url}: {error}"
        ) from error
    except (SlackClientError, OSError) as error:
        raise StartupError(
            f"Slack unreachable at {settings.slack_api_url}: {_reason(error)}"
        ) from error


def _confirm_installed(runtime: Runtime) -> None:
    from bot.runtime import confirm_token_installation

    confirm_token_installation(runtime)


def _require_known_workspace(session: Any, team_id: str) -> None:
    """A team the bot never saw is a typo, not a person with no data: refuse it (exit 2), before
    anything is written (an audit row would need the workspace)."""
    from bot.workspaces.models import Workspace

    if session.get(Workspace, team_id) is not None:
        return
    known = list(session.scalars(select(Workspace.team_id).order_by(Workspace.team_id).limit(21)))
    listed = ", ".join(known[:20]) + (", …" if len(known) > 20 else "")
    raise UsageError(f"unknown workspace {team_id} (known: {listed or 'none'})")
