"""The composition root: settings in, a wired bot out (engine, Bolt app, web app, scheduler).

The CLI, the tests and the benchmarks all build the bot through `build_runtime`, so what they
run is what production runs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

from apscheduler.schedulers.base import BaseScheduler
from flask import Flask
from prometheus_client.registry import Collector
from slack_bolt import App
from slack_sdk.errors import SlackClientError
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.app import create_app
from bot.celebrations import handlers as celebrations_handlers
from bot.celebrations import jobs as celebrations_jobs
from bot.celebrations import messages as celebrations_messages
from bot.celebrations import webhooks as celebrations_webhooks
from bot.db import build_engine, session_factory, session_scope
from bot.digests import handlers as digests_handlers
from bot.digests import jobs as digests_jobs
from bot.digests import messages as digests_messages
from bot.executors import Idles, TrackedExecutor, wait_all_idle
from bot.exports import handlers as exports_handlers
from bot.exports import messages as exports_messages
from bot.home import handlers as home_handlers
from bot.home import messages as home_messages
from bot.intake import handlers as intake_handlers
from bot.intake import jobs as intake_jobs
from bot.intake import messages as intake_messages
from bot.outbox.dispatcher import Dispatcher
from bot.outbox.kinds import OutboxKind
from bot.privacy import handlers as privacy_handlers
from bot.privacy import jobs as privacy_jobs
from bot.privacy import lifecycle
from bot.privacy import messages as privacy_messages
from bot.privacy.secrets import EncryptedInstallationStore, TokenCipher, fernet_for
from bot.projects import handlers as projects_handlers
from bot.projects import jobs as projects_jobs
from bot.projects import messages as projects_messages
from bot.projects import webhooks as projects_webhooks
from bot.scheduling import handlers as scheduling_handlers
from bot.scheduling.budget import SharedBudget
from bot.scheduling.clock import build_scheduler
from bot.scheduling.kinds import JobKind
from bot.scheduling.metrics import DeliveryCollector
from bot.scheduling.runner import Runner
from bot.services import Services
from bot.settings import Settings, SlackMode
from bot.slack.client import TeamClients, build_client
from bot.slack.sender import Pacer, RateLimits, Sender
from bot.trackers import handlers as trackers_handlers
from bot.trackers import jobs as trackers_jobs
from bot.trackers import messages as trackers_messages
from bot.trackers import webhooks as trackers_webhooks
from bot.web import WebhookRoutes, create_web_app
from bot.workspaces import handlers as workspace_handlers
from bot.workspaces.service import ensure_workspace

logger = logging.getLogger(__name__)

# Domains, in the order their listeners are matched. A domain module may also define
# `kinds(services)` (scheduled sends) in its jobs module and `routes(services)` for webhooks.
HANDLER_MODULES: list[Any] = [
    workspace_handlers,
    scheduling_handlers,
    intake_handlers,
    trackers_handlers,
    projects_handlers,
    celebrations_handlers,
    digests_handlers,
    privacy_handlers,
    exports_handlers,
    home_handlers,
]
JOB_MODULES: list[ModuleType] = [
    intake_jobs,
    trackers_jobs,
    projects_jobs,
    celebrations_jobs,
    digests_jobs,
    privacy_jobs,
]
WEBHOOK_MODULES: list[ModuleType] = [projects_webhooks, celebrations_webhooks, trackers_webhooks]


def outbox_kinds(services: Services) -> list[OutboxKind]:
    """Every kind of message a change owes, in delivery order: a card before the notes in its
    thread, Home tabs last (they show what the rest did)."""
    return [
        *intake_messages.kinds(),
        *trackers_messages.kinds(),
        *projects_messages.kinds(),
        *celebrations_messages.kinds(),
        *digests_messages.kinds(),
        *privacy_messages.kinds(),
        *exports_messages.kinds(),
        home_messages.HomeKind(services),
    ]


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    services: Services
    bolt_app: App
    runner: Runner
    outbox: Dispatcher
    _web: Flask | None = field(default=None, init=False)

    @property
    def web_app(self) -> Flask:
        if self._web is None:
            routes: list[WebhookRoutes] = [
                module.routes(self.services) for module in WEBHOOK_MODULES
            ]
            self._web = create_web_app(
                self.bolt_app,
                engine=self.engine,
                webhook_routes=routes,
                metrics_token=self.metrics_token,
                metrics_collectors=self.metrics_collectors(),
            )
        return self._web

    @property
    def metrics_token(self) -> str | None:
        token = self.settings.metrics_token
        return token.get_secret_value() if token else None

    def metrics_collectors(self) -> list[Collector]:
        """What a scrape reads from the database: the delivery ledger."""
        return [DeliveryCollector(self.services.session_factory, list(self.runner.kinds))]

    def scheduler(self, *, blocking: bool) -> BaseScheduler:
        return build_scheduler(self.runner, blocking=blocking)

    def idle_parts(self) -> list[Idles]:
        executor = self.bolt_app.listener_runner.listener_executor
        parts: list[Idles] = [self.services.background, self.outbox]
        if isinstance(executor, TrackedExecutor):
            parts.insert(0, executor)
        return parts

    def close(self) -> None:
        """Stop delivering and close the database connections (a CLI command, a test)."""
        self.outbox.close()
        self.engine.dispose()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Until listeners after their ack, background work and outbox deliveries are all done
        (a send waiting for a retry's backoff does not count)."""
        return wait_all_idle(self.idle_parts(), timeout)


