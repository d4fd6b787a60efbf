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
        bot.idle()
        assert reload(bot, request.id).eta_told is not None
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
    bot.idle()
    assert reload(bot, second.id).status == Status.in_progress
    assert reload(bot, first.id).status == Status.declined
    assert not [c for c in bot.fake.calls("response_url") if "unavailable" in str(c.args)]
    assert not [m for m in bot.fake.dms_to(REVOPS_MEMBER) if "unavailable" in m.get("text", "")]


def test_a_second_answer_waiting_on_the_lock_sees_the_first_one_and_changes_nothing(
    bot: BotHarness,
) -> None:
    """A thread reply and its Slack retry, handled at once: both read the request (waiting),
    the second one waits for the first one's lock, and must then see the request back with the
    team: no second move. Without a fresh read after the lock it moved it again."""
    if bot.runtime.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises whole transactions (BEGIN IMMEDIATE): no stale read")
    from datetime import UTC, datetime

    from bot.db import session_scope
    from bot.intake import service, service_requester

    set_up_intake(bot)
    request = file_request(bot)
    act(bot, Action.ask_why, Callback.ask_why, request, note("Who will use it?"))
    bot.idle()
    assert reload(bot, request.id).status == Status.waiting
    card = reload(bot, request.id)
    factory = bot.runtime.services.session_factory
    now = datetime.now(UTC)

    def answer(session: Any) -> Any:
        return service_requester.answer_in_thread(
            session=session,
            team_id="T1",
            channel_id=card.card_channel_id or "",
            thread_ts=card.card_ts or "",
            user_id="U1",
            text="The sales managers",
            now=now,
        )

    second_result: list[Any] = []
    second_read = threading.Event()

    def second() -> None:
        with session_scope(factory) as session:
            # Loaded before the first answer commits, as a parallel listener would.
            service.request_for_thread(
                session=session,
                team_id="T1",
                channel_id=card.card_channel_id or "",
                thread_ts=card.card_ts or "",
            )
            second_read.set()
            second_result.append(answer(session))

    with session_scope(factory) as session:
        assert answer(session) is not None  # holds the locks until this block commits
        worker = threading.Thread(target=second)
        worker.start()
        assert second_read.wait(5)
        worker.join(0.5)  # it is waiting on the lock
    worker.join(5)

    assert second_result == [None]
    with session_scope(factory) as session:
        moves = [
            (e.from_status, e.to_status)
            for e in service.history(session=session, team_id="T1", request_id=request.id)
        ]
    assert moves.count((Status.waiting, Status.new)) == 1
