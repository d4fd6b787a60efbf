"""What one tick did, counted as it goes: the summary `jobs run` prints, the "job tick" log
line, and what `jobs run` shows on a terminal while the tick runs (bot/scheduling/progress.py)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass
class TickReport:
    kind: str
    planned: int = 0
    skipped: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    nothing_to_say: int = 0
    recovered: int = 0
    deferred: int = 0
    # Claims that ran out while this clock waited and were taken back by another: not posted.
    lost: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, outcome: str) -> None:
        with self._lock:
            setattr(self, outcome, getattr(self, outcome) + 1)

    @property
    def did_something(self) -> bool:
        return any(self.summary().values())

    def summary(self) -> dict[str, int]:
        return {
            name: getattr(self, name)
            for name in (
                "planned",
                "skipped",
                "sent",
                "retrying",
                "failed",
                "nothing_to_say",
                "recovered",
                "deferred",
                "lost",
            )
        }