def job_kinds(services: Services) -> list[JobKind]:
    kinds: list[JobKind] = []
    for module in JOB_MODULES:
        kinds.extend(module.kinds(services))
    return kinds


def workspace_installed(services: Services, team_id: str, name: str) -> None:
    """A workspace installed (or re-installed) the app: it exists, and its sends are back on."""
    with session_scope(services.session_factory) as session:
        ensure_workspace(session=session, team_id=team_id, name=name)
        lifecycle.mark_reinstalled(session=session, team_id=team_id, now=datetime.now(UTC))


def confirm_token_installation(runtime: Runtime) -> bool:
    """Token and Socket Mode, at start-up of `serve` and `clock`: the bot token works (Bolt
    checked it with auth.test), so its workspace has the app installed. A workspace marked
    uninstalled gets its sends back (a reinstall has no OAuth callback in these modes).
    Returns whether it did."""
    try:
        team_id = runtime.services.clients.token_team_id()
    except SlackClientError as error:
        logger.warning("auth.test failed at start-up: %s", error)
        return False
    if team_id is None:
        return False
    now = datetime.now(UTC)
    try:
        with session_scope(runtime.services.session_factory) as session:
            back = lifecycle.installed_again(
                session=session,
                team_id=team_id,
                seen_at=now,
                now=now,
                evidence="the bot token works at start-up",
            )
    except SQLAlchemyError as error:
        # `serve` may start before `db upgrade` (readyz says so): nothing to bring back yet.
        logger.warning("could not check the workspace at start-up: %s", error.__class__.__name__)
        return False
    if back:
        logger.warning("workspace back: sends resume", extra={"team": team_id})
    return back


def _installation_store(settings: Settings, engine: Engine) -> SQLAlchemyInstallationStore:
    assert settings.slack_client_id is not None
    if settings.secret_key is None:
        return SQLAlchemyInstallationStore(client_id=settings.slack_client_id, engine=engine)
    cipher = TokenCipher(fernet_for(settings.secret_key.get_secret_value()))
    return EncryptedInstallationStore(
        client_id=settings.slack_client_id, engine=engine, cipher=cipher
    )


def build_runtime(settings: Settings, *, engine: Engine | None = None) -> Runtime:
    engine = engine or build_engine(settings.database_url)
    installation_store = None
    if settings.slack_mode is SlackMode.oauth:
        assert settings.slack_client_id is not None
        installation_store = _installation_store(settings, engine)
    services = Services(
        settings=settings,
        session_factory=session_factory(engine),
        clients=TeamClients(settings, installation_store),
    )
    bolt_app = create_app(
        settings,
        services,
        handler_modules=HANDLER_MODULES,
        client=build_client(settings),
        installation_store=installation_store,
        engine=engine,
        on_installed=lambda team_id, name: workspace_installed(services, team_id, name),
    )
    limits = RateLimits(
        per_channel_per_second=settings.send_rate_per_channel_per_second,
        per_team_per_minute=settings.send_rate_per_minute,
    )
    owed = outbox_kinds(services)
    services.owed_kinds = [kind.name for kind in owed]
    runner = Runner(
        services,
        services.clients,
        Sender(Pacer(limits, shared=SharedBudget(services.session_factory, limits).reserve)),
        [*job_kinds(services), *owed],
        send_threads=settings.send_threads,
    )
    outbox = Dispatcher(
        runner,
        [kind.name for kind in owed],
        session_factory=services.session_factory,
        threads=settings.send_threads,
    )
    outbox.watch(services.session_factory)
    return Runtime(
        settings=settings,
        engine=engine,
        services=services,
        bolt_app=bolt_app,
        runner=runner,
        outbox=outbox,
    )
