"""The delivery ledger as Prometheus sees it, read at scrape time (never on a request's path).

One grouped query over the rows that are still owed or failed: finished rows (sent, skipped)
are history that the retention purge removes, and counting them would grow with it. The query
names every kind, so that it walks the ledger's (kind, status, ...) index.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.scheduling.models import Delivery, DeliveryStatus

logger = logging.getLogger(__name__)

# Rows still owed: due (pending), claimed (sending), waiting for their retry (retry).
OWED = (DeliveryStatus.pending, DeliveryStatus.sending, DeliveryStatus.retry)
COUNTED = (*OWED, DeliveryStatus.failed)


class DeliveryCollector(Collector):
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        kinds: Sequence[str],
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._session_factory = session_factory
        self._kinds = sorted(kinds)
        self._clock = clock

    def collect(self) -> Iterable[Metric]:
        rows = self._delivery_counts()
        readable = GaugeMetricFamily(
            "revops_deliveries_readable",
            "1 when this scrape could read the delivery ledger, 0 when the database did not "
            "answer (the delivery gauges are then left out)",
        )
        readable.add_metric([], 0 if rows is None else 1)
        yield readable
        if rows is None:
            return
        counts = GaugeMetricFamily(
            "revops_deliveries",
            "Ledger rows still owed (pending, sending, retry) or given up (failed), by kind and "
            "state; sent and skipped rows are history and not counted",
            labels=["kind", "state"],
        )
        oldest = GaugeMetricFamily(
            "revops_delivery_oldest_owed_age_seconds",
            "Age of the oldest row still owed (pending, sending or retry), from the time it was "
            "due, by kind; 0 when nothing is owed",
            labels=["kind"],
        )
        now = self._clock()
        found = {(kind, state): (count, due) for kind, state, count, due in rows}
        for kind in self._kinds:
            oldest_due = None
            for state in COUNTED:
                count, due = found.get((kind, state), (0, None))
                counts.add_metric([kind, state], count)
                if state in OWED and due is not None:
                    oldest_due = due if oldest_due is None else min(oldest_due, due)
            age = (now - oldest_due).total_seconds() if oldest_due is not None else 0.0
            oldest.add_metric([kind], max(age, 0.0))
        yield counts
        yield oldest

    def _delivery_counts(self) -> list[tuple[str, str, int, datetime | None]] | None:
        query = (
            select(Delivery.kind, Delivery.status, func.count(), func.min(Delivery.due_at))
            .where(Delivery.kind.in_(self._kinds), Delivery.status.in_(COUNTED))
            .group_by(Delivery.kind, Delivery.status)
        )
        try:
            with self._session_factory() as session:
                return [
                    (kind, status, int(count), due)
                    for kind, status, count, due in session.execute(query)
                ]
        except SQLAlchemyError as error:
            logger.warning(
                "metrics: delivery ledger unreadable (%s)",
                type(getattr(error, "orig", None) or error).__name__,
            )
            return None
