"""The `revops-bot` command: serve, clock, db upgrade, jobs."""

from __future__ import annotations

import argparse
import atexit
import getpass
import json
import logging
import os
import shutil
import signal
import sys
import tempfile
import textwrap
import traceback
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import SQLAlchemyError

from bot import __version__
from bot.db import build_engine
from bot.db.migrations import current_heads, describe, expected_heads, status, upgrade
from bot.error_reporting import start_error_reporting
from bot.logs import configure_logging
from bot.settings import (
    DatabaseSettings,
    LogLevel,
    Settings,
    SettingsError,
    SlackMode,
    load_settings,
)

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.scheduling.kinds import JobKind

logger = logging.getLogger("bot.cli")

EXIT_RUNTIME_ERROR = 1
EXIT_CONFIG_ERROR = 2


class StartupError(Exception):
    """The process cannot start; the message is the one line the operator reads."""


# `jobs run` waits this long at most for the messages its tick owed to go out.
OUTBOX_DRAIN_SECONDS = 30.0


class UsageError(Exception):
    """The command names something that does not exist (exit 2); the message says what does."""


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


def _reason(error: BaseException) -> str:
    """The first line of what went wrong, without the SQL or the wrapped exception's repr."""
    cause: Any = getattr(error, "orig", None) or getattr(error, "reason", None) or error
    text = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
    return text[:300]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="revops-bot")
    _describe(parser)
    parser.add_argument("--version", action="version", version=f"revops-bot {__version__}")
    parser.add_argument("--debug", action="store_true", help=DEBUG_HELP)
    commands = _Commands(parser.add_subparsers(title="commands", metavar="COMMAND"))

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
    db_commands = _Commands(
        db.add_subparsers(title="db commands", metavar="DB_COMMAND", required=True)
    )
    db_upgrade = db_commands.add_parser("upgrade", help="apply migrations up to the latest")
    db_upgrade.set_defaults(run=_db_upgrade)
    db_current = db_commands.add_parser(
        "current",
        help="the database's revisions and whether it is at head (exit 0 at head, 1 otherwise)",
    )
    db_current.set_defaults(run=_db_current)

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

    privacy = commands.add_parser("privacy", help="right of access and right to erasure")
    privacy_commands = _Commands(
        privacy.add_subparsers(title="privacy commands", metavar="PRIVACY_COMMAND", required=True)
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
    erase.add_argument(
        "--yes",
        action="store_true",
        help="erase without asking (for scripts; on a terminal you are asked to confirm)",
    )
    export.set_defaults(run=_privacy_export)
    erase.set_defaults(run=_privacy_erase)

    from bot.exports.cli import add_command as add_export_command

    add_export_command(commands)
    return parser


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


def _confirm_installed(runtime: Runtime) -> None:
    from bot.runtime import confirm_token_installation

    confirm_token_installation(runtime)


# ---------------------------------------------------------------- commands


def _serve(args: argparse.Namespace) -> int:
    settings = _settings(args)
    _prepare_metrics_directory(settings)  # before prometheus_client is imported
    from bot.server import GunicornServer

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


def _prepare_metrics_directory(settings: Settings) -> None:
    """Several gunicorn workers count in several processes: prometheus_client then keeps every
    process's values in files under PROMETHEUS_MULTIPROC_DIR, and a scrape of any worker adds
    them up. The operator's directory is emptied of an earlier run's files; without one, a
    private directory is made for this run (and removed at exit). One worker needs none."""
    directory = os.environ.get(METRICS_DIRECTORY_VARIABLE)
    if not directory and settings.web_concurrency == 1:
        return
    if "prometheus_client" in sys.modules:  # too late to switch modes: say so, go on
        logger.warning(
            "metrics: %s set after prometheus_client was imported", METRICS_DIRECTORY_VARIABLE
        )
        return
    if directory:
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):
            stale.unlink(missing_ok=True)
    else:
        path = Path(tempfile.mkdtemp(prefix="revops-bot-metrics-"))
        os.environ[METRICS_DIRECTORY_VARIABLE] = str(path)
        atexit.register(shutil.rmtree, path, ignore_errors=True)
    logger.info("metrics: one directory for every worker", extra={"path": str(path)})


METRICS_DIRECTORY_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def _clock(args: argparse.Namespace) -> int:
    settings = _settings(args)
    engine = _engine(settings)
    _warn_if_not_migrated(engine)
    runtime = _runtime(settings, engine)
    _confirm_installed(runtime)
    scheduler = runtime.scheduler(blocking=True)

    def stop(signum: int, _frame: object) -> NoReturn:
        scheduler.shutdown(wait=False)
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    if settings.metrics_port is not None:
        _serve_clock_metrics(runtime, settings.metrics_port)
    logger.info("clock started", extra={"kinds": sorted(runtime.runner.kinds)})
    scheduler.start()
    return 0


