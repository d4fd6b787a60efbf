"""GET /metrics: what signed Slack requests, Web API calls, a job and webhooks leave behind,
read back the way Prometheus reads it (its text format, parsed by prometheus_client's parser)."""

from __future__ import annotations

import json
import signal
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.multiprocess import MultiProcessCollector

from bot.metrics import samples
from bot.scheduling.clock import build_scheduler
from bot.scheduling.metrics import DeliveryCollector
from tests.cli.test_commands import bot_env, free_port, healthy, post_signed, revops_bot
from tests.harness import BotHarness, eventually, http
from tests.intake.helpers import (
    INTAKE_CHANNEL,
    file_request,
    set_up_intake,
    working_days_from_now,
)
from tests.slack import signing
from tests.slack.fake_slack import FakeSlack

LAST_TICK = "revops_scheduler_last_tick_timestamp_seconds"


def scrape(bot: BotHarness, **headers: str) -> str:
    result = http("GET", bot.server.url + "/metrics", headers=headers)
    assert result.status == 200, result.text
    assert result.headers["content-type"].startswith("text/plain; version=")
    return result.text


def total(text: str, name: str, **labels: str) -> float:
    """The sum of a metric's samples whose labels include `labels`."""
    return sum(
        value
        for found, value in samples(text, name)
        if all(found.get(key) == wanted for key, wanted in labels.items())
    )


def listeners(text: str, name: str) -> set[str]:
    return {labels["listener"] for labels, _ in samples(text, name)}


