"""Acks first: work that follows an ack steps aside while other Slack requests await theirs.

Slack gives 3 seconds for an ack, and a modal's trigger lives as long; Python threads share one
interpreter lock. When a burst of commands arrives, the heavy work after the first acks (reading
the database, building a modal) would otherwise slow the acks still to come. A listener calls
`wait_for_answers()` right after `ack()`: it sleeps (up to a bound) until no request is being
answered, then does its work.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

# About the time a burst of acks takes here; far below the 3 s a trigger id lives.
MAX_WAIT_SECONDS = 0.05


class AckGate:
    def __init__(self) -> None:
        self._pending = 0
        self._changed = threading.Condition()

    @contextmanager
    def answering(self) -> Iterator[None]:
        """Wrap the handling of one HTTP request from Slack, up to its answer."""
        with self._changed:
            self._pending += 1
        try:
            yield
        finally:
            with self._changed:
                self._pending -= 1
                if self._pending == 0:
                    self._changed.notify_all()

    def wait_for_answers(self, timeout: float = MAX_WAIT_SECONDS) -> None:
        with self._changed:
            self._changed.wait_for(lambda: self._pending == 0, timeout=timeout)
