"""The `revops-bot` command: serve, clock, db upgrade, jobs."""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import signal
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from slack_bolt.error import BoltError
from slack_sdk.errors import SlackClientError
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from bot import __version__
from bot.db import build_engine
from bot.db.migrations import current_heads, expected_heads, upgrade
from bot.logs import configure_logging
from bot.settings import DatabaseSettings, Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from bot.runtime import Runtime

logger = logging.getLogger("bot.cli")

EXIT_RUNTIME_ERROR = 1
EXIT_CONFIG_ERROR = 2


class StartupError(Exception):
    """The process cannot start; the message is the one line the operator reads."""


# `jobs run` waits this long at most for the messages its tick owed to go out.
OUTBOX_DRAIN_SECONDS = 30.0


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return EXIT_CONFIG_ERROR
    try:
        return int(args.run(args) or 0)
    except SettingsError as error:
        return _fail(str(error), EXIT_CONFIG_ERROR)
    except StartupError as error:
        return _fail(str(error), EXIT_RUNTIME_ERROR)


def _fail(message: str, status: int) -> int:
    print(f"revops-bot: {message}", file=sys.stderr)
    return status


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="revops-bot", description="A Slack bot for Revenue Operations teams."
    )
    parser.add_argument("--version", action="version", version=f"revops-bot {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    serve = commands.add_parser(
        "serve", help="run the HTTP app (and the scheduler, unless --no-scheduler)"
    )
    serve.add_argument(
        "--no-scheduler",
        action="store_true",
        help="web only: leave scheduled sends to a `revops-bot clock` process",
    )
    serve.set_defaults(run=_serve)

    clock = commands.add_parser("clock", help="run only the scheduler (scheduled sends)")
    clock.set_defaults(run=_clock)

    db = commands.add_parser("db", help="database commands")
    db_commands = db.add_subparsers(title="db commands", metavar="DB_COMMAND", required=True)
    db_upgrade = db_commands.add_parser("upgrade", help="apply migrations up to the latest")
    db_upgrade.set_defaults(run=_db_upgrade)

    jobs = commands.add_parser("jobs", help="scheduled sends: list them, run one now")
    job_commands = jobs.add_subparsers(title="jobs commands", metavar="JOBS_COMMAND", required=True)
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

    privacy = commands.add_parser("privacy", help="right of access and right to erasure")
    privacy_commands = privacy.add_subparsers(
        title="privacy commands", metavar="PRIVACY_COMMAND", required=True
    )
    export = privacy_commands.add_parser(
        "export", help="every row that names a user, as one JSON document"
    )
    erase = privacy_commands.add_parser(
        "erase", help="erase or pseudonymise every personal field of a user (audited)"
    )
    for command in (export, erase):
        command.add_argument("--team", metavar="T", required=True, help="Slack team id")
        command.add_argument("--user", metavar="U", required=True, help="Slack user id")
        command.add_argument(
            "--by",
            metavar="NAME",
            default=_os_user(),
            help="who asks, for the audit trail (default: the OS user, %(default)s)",
        )
    export.add_argument("--out", metavar="FILE", help="write here instead of standard output")
    export.set_defaults(run=_privacy_export)
    erase.set_defaults(run=_privacy_erase)
    return parser


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a bare container)
        return "unknown"


def _cli_actor(by: str) -> str:
    """The audit trail's actor for an operator at the command line."""
    return f"cli:{by}"[:64]


