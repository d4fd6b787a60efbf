"""`revops-bot jobs run` on a terminal: one line, redrawn, saying how the run goes."""

from __future__ import annotations

import logging
import time
from typing import TextIO

from bot.scheduling.tick_report import TickReport


class TickProgress:
    """`weekly-digest: sent 412 / 1000 planned, 4.8/s, 0 errors` on one line, redrawn in
    place; `finish()` ends the line. Errors are sends that did not go out this time (failed for
    good, waiting for a retry, or whose claim was lost)."""

    def __init__(self, report: TickReport, stream: TextIO) -> None:
        self._report = report
        self._stream = stream
        self._started = time.monotonic()
        self._width = 0
        # Log lines go to the same terminal: each one first clears the progress line, which
        # the next redraw puts back under it.
        self._handlers = list(logging.getLogger().handlers)
        for handler in self._handlers:
            handler.addFilter(self._clear_before_a_log_line)

    def line(self) -> str:
        report = self._report
        elapsed = max(time.monotonic() - self._started, 1e-6)
        errors = report.failed + report.retrying + report.lost
        return (
            f"{report.kind}: sent {report.sent} / {report.planned} planned, "
            f"{report.sent / elapsed:.1f}/s, {errors} error{'' if errors == 1 else 's'}"
        )

    def show(self) -> None:
        line = self.line()
        # Pad over what a longer previous line left on the terminal.
        self._stream.write("\r" + line.ljust(self._width))
        self._stream.flush()
        self._width = len(line)

    def finish(self) -> None:
        self.show()
        self._stream.write("\n")
        self._stream.flush()
        self._width = 0
        for handler in self._handlers:
            handler.removeFilter(self._clear_before_a_log_line)

    def _clear_before_a_log_line(self, record: logging.LogRecord) -> bool:
        if self._width:
            self._stream.write("\r" + " " * self._width + "\r")
            self._stream.flush()
            self._width = 0
        return True
