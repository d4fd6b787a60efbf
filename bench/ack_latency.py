"""Ack and modal-open latency of `/revops-request`: revops-bot against a bare Bolt app, same
server, same run.

    python bench/ack_latency.py [--requests 400] [--concurrency 8] [--rounds 4]

Both apps run under gunicorn (gthread, 1 worker, WEB_THREADS threads) as separate processes,
talking to the fake Slack Web API on loopback. Each round sends the same number of signed
slash commands to each app (order alternated), 8 at a time, and records the time to the HTTP
answer (the ack). Two passes: the fake answering at once, then in 50 ms like Slack's API, where
a bare sync Bolt app's 5-thread listener pool queues acks behind views.open calls.

What a person feels is the modal appearing: "modal open" is the time from sending the command to
the fake Slack receiving its views.open (matched by trigger id), printed next to the ack.
"""

from __future__ import annotations

import argparse
import gc
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.harness import BOT_TOKEN, SIGNING_SECRET, http  # noqa: E402
from tests.slack.fake_slack import FakeSlack  # noqa: E402
from tests.slack.signing import SlackSigner, slash_command  # noqa: E402

WEB_THREADS = "16"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}")
        try:
            if http("GET", url + "/healthz").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{url} did not come up")


# On a machine with 2+ cores the server under test gets a core of its own, and this process
# (the load and the fake Slack) the other: what is timed is the server, not the fake.
SERVER_CPUS = {1} if (os.cpu_count() or 1) >= 2 else None
BENCH_CPUS = {0} if SERVER_CPUS else None


def start(command: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen[bytes]:
    def pin() -> None:
        if SERVER_CPUS:
            os.sched_setaffinity(0, SERVER_CPUS)

    return subprocess.Popen(
        command,
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=pin,
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


Sample = tuple[float, float, str]  # (sent at, ack seconds, trigger id)


def fire(url: str, fake: FakeSlack, signer: SlackSigner, n: int, concurrency: int) -> list[Sample]:
    """Sustained load: `concurrency` clients, each sending its next command as soon as the
    previous one is acked (a closed loop that keeps the server busy all the time)."""

    def one(i: int) -> Sample:
        return send_command(url, fake, signer, i)

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        return list(pool.map(one, range(n)))


def fire_bursts(
    url: str, fake: FakeSlack, signer: SlackSigner, n: int, concurrency: int, latency: float
) -> list[Sample]:
    """Bursts: `concurrency` people send the command at the same moment; the next burst comes
    once the modals of this one are open (how a team meeting, not a load test, looks)."""
    samples: list[Sample] = []
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        for start in range(0, n, concurrency):
            before = len(fake.calls("views.open"))
            barrier = threading.Barrier(concurrency)

            def one(i: int, barrier: threading.Barrier = barrier) -> Sample:
                barrier.wait()
                return send_command(url, fake, signer, i)

            samples += list(pool.map(one, range(start, start + concurrency)))
            deadline = time.monotonic() + 3
            while len(fake.calls("views.open")) < before + concurrency:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.005)
            time.sleep(0.02 + latency)
    return samples


def send_command(url: str, fake: FakeSlack, signer: SlackSigner, i: int) -> Sample:
    trigger = fake.new_trigger_id()
    body, content_type = slash_command(
        "/revops-request", f"Pipeline report {i}", user_id="U1", trigger_id=trigger
    )
    headers = signer.headers(body, content_type=content_type)
    sent = time.time()
    result = http("POST", url + "/slack/events", body.encode(), headers)
    if result.status != 200:
        raise SystemExit(f"{url} answered {result.status}: {result.text[:200]}")
    return sent, result.elapsed, trigger


def modal_open_times(fake: FakeSlack, samples: list[Sample]) -> list[float]:
    """Command sent → its views.open received by the fake, for each command whose modal opened."""
    received = {
        call.args.get("trigger_id"): call.received
        for call in fake.calls("views.open")
        if call.received is not None
    }
    return [
        received[trigger] - sent
        for sent, _, trigger in samples
        if received.get(trigger) is not None
    ]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run_pass(latency: float, args: argparse.Namespace, workdir: Path) -> dict[str, object]:
    with ExitStack() as stack:
        fake = stack.enter_context(FakeSlack(latency_seconds=latency))
        fake.add_user(user_id="U1", tz="Europe/Paris", locale="en-US")
        fake.add_channel(channel_id="C1", name="general")
        base_env = {
            "PATH": os.environ["PATH"],
            "HOME": os.environ.get("HOME", "/tmp"),
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": fake.url,
            "WEB_THREADS": WEB_THREADS,
            "LOG_FORMAT": "json",
        }
        database = workdir / f"bench-{int(latency * 1000)}.db"
        bot_env = {**base_env, "DATABASE_URL": f"sqlite:///{database}"}
        if args.bot_src:  # another checkout of the bot (e.g. the revision before a change)
            bot_env["PYTHONPATH"] = str(Path(args.bot_src).resolve())
        subprocess.run(
            [sys.executable, "-m", "bot.cli", "db", "upgrade"],
            env=bot_env,
            cwd=workdir,
            check=True,
            capture_output=True,
        )
        bot_port, bare_port = free_port(), free_port()
        bot = start(
            [sys.executable, "-m", "bot.cli", "serve", "--no-scheduler"],
            {**bot_env, "PORT": str(bot_port)},
            workdir,
        )
        stack.callback(stop, bot)
        bare = start(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--worker-class",
                "gthread",
                "--workers",
                "1",
                "--threads",
                WEB_THREADS,
                "--bind",
                f"127.0.0.1:{bare_port}",
                "--log-level",
                "warning",
                "bench.bare_bolt_app:create()",
            ],
            {**base_env, "PYTHONPATH": str(ROOT)},
            ROOT,
        )
        stack.callback(stop, bare)
        targets = {
            "revops-bot": f"http://127.0.0.1:{bot_port}",
            "bare Bolt": f"http://127.0.0.1:{bare_port}",
        }
        for url in targets.values():
            wait_until_up(url, bot if url.endswith(str(bot_port)) else bare)
        signer = SlackSigner(SIGNING_SECRET)
        for url in targets.values():  # warm-up: imports, first auth.test, connection pools
            fire(url, fake, signer, 40, args.concurrency)
        time.sleep(1.0 + latency * 20)  # the warm-up's last modals
        fake.reset_calls()
        samples: dict[str, dict[str, list[Sample]]] = {}
        per_round = args.requests // args.rounds
        for mode in args.modes.split(","):
            samples[mode] = {name: [] for name in targets}
            for round_number in range(args.rounds):
                order = list(targets) if round_number % 2 == 0 else list(reversed(targets))
                for name in order:
                    if mode == "bursts":
                        got = fire_bursts(
                            targets[name], fake, signer, per_round, args.concurrency, latency
                        )
                    else:
                        got = fire(targets[name], fake, signer, per_round, args.concurrency)
                    samples[mode][name] += got
                    time.sleep(1.0 + latency * 20)  # the round's last modals open

        opened: Counter[str] = Counter()
        for call in fake.calls("views.open"):
            app = "bare Bolt" if call.args["view"].get("callback_id") == "bare_request" else "bot"
            opened[f"{app} {'ok' if call.ok else call.error}"] += 1
        modal_open = {
            mode: {name: modal_open_times(fake, got) for name, got in by_app.items()}
            for mode, by_app in samples.items()
        }
    acks = {
        mode: {name: [ack for _, ack, _ in got] for name, got in by_app.items()}
        for mode, by_app in samples.items()
    }
    return {"samples": acks, "modal_open": modal_open, "opened": opened}


