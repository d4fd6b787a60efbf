"""`revops-bot jobs list` and `revops-bot jobs run KIND`: the operators' scheduler commands."""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import Engine

from bot.cli.parsing import _Commands
from bot.cli.startup import (
    EXIT_RUNTIME_ERROR,
    StartupError,
    UsageError,
    _engine,
    _reason,
    _runtime,
    _settings,
)
from bot.settings import Settings, SlackMode

if TYPE_CHECKING:
    from bot.scheduling.kinds import JobKind

# `jobs run` waits this long at most for the messages its tick owed to go out.
OUTBOX_DRAIN_SECONDS = 30.0


def add_command(commands: Any) -> None:
    """Register `jobs` and its commands on the CLI's subcommands."""
    jobs = commands.add_parser("jobs", help="scheduled sends: list them, run one now")
    job_commands = _Commands(
        jobs.add_subparsers(title="jobs commands", metavar="JOBS_COMMAND", required=True)
    )
    jobs_list = job_commands.add_parser("list", help="every kind with its next run per workspace")
    jobs_list.set_defaults(run=_jobs_list)
    jobs_run = job_commands.add_parser(
        "run",
        help="fire one kind now through the delivery ledger (a second run sends nothing new)",
    )
    jobs_run.add_argument("kind", metavar="KIND", help="a kind from `revops-bot jobs list`")
    jobs_run.add_argument("--team", metavar="T", help="only this workspace (Slack team id)")
    jobs_run.add_argument(
        "--now",
        metavar="ISO-TIME",
        type=_instant,
        help="pretend it is this time (ISO 8601; UTC when no offset is given)",
    )
    jobs_run.set_defaults(run=_jobs_run)


def _instant(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _check_slack(settings: Settings) -> None:
    """Slack answers, and takes the bot token when there is one (auth.test; api.test without)."""
    from bot.slack.client import build_client

    try:
        if settings.slack_mode is SlackMode.oauth:
            WebClient(base_url=str(settings.slack_api_url), timeout=10).api_test()
        else:
            build_client(settings).auth_test()
    except SlackApiError as error:
        problem = error.response.get("error") if error.response is not None else error
        raise StartupError(
            f"Slack refused the credentials at {settings.slack_api_url}: {problem}"
        ) from error
    except (SlackClientError, OSError) as error:
        raise StartupError(
            f"Slack unreachable at {settings.slack_api_url}: {_reason(error)}"
        ) from error


def _job_kinds(settings: Settings, engine: Engine) -> dict[str, JobKind]:
    """Every kind the clock ticks (scheduled sends and the outbox's), without Slack: what
    `jobs list` shows and `jobs run` accepts."""
    from bot.db import session_factory
    from bot.runtime import job_kinds, outbox_kinds
    from bot.services import Services
    from bot.slack.client import TeamClients

    services = Services(
        settings=settings, session_factory=session_factory(engine), clients=TeamClients(settings)
    )
    return {kind.name: kind for kind in [*job_kinds(services), *outbox_kinds(services)]}


def _jobs_list(args: argparse.Namespace) -> int:
    """A database read: it works while Slack (or the network to it) is down."""
    from bot.db import session_factory

    settings = _settings(args)
    engine = _engine(settings)
    kinds = _job_kinds(settings, engine)
    from bot.scheduling import describe
    from bot.scheduling.kinds import ScheduledKind
    from bot.scheduling.service import cadence_groups

    with session_factory(engine)() as session:
        for name, kind in sorted(kinds.items()):
            print(describe.kind_line(kind))
            if not isinstance(kind, ScheduledKind):
                print("    due work is found in the domain's data at each tick")
                continue
            lines = describe.team_lines(cadence_groups(session=session, kind=name))
            for line in lines or ["no schedule yet (set up in Slack)"]:
                print(f"    {line}")
    return 0


def _jobs_run(args: argparse.Namespace) -> int:
    settings = _settings(args)
    engine = _engine(settings)
    known = _job_kinds(settings, engine)
    if args.kind not in known:  # refused before any Slack call
        names = ", ".join(sorted(known)) or "none"
        raise UsageError(f"unknown job kind {args.kind!r} (known: {names})")
    _check_slack(settings)
    runtime = _runtime(settings, engine)
    from bot.scheduling.progress import TickProgress
    from bot.scheduling.tick_report import TickReport

    report = TickReport(kind=args.kind)
    progress = TickProgress(report, sys.stderr) if sys.stderr.isatty() else None
    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="jobs-run") as pool:
            tick = pool.submit(
                runtime.runner.tick,
                args.kind,
                now=args.now,
                team_id=args.team,
                forced=True,
                report=report,
            )
            while progress is not None and not tick.done():
                progress.show()
                wait([tick], timeout=PROGRESS_SECONDS)
            tick.result()
        # What the tick's changes owe (a card, a Home tab) goes out before the command exits.
        runtime.wait_idle(timeout=OUTBOX_DRAIN_SECONDS)
    finally:
        if progress is not None:
            progress.finish()
        runtime.close()
    print(f"{args.kind}: " + " ".join(f"{key}={value}" for key, value in report.summary().items()))
    return 0 if report.failed == 0 else EXIT_RUNTIME_ERROR


# How often `jobs run` redraws its progress line on a terminal.
PROGRESS_SECONDS = 0.25
