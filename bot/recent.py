"""Reads a few seconds old, kept in memory: what opening a modal needs and changes rarely.

Opening the filing modal must not wait for the database: a trigger id lives 3 seconds and a
person is watching. What the modal shows beyond the person's own draft (who may file, the
roll-outs in progress) changes when an admin saves settings. This process forgets its copy at
once when that happens here; another process keeps its copy at most `SECONDS`, so all agree
within seconds. Whatever is decided for good (a submission) reads the database afresh.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from cachetools import TTLCache

SECONDS = 5.0
MAX_ENTRIES = 4096  # per process: a few entries per workspace

V = TypeVar("V")


class RecentReads:
    def __init__(
        self, seconds: float = SECONDS, timer: Callable[[], float] = time.monotonic
    ) -> None:
        self._lock = threading.Lock()
        self._cache: TTLCache[tuple[str, Hashable], Any] = TTLCache(
            MAX_ENTRIES, ttl=seconds, timer=timer
        )

    def get(self, team_id: str, what: Hashable, read: Callable[[], V]) -> V:
        """`read()`'s answer for this workspace, at most SECONDS old. Two threads missing at
        once both read (a read is cheap; holding the lock across it would serialise them)."""
        key = (team_id, what)
        with self._lock:
            if key in self._cache:
                value: V = self._cache[key]
                return value
        value = read()
        with self._lock:
            self._cache[key] = value
        return value

    def forget(self, team_id: str) -> None:
        """A workspace's settings changed here: read them afresh next time."""
        with self._lock:
            for key in [key for key in self._cache if key[0] == team_id]:
                self._cache.pop(key, None)