def report(latency: float, result: dict[str, object], args: argparse.Namespace) -> None:
    by_mode: dict[str, dict[str, list[float]]] = result["samples"]  # type: ignore[assignment]
    opened_in: dict[str, dict[str, list[float]]] = result["modal_open"]  # type: ignore[assignment]
    for mode, samples in by_mode.items():
        print(
            f"\n== {mode}: fake Slack Web API latency {latency * 1000:.0f} ms, "
            f"{args.concurrency} concurrent, {args.requests} commands per app =="
        )
        print(f"{'app':<12} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'acks > 3 s':>11}")
        for name, values in samples.items():
            p50, p99 = percentile(values, 0.5) * 1000, percentile(values, 0.99) * 1000
            late = sum(v > 3 for v in values)
            print(f"{name:<12} {p50:8.1f} {p99:8.1f} {max(values) * 1000:8.1f} {late:11d}")
            slowest = ", ".join(f"{v * 1000:.0f}" for v in sorted(values)[-5:])
            where = sorted({i // args.concurrency for i, v in enumerate(values) if v > 0.08})
            print(f"{'':<12} slowest five: {slowest} ms; bursts over 80 ms: {where}")
        bot, bare = samples["revops-bot"], samples["bare Bolt"]
        print(
            f"ratio bot/bare: p50 {statistics.median(bot) / statistics.median(bare):.2f}, "
            f"p99 {percentile(bot, 0.99) / percentile(bare, 0.99):.2f}"
        )
        print(f"modal open (command sent → views.open at Slack): {'p50 ms':>8} {'p99 ms':>8}")
        for name, values in opened_in[mode].items():
            if values:
                p50, p99 = percentile(values, 0.5) * 1000, percentile(values, 0.99) * 1000
                print(f"  {name:<12} {p50:8.1f} {p99:8.1f}  ({len(values)} opened)")
        bot_open, bare_open = opened_in[mode]["revops-bot"], opened_in[mode]["bare Bolt"]
        if bot_open and bare_open:
            print(
                f"modal open ratio bot/bare: p50 "
                f"{statistics.median(bot_open) / statistics.median(bare_open):.2f}, "
                f"p99 {percentile(bot_open, 0.99) / percentile(bare_open, 0.99):.2f}"
            )
    print(f"modals opened, both modes (views.open as the fake judged it): {dict(result['opened'])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--latencies", default="0,0.05", help="fake API latencies, seconds")
    parser.add_argument("--modes", default="bursts,sustained", help="bursts and/or sustained")
    parser.add_argument(
        "--bot-src", help="run the bot from this checkout (a before/after comparison)"
    )
    args = parser.parse_args()
    # This process holds the fake Slack, which keeps every call it sees: its own garbage
    # collector would pause the clients now and then and bill the pause to the app under test.
    gc.disable()
    if BENCH_CPUS:
        os.sched_setaffinity(0, BENCH_CPUS)
    print(
        f"server cores {SERVER_CPUS or 'shared'}, load and fake Slack on {BENCH_CPUS or 'shared'}"
    )
    with tempfile.TemporaryDirectory() as directory:
        for latency in [float(value) for value in args.latencies.split(",")]:
            report(latency, run_pass(latency, args, Path(directory)), args)


if __name__ == "__main__":
    main()
