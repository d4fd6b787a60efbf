"""Transactions and SQL statements per use case: filing a request, accepting it.

    python bench/statements.py [--database-url URL]

Drives the bot as Slack does (signed HTTP to /slack/events, the fake Slack Web API) and counts,
with SQLAlchemy's `begin` and `before_cursor_execute` events, the transactions and statements
run on the request path (HTTP and Bolt listener threads) and, apart, by the delivery of what
the change owes (outbox and background threads). Each path is run once to warm the caches
(member directory, user groups), then measured. Runs against any revision that has
tests/harness.py and tests/intake/helpers.py, so that a before/after comparison uses the same
script.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402

from bot.db.migrations import upgrade  # noqa: E402
from bot.intake.ids import Action, Callback  # noqa: E402
from bot.runtime import build_runtime  # noqa: E402
from bot.settings import Settings, load_settings  # noqa: E402
from tests.harness import BotHarness, bot_environment  # noqa: E402
from tests.intake import helpers  # noqa: E402
from tests.slack import signing  # noqa: E402
from tests.slack.fake_slack import FakeSlack  # noqa: E402

DELIVERY_THREADS = ("outbox", "background", "send-")


class Counts:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.statements: Counter[str] = Counter()
        self.transactions: Counter[str] = Counter()
        self.on = False

    @staticmethod
    def side() -> str:
        """Whose work: the request's (HTTP and listener threads), the delivery's, or the
        benchmark's own reads (the main thread), which are not counted."""
        thread = threading.current_thread()
        if thread.name.startswith(DELIVERY_THREADS):
            return "delivery"
        if thread is threading.main_thread():
            return "driver"
        return "request"

    def statement(self, *_: Any) -> None:
        if self.on:
            with self.lock:
                self.statements[self.side()] += 1

    def begin(self, *_: Any) -> None:
        if self.on:
            with self.lock:
                self.transactions[self.side()] += 1

    @contextmanager
    def measuring(self) -> Any:
        with self.lock:
            self.statements.clear()
            self.transactions.clear()
        self.on = True
        try:
            yield self
        finally:
            self.on = False


def wait_until(condition: Any, timeout: float = 10.0) -> None:
    """The tests' polling helper of the revision under measure (its name changed over time)."""
    import tests.harness as harness

    helper = getattr(helpers, "wait_until", None)
    if helper is not None:
        helper(condition, timeout=timeout)
    else:
        harness.eventually(condition, timeout=timeout)


def settle(bot: BotHarness) -> None:
    """Until the bot is idle (bot.idle where the harness has it; else a quiet half second)."""
    idle = getattr(bot, "idle", None)
    if idle is not None:
        idle()
    else:
        time.sleep(0.5)


def file_one(bot: BotHarness, title: str) -> Any:
    view = helpers.open_filing(bot)
    cards = len(helpers.card_posts(bot))
    response = helpers.submit(bot, Callback.file, view, helpers.filing_values(title=title))
    assert response.status == 200, response.status
    wait_until(lambda: len(helpers.card_posts(bot)) > cards, timeout=10)
    settle(bot)
    return helpers.reload(bot, max_request_id(bot))


def max_request_id(bot: BotHarness) -> int:
    from sqlalchemy import func, select

    from bot.intake.models import IntakeRequest

    with bot.session() as session:
        return int(session.scalar(select(func.max(IntakeRequest.id))) or 0)


def accept_one(bot: BotHarness, request: Any) -> None:
    updates = len(helpers.card_updates(bot, request))
    response = helpers.act(
        bot, Action.accept, Callback.accept, request, helpers.accept_values(hours="3", size=None)
    )
    assert response.status == 200, response.status
    wait_until(lambda: len(helpers.card_updates(bot, request)) > updates, timeout=10)
    settle(bot)


def run(database_url: str | None) -> None:
    with tempfile.TemporaryDirectory() as folder, FakeSlack() as fake:
        url = database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade(url)
        fake.add_user(user_id="U1", real_name="Alice", tz="America/New_York", locale="en-US")
        fake.add_user(user_id="UADMIN", real_name="Ada", is_admin=True, locale="en-GB")
        signing.RESPONSE_URL_BASE = fake.response_url_base
        environment = bot_environment(fake, url)
        bot = BotHarness(build_runtime(load_settings(Settings, **environment)), fake, environment)
        counts = Counts()
        event.listen(bot.runtime.engine, "before_cursor_execute", counts.statement)
        event.listen(bot.runtime.engine, "begin", counts.begin)
        try:
            helpers.set_up_intake(bot)
            accept_one(bot, file_one(bot, "Warm-up"))  # caches warm, as in a running bot
            rows = []
            with counts.measuring():
                request = file_one(bot, "Pipeline by region dashboard")
            rows.append(
                (
                    "filing (command → modal → submit → card)",
                    dict(counts.transactions),
                    dict(counts.statements),
                )
            )
            with counts.measuring():
                accept_one(bot, request)
            rows.append(
                (
                    "accept (button → modal → submit → card)",
                    dict(counts.transactions),
                    dict(counts.statements),
                )
            )
        finally:
            bot.close()
    backend = "PostgreSQL" if database_url else "SQLite"
    print(f"{backend}: transactions and statements per use case, request side | delivery side")
    for name, transactions, statements in rows:
        print(
            f"  {name:45s} transactions {transactions.get('request', 0):3d} |"
            f" {transactions.get('delivery', 0):3d}   statements"
            f" {statements.get('request', 0):4d} | {statements.get('delivery', 0):4d}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a PostgreSQL URL (default: a SQLite file)")
    args = parser.parse_args()
    run(args.database_url)


if __name__ == "__main__":
    main()
