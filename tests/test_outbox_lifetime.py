"""A runtime nobody holds any more is freed with its engine: the outbox's commit listeners do
not keep it alive (every `revops-bot jobs run` run in-process, as tests do, used to leave its
database connections open until the process ended)."""

from __future__ import annotations

import gc
import weakref

from bot.runtime import build_runtime
from bot.settings import Settings, load_settings
from tests.harness import BotHarness


def test_a_dropped_runtime_frees_its_engine(bot_env: dict[str, str]) -> None:
    runtime = build_runtime(load_settings(Settings, **bot_env))
    engine = weakref.ref(runtime.engine)
    with runtime.services.session_factory() as session:  # the commit listeners run
        session.commit()
    del runtime, session
    gc.collect()
    assert engine() is None


def test_a_running_runtime_still_delivers_what_a_commit_owes(bot: BotHarness) -> None:
    """Held weakly by its listeners, the dispatcher still hears every commit while the
    runtime lives."""
    gc.collect()
    bot.event({"type": "app_home_opened", "user": "U1", "tab": "home"})
    bot.idle()
    assert bot.fake.home_of("U1") is not None
