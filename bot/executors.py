"""Thread pools that can say when they are idle.

Work that follows an ack (Bolt's listener threads, the background pool) and outbox delivery run
in threads; a test, or `jobs run` before it exits, waits until they have nothing left to do
instead of sleeping an arbitrary time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol


class Idles(Protocol):
    @property
    def idle(self) -> bool: ...

    def wait_idle(self, timeout: float) -> bool: ...


class IdleTracker:
    """Counts work in flight; `wait_idle` returns once it is zero."""

    def __init__(self) -> None:
        self._busy = 0
        self._changed = threading.Condition()

    def started(self) -> None:
        with self._changed:
            self._busy += 1

    def finished(self) -> None:
        with self._changed:
            self._busy -= 1
            if self._busy == 0:
                self._changed.notify_all()

    @property
    def idle(self) -> bool:
        with self._changed:
            return self._busy == 0

    def wait_idle(self, timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self._busy == 0, timeout=timeout)


class TrackedExecutor(ThreadPoolExecutor):
    """A ThreadPoolExecutor that knows how many of its tasks are queued or running."""

    def __init__(self, max_workers: int, thread_name_prefix: str = "") -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix=thread_name_prefix)
        self.tracker = IdleTracker()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.tracker.started()
        try:
            future = super().submit(fn, *args, **kwargs)
        except BaseException:
            self.tracker.finished()
            raise
        future.add_done_callback(lambda _: self.tracker.finished())
        return future

    @property
    def idle(self) -> bool:
        return self.tracker.idle

    def wait_idle(self, timeout: float) -> bool:
        return self.tracker.wait_idle(timeout)


def wait_all_idle(parts: list[Idles], timeout: float) -> bool:
    """Wait until every part is idle at the same moment (one part's work may feed another's)."""
    deadline = time.monotonic() + timeout
    while True:
        for part in parts:
            if not part.wait_idle(max(deadline - time.monotonic(), 0)):
                return False
        if all(part.idle for part in parts):
            return True
        if time.monotonic() >= deadline:
            return False