def _serve_clock_metrics(runtime: Runtime, port: int) -> None:
    """The clock's own /metrics (its ticks, their lag, the Web API calls it makes), in a
    thread: a clock has no web server of its own otherwise."""
    import threading

    from werkzeug.serving import make_server

    from bot.web import create_metrics_app

    app = create_metrics_app(token=runtime.metrics_token, collectors=runtime.metrics_collectors())
    try:
        server = make_server("0.0.0.0", port, app, threaded=True)
    except OSError as error:
        raise StartupError(f"METRICS_PORT {port}: cannot listen: {_reason(error)}") from error
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per scrape
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    logger.info("clock metrics served", extra={"port": port})


def _db_upgrade(args: argparse.Namespace) -> int:
    settings = _database_settings(args)
    engine = _engine(settings)
    try:
        unknown = status(engine).unknown
    finally:
        engine.dispose()
    if unknown:
        raise StartupError(
            f"database at {settings.safe_database_url} is at revision {', '.join(sorted(unknown))}"
            ", which this version of revops-bot does not ship: a newer version upgraded it "
            "(see `revops-bot db current`)"
        )
    logging.getLogger("alembic.runtime.migration").setLevel(logging.INFO)  # each step applied
    upgrade(settings.database_url)
    print(f"database at {settings.safe_database_url} is at head")
    return 0


def _db_current(args: argparse.Namespace) -> int:
    """Read only: what `db upgrade` would do, and whether /readyz would say ready."""
    settings = _database_settings(args)
    engine = _engine(settings)
    try:
        where = status(engine)
    finally:
        engine.dispose()
    print(f"database {settings.safe_database_url}")
    for revision in sorted(where.current):
        print(f"    {describe(revision)}")
    if not where.current:
        print("    no revision: an empty database")
    if where.unknown:
        unknown = ", ".join(sorted(where.unknown))
        print(
            f"at head: no, revision {unknown} is not one this version of revops-bot ships: "
            "a newer version upgraded this database (run that version again, or restore the "
            "backup taken before the upgrade)"
        )
        return EXIT_RUNTIME_ERROR
    if where.at_head:
        print("at head: yes")
        return 0
    count = len(where.pending)
    noun = "revision" if count == 1 else "revisions"
    pending = ", ".join(where.pending)
    print(f"at head: no, {count} {noun} to apply ({pending}): run `revops-bot db upgrade`")
    return EXIT_RUNTIME_ERROR


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
    from bot.scheduling.runner import TickReport

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


def _privacy_export(args: argparse.Namespace) -> int:
    from bot.db import session_factory, session_scope
    from bot.privacy import lifecycle
    from bot.privacy import service as privacy

    settings = _database_settings(args)
    engine = _engine(settings)
    now = datetime.now(UTC)
    with session_scope(session_factory(engine)) as session:
        _require_known_workspace(session, args.team)
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
    if not document["tables"]:
        print(f"revops-bot: {document['note']}", file=sys.stderr)
    return 0


def _privacy_erase(args: argparse.Namespace) -> int:
    from bot.db import session_factory, session_scope
    from bot.privacy import service as privacy
    from bot.privacy.pseudonyms import NO_SECRET_KEY_WARNING, key_of

    settings = _database_settings(args)
    engine = _engine(settings)
    with session_scope(session_factory(engine)) as session:
        _require_known_workspace(session, args.team)
        rows = privacy.export_row_count(
            privacy.export_user(
                session=session, team_id=args.team, user_id=args.user, now=datetime.now(UTC)
            )
        )
    if not args.yes:
        _confirm_erasure(args.team, args.user, rows)
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
    if not sum(counts.values()):
        print(
            f"    nothing named {args.user} in workspace {args.team}: "
            "already erased, never seen, or a typo"
        )
    return 0


class NotConfirmed(Exception):
    """An erasure nobody confirmed: nothing was erased."""


def _confirm_erasure(team_id: str, user_id: str, rows: int) -> None:
    """An erasure cannot be undone, and a typo in --user erases someone else: on a terminal,
    say how many rows name the user and have the operator type the id; a script must say
    --yes. Anything else erases nothing (UsageError: exit 2)."""
    if not sys.stdin.isatty():
        raise UsageError(
            f"nothing erased: erasing {user_id} cannot be undone, and standard input is not a "
            "terminal to ask on; pass --yes to erase from a script"
        )
    named = f"{rows} row{'' if rows == 1 else 's'} name{'s' if rows == 1 else ''} {user_id}"
    print(
        f"Erase {user_id} in workspace {team_id}? {named}. This cannot be undone.",
        file=sys.stderr,
    )
    try:
        typed = input(f"Type {user_id} to erase, anything else to stop: ")
    except EOFError:
        typed = ""
    if typed.strip() != user_id:
        raise NotConfirmed(f"nothing erased: {user_id} was not typed")


def _require_known_workspace(session: Any, team_id: str) -> None:
    """A team the bot never saw is a typo, not a person with no data: refuse it (exit 2), before
    anything is written (an audit row would need the workspace)."""
    from bot.workspaces.models import Workspace

    if session.get(Workspace, team_id) is not None:
        return
    known = list(session.scalars(select(Workspace.team_id).order_by(Workspace.team_id).limit(21)))
    listed = ", ".join(known[:20]) + (", …" if len(known) > 20 else "")
    raise UsageError(f"unknown workspace {team_id} (known: {listed or 'none'})")


if __name__ == "__main__":
    sys.exit(main())
