"""The `revops-bot` command: serve, clock, db, jobs, privacy, export.

This module parses the command line and turns whatever goes wrong into one line and an exit
status; each group of commands lives in a module of its own (serve.py, database.py, jobs.py,
privacy.py; `export` in bot/exports/cli.py), and what they share in startup.py and parsing.py.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from typing import TypeVar

from slack_sdk.errors import SlackClientError
from sqlalchemy.exc import SQLAlchemyError

from bot import __version__
from bot.cli import database, jobs, privacy, serve
from bot.cli.parsing import DEBUG_HELP, _Commands, _describe
from bot.cli.privacy import NotConfirmed
from bot.cli.startup import (
    EXIT_CONFIG_ERROR,
    EXIT_RUNTIME_ERROR,
    StartupError,
    UsageError,
    _reason,
)
from bot.settings import DatabaseSettings, LogLevel, Settings, SettingsError


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command. Whatever goes wrong ends as one line on stderr and a non-zero exit:
    2 for a configuration or usage mistake, 1 for what is unreachable or failed. With --debug
    (or LOG_LEVEL=DEBUG) the traceback follows the line, for whoever wants it."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return EXIT_CONFIG_ERROR
    try:
        return int(args.run(args) or 0)
    except SettingsError as error:
        return _fail(str(error), EXIT_CONFIG_ERROR)
    except UsageError as error:
        return _fail(str(error), EXIT_CONFIG_ERROR)
    except NotConfirmed as error:
        return _fail(str(error), EXIT_RUNTIME_ERROR)
    except StartupError as error:
        return _fail(str(error), EXIT_RUNTIME_ERROR, debug=_debug(args))
    except SQLAlchemyError as error:
        where = _loaded(args, DatabaseSettings)
        url = where.safe_database_url if where else "DATABASE_URL"
        message = f"database error at {url}: {_reason(error)}"
        return _fail(message, EXIT_RUNTIME_ERROR, debug=_debug(args))
    except BrokenPipeError:
        # The reader stopped reading (`revops-bot jobs list | head`): nothing to say. Python's
        # recipe: point stdout at devnull so that the flush at exit does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_RUNTIME_ERROR
    except (SlackClientError, OSError) as error:
        message = f"Slack unreachable at {_slack_url(args)}: {_reason(error)}"
        return _fail(message, EXIT_RUNTIME_ERROR, debug=_debug(args))
    except Exception as error:
        hint = "" if _debug(args) else " (run with --debug for the traceback)"
        message = f"unexpected error: {type(error).__name__}: {_reason(error)}{hint}"
        return _fail(message, EXIT_RUNTIME_ERROR, debug=_debug(args))


def _fail(message: str, status: int, *, debug: bool = False) -> int:
    print(f"revops-bot: {message}", file=sys.stderr)
    if debug and sys.exc_info()[0] is not None:
        traceback.print_exc()
    return status


def _debug(args: argparse.Namespace) -> bool:
    """--debug, or LOG_LEVEL=DEBUG (from the settings when they loaded, else the environment)."""
    if getattr(args, "debug", False):
        return True
    settings = _loaded(args, DatabaseSettings)
    level = settings.log_level.value if settings else os.environ.get("LOG_LEVEL", "")
    return level.upper() == LogLevel.debug.value


SettingsT = TypeVar("SettingsT", bound=DatabaseSettings)


def _loaded(args: argparse.Namespace, kind: type[SettingsT]) -> SettingsT | None:
    settings = getattr(args, "settings", None)
    return settings if isinstance(settings, kind) else None


def _slack_url(args: argparse.Namespace) -> str:
    settings = _loaded(args, Settings)
    return str(settings.slack_api_url) if settings else "SLACK_API_URL"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="revops-bot")
    _describe(parser)
    parser.add_argument("--version", action="version", version=f"revops-bot {__version__}")
    parser.add_argument("--debug", action="store_true", help=DEBUG_HELP)
    commands = _Commands(parser.add_subparsers(title="commands", metavar="COMMAND"))
    serve.add_commands(commands)
    database.add_command(commands)
    jobs.add_command(commands)
    privacy.add_command(commands)

    from bot.exports.cli import add_command as add_export_command

    add_export_command(commands)
    return parser
