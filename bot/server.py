"""`revops-bot serve`: gunicorn (gthread workers) in front of the Flask app.

The bot is built once in the master process, so a bad token or an unreachable database stops
the start with a clear line instead of a loop of dying workers. Each worker then gets fresh
database connections and, unless --no-scheduler, its own scheduler thread (safe because the
ledger, not the process, decides what is sent).
"""

from __future__ import annotations

import gc
import logging
from typing import Any

from gunicorn.app.base import BaseApplication
from sqlalchemy.exc import SQLAlchemyError

from bot import metrics
from bot.runtime import Runtime
from bot.settings import SlackMode

logger = logging.getLogger(__name__)


class GunicornServer(BaseApplication):
    def __init__(self, runtime: Runtime, *, with_scheduler: bool) -> None:
        self.runtime = runtime
        self.with_scheduler = with_scheduler
        self._started: list[Any] = []
        super().__init__()

    def load_config(self) -> None:
        settings = self.runtime.settings
        options = {
            "bind": f"0.0.0.0:{settings.port}",
            "workers": settings.web_concurrency,
            "worker_class": "gthread",
            "threads": settings.web_threads,
            "timeout": 30,
            "graceful_timeout": 20,
            "keepalive": 5,
            "proc_name": "revops-bot",
            "accesslog": None,  # bot.requests logs one line per Slack request
            "errorlog": "-",
            "loglevel": "warning",
            "post_fork": self._post_fork,
            "post_worker_init": self._post_worker_init,
            "worker_exit": self._worker_exit,
            "child_exit": self._child_exit,
        }
        for key, value in options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        web_app = self.runtime.web_app
        # Everything imported and built so far lives as long as the process: keep the cyclic
        # garbage collector from walking it again and again (pauses of ~100 ms under load),
        # and keep the pages shared with forked workers (copy-on-write).
        gc.collect()
        gc.freeze()
        return web_app

    def _post_fork(self, server: Any, worker: Any) -> None:
        # Connections opened by the master must not be shared with a forked worker.
        self.runtime.engine.dispose(close=False)

    def _post_worker_init(self, worker: Any) -> None:
        settings = self.runtime.settings
        try:  # messages owed by a process that died are delivered from here too
            self.runtime.outbox.sweep()
        except SQLAlchemyError as error:  # not migrated yet, or unreachable: /readyz says so
            logger.warning(
                "outbox not swept at start-up (%s); the clock picks up what is owed",
                type(getattr(error, "orig", None) or error).__name__,
            )
        if self.with_scheduler:
            scheduler = self.runtime.scheduler(blocking=False)
            scheduler.start()
            self._started.append(scheduler)
        if settings.slack_mode is SlackMode.socket:
            from bot.slack.client import build_client
            from bot.slack.socket_mode import socket_mode_handler

            assert settings.slack_app_token is not None
            handler = socket_mode_handler(
                self.runtime.bolt_app,
                app_token=settings.slack_app_token.get_secret_value(),
                web_client=build_client(settings),
            )
            handler.connect()
            self._started.append(handler)

    def _child_exit(self, server: Any, worker: Any) -> None:
        metrics.mark_process_dead(worker.pid)  # in the master: that worker's gauges are gone

    def _worker_exit(self, server: Any, worker: Any) -> None:
        for started in self._started:
            if hasattr(started, "shutdown"):
                started.shutdown(wait=False)
            else:
                started.close()
