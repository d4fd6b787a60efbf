"""Prometheus metrics: what an operator graphs and alerts on, served at GET /metrics.

The instruments are module-level, as prometheus_client expects: counting costs a dictionary
lookup and a few additions, never a database query or a network call. What lives in the
database (the delivery ledger) is read by a collector at scrape time instead
(bot/scheduling/metrics.py).

Under gunicorn each worker counts in its own process. With PROMETHEUS_MULTIPROC_DIR set (before
this module is first imported: `revops-bot serve` sets it when it runs several workers), every
process writes its values to files in that directory and a scrape of any worker adds them up.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import Metric
from prometheus_client.registry import Collector

MULTIPROC_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
NO_LISTENER = "none"

# Slack waits 3 seconds for an ack: the buckets are dense below that.
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)
DONE_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
TICK_BUCKETS = (0.01, 0.1, 0.5, 1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0)

SLACK_REQUEST_ACK = Histogram(
    "revops_slack_request_ack_seconds",
    "Slack requests (commands, interactions, events) from arrival to the answer Slack gets, "
    "by listener and HTTP status of that answer; listener 'none' when no listener ran "
    "(a refused signature, another workspace, an unknown request)",
    ["listener", "outcome"],
    buckets=ACK_BUCKETS,
)
SLACK_REQUEST_DONE = Histogram(
    "revops_slack_request_done_seconds",
    "Slack requests from arrival to the end of their listener (its work after the ack "
    "included), by listener and outcome: ok, refused (the user was told why) or error",
    ["listener", "outcome"],
    buckets=DONE_BUCKETS,
)
SLACK_API_CALLS = Counter(
    "revops_slack_api_calls",
    "Slack Web API calls, each attempt counted (a 429 then its retry are two), by method and "
    "outcome: ok, error (Slack answered ok=false), rate_limited (429), server_error (5xx), "
    "http_error (another status) or network (no answer: timeout, reset, refused)",
    ["method", "outcome"],
)
SCHEDULER_TICK_LAG = Histogram(
    "revops_scheduler_tick_lag_seconds",
    "How late a scheduler tick started after the time it was due, by kind",
    ["kind"],
    buckets=TICK_BUCKETS,
)
SCHEDULER_TICK_DURATION = Histogram(
    "revops_scheduler_tick_seconds",
    "How long a scheduler tick took (plan, recover, deliver), by kind",
    ["kind"],
    buckets=TICK_BUCKETS,
)
SCHEDULER_TICKS_MISSED = Counter(
    "revops_scheduler_ticks_missed",
    "Ticks not started because the previous tick of the kind was still running",
    ["kind"],
)
SCHEDULER_LAST_TICK = Gauge(
    "revops_scheduler_last_tick_timestamp_seconds",
    "When the last tick of each kind ended (Unix time), latest of every process",
    ["kind"],
    multiprocess_mode="max",
)
WEBHOOK_REQUESTS = Counter(
    "revops_webhook_requests",
    "Webhook requests (HubSpot, wins, KPIs...) by route and HTTP status",
    ["route", "status"],
)


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_DIR_VARIABLE) or None


def mark_process_dead(pid: int) -> None:
    """A gunicorn worker exited: its live gauges no longer count (multiprocess mode only)."""
    directory = multiprocess_dir()
    if directory:
        multiprocess.mark_process_dead(pid, directory)


class _ThisProcess(Collector):
    """What this process counted (single-process mode): the default registry, read anew."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


def exposition(collectors: Iterable[Collector] = ()) -> tuple[bytes, str]:
    """The scrape: every process's counts (multiprocess mode) or this one's, then what the
    given collectors read now. A fresh registry per scrape: nothing is registered twice."""
    registry = CollectorRegistry()
    directory = multiprocess_dir()
    if directory:
        multiprocess.MultiProcessCollector(registry, path=directory)
    else:
        registry.register(_ThisProcess())
    for collector in collectors:
        registry.register(collector)
    return generate_latest(registry), CONTENT_TYPE_LATEST


def listener_name(function: Any) -> str:
    """A listener's metric label: its domain and function name (`intake.open_request_modal`).
    Never an action id: some carry a row number, and a label per row would grow forever."""
    module = str(getattr(function, "__module__", "") or "")
    parts = module.split(".")
    domain = parts[1] if len(parts) > 2 and parts[0] == "bot" else parts[-1]
    return f"{domain}.{getattr(function, '__name__', 'listener')}"


def observe_slack_answer(listener: str, status: int, started: float) -> None:
    SLACK_REQUEST_ACK.labels(listener, str(status)).observe(time.perf_counter() - started)


def observe_slack_done(listener: str, outcome: str, started: float) -> None:
    SLACK_REQUEST_DONE.labels(listener, outcome).observe(time.perf_counter() - started)


def count_api_call(method: str, outcome: str) -> None:
    SLACK_API_CALLS.labels(method, outcome).inc()


def observe_tick(kind: str, seconds: float) -> None:
    SCHEDULER_TICK_DURATION.labels(kind).observe(seconds)
    SCHEDULER_LAST_TICK.labels(kind).set(time.time())


def observe_tick_lag(kind: str, seconds: float) -> None:
    SCHEDULER_TICK_LAG.labels(kind).observe(max(seconds, 0.0))


def count_missed_tick(kind: str) -> None:
    SCHEDULER_TICKS_MISSED.labels(kind).inc()


def count_webhook(route: str, status: int) -> None:
    WEBHOOK_REQUESTS.labels(route, str(status)).inc()


def samples(text: str, name: str) -> Iterator[tuple[dict[str, str], float]]:
    """The samples of one metric in an exposition (for tests and the CLI's self-checks)."""
    from prometheus_client.parser import text_string_to_metric_families

    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                yield sample.labels, sample.value
