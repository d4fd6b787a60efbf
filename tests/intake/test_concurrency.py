"""Two moves at once in one workspace on PostgreSQL: both commit, nobody sees an error.

Every moving transaction locks the workspace's intake settings first, then its request, then
the requests whose ETA it tells anew. With the request locked first, two moves could each hold
a request the other one updates (eta_told) while waiting for the settings row: a deadlock.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

import pytest

from bot.intake import configuration
from bot.intake.ids import Action, Callback
from bot.intake.models import Status
from tests.harness import BotHarness, HttpResult
from tests.intake.helpers import (
    REVOPS_MEMBER,
    accept_values,
    act,
    click,
    file_request,
    note,
    open_modal,
    reload,
    set_up_intake,
    submit,
    wait_until,
)


def test_two_moves_in_one_workspace_at_once_both_commit(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    if bot.runtime.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers (BEGIN IMMEDIATE): no row locks to deadlock on")
    set_up_intake(bot, capacity=20)
    first = file_request(bot, title="Quote blocks a deal", impact="blocks_deal")
    second = file_request(bot, user="U2", title="Tiny tweak", impact="nice_to_have")
    for request in (first, second):
        act(bot, Action.accept, Callback.accept, request, accept_values(hours="8", size=None))
        wait_until(lambda r=request: reload(bot, r.id).eta_told is not None)
    decline_view = open_modal(bot, Action.decline, first)

    # Both transactions meet at their first settings lock before either goes on: each one
    # then updates the other's request (its ETA), the interleaving that used to deadlock.
    barrier = threading.Barrier(2, timeout=3)
    calls = iter(range(1_000))
    real_lock = configuration.lock_settings

    def meeting(**kwargs: Any) -> Any:
        if next(calls) < 2:
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait()
        return real_lock(**kwargs)

    monkeypatch.setattr(configuration, "lock_settings", meeting)
    answers: dict[str, HttpResult] = {}

    def run(name: str, send: Callable[[], HttpResult]) -> None:
        answers[name] = send()

    moves = [
        threading.Thread(
            target=run,
            args=(
                "decline",
                lambda: submit(
                    bot, Callback.decline, decline_view, note("Legal does it"), user=REVOPS_MEMBER
                ),
            ),
        ),
        threading.Thread(target=run, args=("start", lambda: click(bot, Action.start, second))),
    ]
    for thread in moves:
        thread.start()
    for thread in moves:
        thread.join(timeout=15)

    assert answers["decline"].status == 200 and not answers["decline"].body  # modal closed
    assert answers["start"].status == 200
    wait_until(lambda: reload(bot, second.id).status == Status.in_progress)
    assert reload(bot, first.id).status == Status.declined
    assert not [c for c in bot.fake.calls("response_url") if "unavailable" in str(c.args)]
    assert not [m for m in bot.fake.dms_to(REVOPS_MEMBER) if "unavailable" in m.get("text", "")]
