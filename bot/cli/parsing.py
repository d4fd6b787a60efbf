"""What every subcommand's parser shares: --debug before or after its own arguments, and the
description and examples of bot/cli_help.py."""

from __future__ import annotations

import argparse
import textwrap
from typing import Any

DEBUG_HELP = "on an error, print the traceback too (as LOG_LEVEL=DEBUG does)"


class _Commands:
    """Subcommands that all accept --debug, before or after their own arguments."""

    def __init__(self, subparsers: Any) -> None:
        self._subparsers = subparsers
        self._debug = argparse.ArgumentParser(add_help=False)
        # SUPPRESS: a subcommand must not reset a --debug given before its name.
        self._debug.add_argument(
            "--debug", action="store_true", default=argparse.SUPPRESS, help=DEBUG_HELP
        )

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = self._subparsers.add_parser(
            name, parents=[self._debug], **kwargs
        )
        _describe(parser)
        return parser


def _describe(parser: argparse.ArgumentParser) -> None:
    """The command's description and examples (bot/cli_help.py), found by its name."""
    from bot.cli_help import COMMANDS

    described = COMMANDS.get(parser.prog.removeprefix("revops-bot").strip())
    if described is not None:
        parser.description = textwrap.fill(described.description, width=79)
        parser.epilog = described.epilog
        parser.formatter_class = argparse.RawDescriptionHelpFormatter