def test_requests_api_calls_a_job_and_webhooks_are_counted(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_up_intake(bot)
    before = scrape(bot)

    # A request filed through the modal; Slack answers the card's first post with a 429.
    bot.fake.fail_next("chat.postMessage", "ratelimited", status=429)
    file_request(bot)
    # Not from Slack: refused before any listener.
    unsigned = bot.post_slack(signing.slash_command("/revops-request", "x"), signed=False)
    assert unsigned.status == 401
    # A webhook without its bearer token, and one with a token that is no workspace's.
    wins = bot.server.url + "/webhooks/wins"
    assert http("POST", wins, b"{}", {"Content-Type": "application/json"}).status == 401
    bad = {"Content-Type": "application/json", "Authorization": "Bearer nope"}
    assert http("POST", wins, json.dumps({}).encode(), bad).status == 401
    # The weekly run report, fired by an operator; Slack fails its post once (retried later).
    bot.fake.fail_next("chat.postMessage", "internal_error", channel=INTAKE_CHANNEL)
    report_time = working_days_from_now(1)
    assert bot.jobs_run("intake-run-report", monkeypatch=monkeypatch, now=report_time) == 0
    bot.idle()
    after = scrape(bot)

    def grew(name: str, **labels: str) -> float:
        return total(after, name, **labels) - total(before, name, **labels)

    # Slack requests: the command and the submission, each by its listener, acked with 200.
    acked = "revops_slack_request_ack_seconds_count"
    assert grew(acked, listener="intake.on_command", outcome="200") == 1
    assert grew(acked, listener="intake.on_file", outcome="200") == 1
    assert grew(acked, listener="none", outcome="401") == 1
    done = "revops_slack_request_done_seconds_count"
    assert grew(done, listener="intake.on_command", outcome="ok") == 1
    assert grew(done, listener="intake.on_file", outcome="ok") == 1
    assert grew("revops_slack_request_done_seconds_sum", listener="intake.on_file") > 0
    # Web API calls by method and outcome, the 429 and the failed post included.
    calls = "revops_slack_api_calls_total"
    assert grew(calls, method="views.open", outcome="ok") == 1
    assert grew(calls, method="chat.postMessage", outcome="rate_limited") == 1
    assert grew(calls, method="chat.postMessage", outcome="error") == 1
    posted = len([c for c in bot.fake.calls("chat.postMessage") if c.response.get("ok")])
    assert grew(calls, method="chat.postMessage", outcome="ok") == posted
    # The job's tick, and its post waiting for a retry in the ledger (read at scrape time).
    assert grew("revops_scheduler_tick_seconds_count", kind="intake-run-report") == 1
    assert total(after, "revops_deliveries", kind="intake-run-report", state="retry") == 1
    assert total(after, "revops_deliveries", kind="intake-card", state="pending") == 0
    # Owed, but due on the report's day (tomorrow or later): no age yet. Seven minutes after
    # that, the collector says seven minutes.
    assert total(after, "revops_delivery_oldest_owed_age_seconds", kind="intake-run-report") == 0
    later = DeliveryCollector(
        bot.runtime.services.session_factory,
        list(bot.runtime.runner.kinds),
        clock=lambda: report_time + timedelta(minutes=7),
    )
    ages = {
        sample.labels["kind"]: sample.value
        for family in later.collect()
        if family.name == "revops_delivery_oldest_owed_age_seconds"
        for sample in family.samples
    }
    assert ages["intake-run-report"] == 420 and ages["intake-card"] == 0
    assert total(after, "revops_deliveries_readable") == 1
    # Webhooks by route (the rule, never the raw path) and status.
    assert grew("revops_webhook_requests_total", route="/webhooks/wins", status="401") == 2


def test_the_metrics_token_guards_the_route(
    bot_env: dict[str, str], fake_slack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.runtime import build_runtime
    from bot.settings import Settings, load_settings

    settings = load_settings(Settings, **bot_env, METRICS_TOKEN="s3cret-metrics")
    harness = BotHarness(build_runtime(settings), fake_slack, bot_env)
    try:
        url = harness.server.url + "/metrics"
        missing = http("GET", url)
        assert missing.status == 401 and "METRICS_TOKEN" in missing.json["error"]
        assert missing.headers["www-authenticate"].startswith("Bearer")
        assert http("GET", url, headers={"Authorization": "Bearer wrong"}).status == 401
        good = http("GET", url, headers={"Authorization": "Bearer s3cret-metrics"})
        assert good.status == 200 and "revops_deliveries_readable 1.0" in good.text
    finally:
        harness.close()


def test_scheduler_ticks_report_their_lag(bot: BotHarness) -> None:
    scheduler = build_scheduler(bot.runtime.runner, blocking=False)
    scheduler.start()
    try:
        every_kind = set(bot.runtime.runner.kinds)

        def every_kind_ticked() -> str | None:
            text = scrape(bot)
            ended = {labels["kind"] for labels, _ in samples(text, LAST_TICK)}
            return text if every_kind <= ended else None

        text = eventually(every_kind_ticked, what="a tick of every kind")
    finally:
        scheduler.shutdown(wait=True)
    lag = "revops_scheduler_tick_lag_seconds_count"
    assert {labels["kind"] for labels, value in samples(text, lag) if value} >= every_kind
    last = dict((labels["kind"], value) for labels, value in samples(text, LAST_TICK))
    assert set(last) >= every_kind and all(value > 1.7e9 for value in last.values())


def test_several_gunicorn_workers_add_up_in_one_scrape(tmp_path: Path) -> None:
    """`revops-bot serve` with two workers: whichever worker answers a scrape, it counts the
    requests both answered (PROMETHEUS_MULTIPROC_DIR, here the operator's own directory)."""
    metrics_dir = tmp_path / "metrics"
    with FakeSlack() as fake:
        fake.add_user(user_id="U1", tz="America/New_York", locale="en-US")
        port = free_port()
        env = bot_env(
            fake,
            tmp_path / "served.db",
            PORT=str(port),
            WEB_CONCURRENCY="2",
            PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
        )
        assert subprocess.run(revops_bot("db", "upgrade"), env=env, cwd=tmp_path).returncode == 0
        process = subprocess.Popen(
            revops_bot("serve", "--no-scheduler"),
            env=env,
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            eventually(lambda: healthy(url), timeout=20, what=f"revops-bot serve on {url}")
            unsigned = {"Content-Type": signing.FORM}
            for _ in range(20):
                assert http("POST", url + "/slack/events", b"a=1", unsigned).status == 401
            command = signing.slash_command("/revops-request", "", trigger_id=fake.new_trigger_id())
            assert post_signed(url, command).status == 200
            fake.wait_for("views.open")
            for _ in range(6):  # each scrape may land on either worker: all say 20
                text = http("GET", url + "/metrics").text
                count = "revops_slack_request_ack_seconds_count"
                assert total(text, count, listener="none", outcome="401") == 20
            # Web API calls were made by the master (auth.test before forking) and by a
            # worker: the scrape adds up every process's file.
            per_process = [
                sum(
                    sample.value
                    for family in MultiProcessCollector.merge([str(path)])
                    for sample in family.samples
                    if sample.name == "revops_slack_api_calls_total"
                )
                for path in metrics_dir.glob("counter_*.db")
            ]
            assert len([count for count in per_process if count]) >= 2, per_process
            assert total(text, "revops_slack_api_calls_total") == sum(per_process)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def test_a_clock_serves_its_ticks_on_metrics_port(tmp_path: Path) -> None:
    """A `clock` process has no web app: with METRICS_PORT it serves /metrics (behind the
    token), where its ticks and their lag show."""
    with FakeSlack() as fake:
        port = free_port()
        env = bot_env(
            fake, tmp_path / "clock.db", METRICS_PORT=str(port), METRICS_TOKEN="clock-token"
        )
        assert subprocess.run(revops_bot("db", "upgrade"), env=env, cwd=tmp_path).returncode == 0
        clock = subprocess.Popen(
            revops_bot("clock"),
            env=env,
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            eventually(lambda: healthy(url), timeout=20, what=f"the clock's metrics on {url}")
            assert http("GET", url + "/metrics").status == 401
            token = {"Authorization": "Bearer clock-token"}

            def ticked() -> str | None:
                text = http("GET", url + "/metrics", headers=token).text
                kinds = {labels["kind"] for labels, _ in samples(text, LAST_TICK)}
                return text if {"weekly-digest", "intake-card"} <= kinds else None

            text = eventually(ticked, timeout=20, what="the clock's first ticks")
            assert total(text, "revops_scheduler_tick_lag_seconds_count", kind="home") >= 1
            assert total(text, "revops_deliveries_readable") == 1
        finally:
            clock.send_signal(signal.SIGTERM)
            try:
                clock.wait(timeout=15)
            except subprocess.TimeoutExpired:
                clock.kill()
