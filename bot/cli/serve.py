"""`revops-bot serve` (the HTTP app, and the scheduler unless --no-scheduler) and
`revops-bot clock` (the scheduler alone): the long-running processes."""

from __future__ import annotations

import argparse
import atexit
import logging
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from bot.cli.startup import (
    StartupError,
    _confirm_installed,
    _engine,
    _reason,
    _runtime,
    _settings,
    _warn_if_not_migrated,
)
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.runtime import Runtime

logger = logging.getLogger("bot.cli")


def add_commands(commands: Any) -> None:
    """Register `serve` and `clock` on the CLI's subcommands."""
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
