"""What an outbox kind is: a ledger kind whose rows are written by flows, not planned by a tick.

The clock still ticks each outbox kind (`tick_seconds`): it recovers claims a dead process left
and sends what no process delivered yet. Interactive messages are retried quickly (2 s, then
doubling up to a minute) and for long (a Slack outage of hours delays them; it does not lose
them); an error no retry cures fails the row at once and shows it to admins.
"""

from __future__ import annotations

from datetime import timedelta

from bot.scheduling.kinds import JobContext, JobKind
from bot.scheduling.service import DueItem

# About a day of trying at the one-minute cap.
OUTBOX_MAX_ATTEMPTS = 1500


class OutboxKind(JobKind):
    tick_seconds = 15
    grace = timedelta(days=7)
    max_attempts = OUTBOX_MAX_ATTEMPTS
    retry_base = timedelta(seconds=2)
    retry_cap = timedelta(minutes=1)

    def plan(self, ctx: JobContext, *, team_id: str | None, forced: bool) -> list[DueItem]:
        return []  # rows come from the flows, in the transactions of the changes that owe them
