"""What a project update costs the database on its listener path: the Post update button, then
the modal's submission. Counted on the engine with SQLAlchemy's events, for the listener threads
only (the outbox's delivery after the commit runs in its own threads and is not the listener's
work).

Run with `-s` to see the figures: `python -m pytest tests/projects/test_update_cost.py -s`.

Measured with this test (warm directory, SQLite / PostgreSQL):
- before the outbox (e2f1e51): 5 transactions, 21 / 20 statements (button 1 and 4; the
  submission's check, store, update_ts and Home in 4 transactions, with chat.update between);
- with it: 2 transactions, 20 / 19 statements (button 1 and 4; submission 1: checked, stored
  and owed together; the post, its ts and the Home tab are the outbox's, after the commit).
A cold directory adds one read of the member table per step: 7 before, 4 with the outbox.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import Engine, event

from bot.projects.ids import ProjectAction
from tests.harness import BotHarness
from tests.projects.helpers import (
    TUESDAY,
    ack_errors,
    click,
    create_project,
    fire_checkin,
    last_view,
    next_weekday,
    submit,
    today,
    update_values,
)

LISTENER_THREADS = "bolt-listener"
MAX_TRANSACTIONS = 3
# Not a target: an alarm for a loop of queries creeping in (20 on SQLite, 19 on PostgreSQL).
MAX_STATEMENTS = 30


@dataclass
class Cost:
    transactions: int = 0
    commits: int = 0
    statements: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __str__(self) -> str:
        return (
            f"{self.transactions} transactions ({self.commits} committed), "
            f"{len(self.statements)} statements"
        )


def _ours() -> bool:
    return threading.current_thread().name.startswith(LISTENER_THREADS)


@contextmanager
def counting(engine: Engine) -> Iterator[Cost]:
    """Transactions begun and committed, statements run, by the listener threads meanwhile."""
    cost = Cost()

    def begun(connection: Any) -> None:
        if _ours():
            with cost._lock:
                cost.transactions += 1

    def committed(connection: Any) -> None:
        if _ours():
            with cost._lock:
                cost.commits += 1

    def statement(conn: Any, cursor: Any, sql: str, *args: Any) -> None:
        # SQLite's BEGIN IMMEDIATE is the transaction's start, counted above.
        if _ours() and not sql.startswith("BEGIN"):
            with cost._lock:
                cost.statements.append(sql.split("\n", 1)[0][:120])

    event.listen(engine, "begin", begun)
    event.listen(engine, "commit", committed)
    event.listen(engine, "before_cursor_execute", statement)
    try:
        yield cost
    finally:
        event.remove(engine, "begin", begun)
        event.remove(engine, "commit", committed)
        event.remove(engine, "before_cursor_execute", statement)


@pytest.mark.parametrize("directory", ["warm", "cold"])
def test_a_project_update_takes_at_most_three_transactions_on_its_listener_path(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch, directory: str
) -> None:
    """`warm`: the clicker's profile is in the process's short memory (they used the bot in
    the last minute: the normal case). `cold`: it is not, at the click nor at the submission
    (another web process, or a modal left open over a minute): each step reads it once more
    from the member table, outside the flow's transaction."""
    create_project(bot)
    card = fire_checkin(bot, monkeypatch, next_weekday(TUESDAY, after=today()))
    values = update_values(bot, win_rate="24", france="live")
    bot.idle()
    engine = bot.runtime.engine
    cold = directory == "cold"

    def forget() -> None:
        if cold:
            bot.runtime.services.directory.forget(team_id="T1", user_id="U1")

    forget()
    with counting(engine) as button:
        assert click(bot, card, ProjectAction.post_update).status == 200
        bot.idle()
    modal = last_view(bot, 2)
    forget()
    with counting(engine) as submission:
        assert ack_errors(submit(bot, modal, values)) == {}
        bot.idle()

    total = button.transactions + submission.transactions
    statements = len(button.statements) + len(submission.statements)
    print(
        f"\nproject update ({directory} directory), listener threads: button {button}; "
        f"submission {submission}; total {total} transactions, {statements} statements"
    )
    for sql in [*button.statements, *submission.statements]:
        print("   ", sql)
    lookups = 2 if cold else 0  # one read of the member table per step
    assert total <= MAX_TRANSACTIONS + lookups
    assert button.commits == button.transactions and submission.commits == submission.transactions
    assert statements <= MAX_STATEMENTS + lookups
    # The update reached the channel, in place of the check-in card.
    replaced = next(m for m in bot.fake.messages("CPROJ") if m["ts"] == card["ts"])
    assert "First success" in str(replaced["blocks"])