def _instant(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# ---------------------------------------------------------------- shared start-up


def _settings() -> Settings:
    settings = load_settings(Settings)
    configure_logging(settings.log_format)
    return settings


def _engine(settings: DatabaseSettings) -> Engine:
    engine = build_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise StartupError(
            f"database unreachable at {settings.safe_database_url}: {reason}"
        ) from None
    return engine


def _warn_if_not_migrated(engine: Engine) -> None:
    if current_heads(engine) != expected_heads():
        logger.warning("database schema is not at head: run `revops-bot db upgrade`")


def _runtime(settings: Settings, engine: Engine) -> Runtime:
    from bot.runtime import build_runtime

    try:
        return build_runtime(settings, engine=engine)
    except (BoltError, SlackClientError) as error:
        raise StartupError(
            f"Slack refused the credentials at {settings.slack_api_url}: {error}"
        ) from None


def _confirm_installed(runtime: Runtime) -> None:
    from bot.runtime import confirm_token_installation

    confirm_token_installation(runtime)


# ---------------------------------------------------------------- commands


def _serve(args: argparse.Namespace) -> int:
    from bot.server import GunicornServer

    settings = _settings()
    engine = _engine(settings)
    _warn_if_not_migrated(engine)
    runtime = _runtime(settings, engine)
    _confirm_installed(runtime)
    logger.info(
        "serving",
        extra={
            "port": settings.port,
            "mode": settings.slack_mode.value,
            "scheduler": not args.no_scheduler,
        },
    )
    GunicornServer(runtime, with_scheduler=not args.no_scheduler).run()
    return 0


def _clock(args: argparse.Namespace) -> int:
    settings = _settings()
    engine = _engine(settings)
    _warn_if_not_migrated(engine)
    runtime = _runtime(settings, engine)
    _confirm_installed(runtime)
    scheduler = runtime.scheduler(blocking=True)

    def stop(signum: int, _frame: object) -> NoReturn:
        scheduler.shutdown(wait=False)
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    logger.info("clock started", extra={"kinds": sorted(runtime.runner.kinds)})
    scheduler.start()
    return 0


def _db_upgrade(args: argparse.Namespace) -> int:
    settings = load_settings(DatabaseSettings)
    configure_logging(settings.log_format)
    engine = _engine(settings)
    engine.dispose()
    logging.getLogger("alembic.runtime.migration").setLevel(logging.INFO)  # each step applied
    upgrade(settings.database_url)
    print(f"database at {settings.safe_database_url} is at head")
    return 0


def _jobs_list(args: argparse.Namespace) -> int:
    settings = _settings()
    runtime = _runtime(settings, _engine(settings))
    with runtime.services.session_factory() as session:
        for name, kind in sorted(runtime.runner.kinds.items()):
            print(f"{name}  (ticks every {kind.tick_seconds}s, grace {kind.grace})")
            runs = kind.next_runs(session)
            if not runs:
                print("    no schedule: due work is found in the domain's data at each tick")
            for team, next_run, count in runs:
                when = next_run.isoformat() if next_run else "-"
                print(f"    {team}: next run {when} ({count} schedules)")
    return 0


def _jobs_run(args: argparse.Namespace) -> int:
    settings = _settings()
    runtime = _runtime(settings, _engine(settings))
    if args.kind not in runtime.runner.kinds:
        known = ", ".join(sorted(runtime.runner.kinds)) or "none"
        return _fail(f"unknown job kind {args.kind!r} (known: {known})", EXIT_CONFIG_ERROR)
    try:
        report = runtime.runner.tick(args.kind, now=args.now, team_id=args.team, forced=True)
        # What the tick's changes owe (a card, a Home tab) goes out before the command exits.
        runtime.wait_idle(timeout=OUTBOX_DRAIN_SECONDS)
    finally:
        # Run in-process (tests, an operator's script), the dispatcher's threads would keep
        # the engine and its pooled connections alive after the command returned.
        runtime.outbox.close()
        runtime.engine.dispose()
    print(" ".join(f"{key}={value}" for key, value in report.summary().items()))
    return 0 if report.failed == 0 else EXIT_RUNTIME_ERROR


def _privacy_export(args: argparse.Namespace) -> int:
    from bot.db import session_factory, session_scope
    from bot.privacy import lifecycle
    from bot.privacy import service as privacy

    settings = load_settings(DatabaseSettings)
    configure_logging(settings.log_format)
    engine = _engine(settings)
    now = datetime.now(UTC)
    with session_scope(session_factory(engine)) as session:
        document = privacy.export_user(
            session=session, team_id=args.team, user_id=args.user, now=now
        )
        lifecycle.audit(
            session=session,
            team_id=args.team,
            action="export",
            actor=_cli_actor(args.by),
            subject=args.user,
            now=now,
            details={"rows": privacy.export_row_count(document)},
        )
    text = json.dumps(document, indent=2, ensure_ascii=False)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return 0


def _privacy_erase(args: argparse.Namespace) -> int:
    from bot.db import session_factory, session_scope
    from bot.privacy import service as privacy
    from bot.privacy.pseudonyms import NO_SECRET_KEY_WARNING, key_of

    settings = load_settings(DatabaseSettings)
    configure_logging(settings.log_format)
    engine = _engine(settings)
    secret = key_of(settings.secret_key)
    if secret is None:
        print(f"revops-bot: warning: {NO_SECRET_KEY_WARNING}", file=sys.stderr)
    with session_scope(session_factory(engine)) as session:
        counts = privacy.erase_user(
            session=session,
            team_id=args.team,
            user_id=args.user,
            actor=_cli_actor(args.by),
            now=datetime.now(UTC),
            secret=secret,
        )
    alias = privacy.pseudonym(team_id=args.team, user_id=args.user, secret=secret)
    print(f"{args.user} is now {alias}: {sum(counts.values())} fields changed")
    for field, count in sorted(counts.items()):
        print(f"    {field}: {count}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
