"""What a person feels, against a bare Bolt app on the same server, in the same run.

    python bench/ack_latency.py [--databases sqlite,postgresql] [--latencies 0,0.05]
        [--paths command,accept,submit] [--loads closed,20,60] [--requests 160]
        [--seconds 6] [--bot-src DIR]

Both apps run under gunicorn (gthread, 1 worker, WEB_THREADS threads) as separate processes
pinned to one core, talking to the fake Slack Web API on loopback (this process, the other
core). For each path, each load and each fake API latency, the same requests go to each app
(rounds alternated), and the benchmark records:

- the ack (the HTTP answer);
- what the person waits for: for `/revops-request` and the Accept button, the modal appearing
  (command sent → its views.open received by the fake Slack, matched by trigger id); for the
  filing modal's submission, the card in the intake channel (submission sent → chat.postMessage
  of its card received);
- under the closed loop (8 clients, each sending again as soon as its ack arrives: the server
  saturated), the throughput in requests per second;
- open loops (20 and 60 requests a second, whatever the answers: how people arrive);
- triggers Slack refused as expired (the modal never appeared): must be 0.

The PostgreSQL pass needs TEST_DATABASE_URL (a scratch database is made on that server).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.harness import BOT_TOKEN, SIGNING_SECRET, http  # noqa: E402
from tests.slack.fake_slack import FakeSlack  # noqa: E402
from tests.slack.signing import (  # noqa: E402
    SlackSigner,
    block_actions,
    slash_command,
    state_value,
    view_submission,
)

WEB_THREADS = "16"
INTAKE_CHANNEL = "CINTAKE"
REVOPS_MEMBER = "U3"
BOT, BARE = "revops-bot", "bare Bolt"


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


# ---------------------------------------------------------------- requests


@dataclass(frozen=True)
class Sample:
    sent: float  # time.time()
    ack: float  # seconds
    key: str  # trigger id (a modal's) or the filed title (a card's)


@dataclass
class Target:
    name: str
    url: str
    request_id: int = 0  # the bot's request the Accept button is pressed on


@dataclass
class Bench:
    fake: FakeSlack
    signer: SlackSigner
    counter: Iterator[int] = field(default_factory=lambda: iter(range(1, 10**9)))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next(self) -> int:
        with self.lock:
            return next(self.counter)

    def send(self, target: Target, path: str) -> Sample:
        n = self.next()
        if path == "command":
            key = self.fake.new_trigger_id()
            built = slash_command(
                "/revops-request", f"Pipeline report {n}", user_id="U1", trigger_id=key
            )
        elif path == "accept":
            key = self.fake.new_trigger_id()
            value = json.dumps({"request_id": target.request_id})
            built = block_actions(
                "intake_accept",
                value,
                user_id=REVOPS_MEMBER,
                channel_id=INTAKE_CHANNEL,
                trigger_id=key,
                message={"type": "message", "ts": "1.0", "user": "UBOT1", "text": ""},
            )
        else:
            key = f"Bench request {n:07d}"
            built = view_submission(
                "intake_file",
                filing_values(key),
                view_id=f"VB{n:09d}",
                user_id="U1",
                private_metadata=json.dumps({"docs_shown": []}),
            )
        body, content_type = built
        headers = self.signer.headers(body, content_type=content_type)
        sent = time.time()
        result = http("POST", target.url + "/slack/events", body.encode(), headers)
        if result.status != 200:
            raise SystemExit(f"{target.name} answered {result.status}: {result.text[:200]}")
        if path == "submit" and (result.json or {}).get("response_action") != "update":
            raise SystemExit(f"{target.name} refused a filing: {result.text[:300]}")
        return Sample(sent, result.elapsed, key)

    def felt(self, path: str, samples: list[Sample]) -> list[float]:
        """Seconds from sending to what the person waits for, per sample that got it."""
        if path == "submit":
            seen = {}
            for call in self.fake.calls("chat.postMessage", ok=True):
                text = str(call.args.get("text", ""))
                if call.args.get("channel") == INTAKE_CHANNEL and "Bench request" in text:
                    title = text[text.index("Bench request") :][: len("Bench request 0000000")]
                    seen.setdefault(title, call.received)
        else:
            seen = {
                call.args.get("trigger_id"): call.received
                for call in self.fake.calls("views.open", ok=True)
            }
        return [seen[s.key] - s.sent for s in samples if seen.get(s.key) is not None]

    def expired(self) -> int:
        return len(
            [
                call
                for call in self.fake.calls("views.open")
                if call.error in {"expired_trigger_id", "invalid_trigger_id"}
            ]
        )


def filing_values(title: str) -> dict[str, dict[str, object]]:
    return {
        "intake_title": {"intake_title": title},
        "intake_need": {"intake_need": "For the quarterly business review"},
        "intake_impact": {"intake_impact": state_value("radio_buttons", "slows_team")},
        "intake_beneficiary": {"intake_beneficiary": state_value("static_select", "my_team")},
        "intake_category": {"intake_category": state_value("static_select", "report")},
        "intake_wished_date": {"intake_wished_date": state_value("datepicker", None)},
        "intake_link": {"intake_link": ""},
    }


def closed_loop(
    bench: Bench, target: Target, path: str, n: int, clients: int
) -> tuple[list[Sample], float]:
    """`clients` people sending again as soon as their ack arrives: the server saturated."""
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        samples = list(pool.map(lambda _: bench.send(target, path), range(n)))
    return samples, n / (time.monotonic() - started)


def open_loop(bench: Bench, target: Target, path: str, rate: float, seconds: float) -> list[Sample]:
    """Requests at a fixed rate, whatever the answers (how people arrive)."""
    n = max(int(rate * seconds), 1)
    futures = []
    with ThreadPoolExecutor(max_workers=64) as pool:
        start_at = time.monotonic() + 0.05
        for k in range(n):
            delay = start_at + k / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            futures.append(pool.submit(bench.send, target, path))
        return [future.result() for future in futures]


# ---------------------------------------------------------------- the run


@contextmanager
def database(kind: str, workdir: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{workdir / f'bench-{time.monotonic_ns()}.db'}"
        return
    from tests import databases

    if databases.postgres_unavailable_reason():
        raise SystemExit("the PostgreSQL pass needs TEST_DATABASE_URL")
    with databases.scratch_postgres_database("revops_bench") as url:
        yield url


def prepare_bot(env: dict[str, str], workdir: Path) -> int:
    """Migrate, set intake up (channel, RevOps group), and file one request to press Accept on
    (the Accept button only opens its modal: the request stays new). Returns its id."""
    subprocess.run(
        [sys.executable, "-m", "bot.cli", "db", "upgrade"],
        env=env,
        cwd=workdir,
        check=True,
        capture_output=True,
    )
    script = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
from datetime import UTC, datetime
from bot.db import build_engine, session_factory, session_scope
from bot.intake import configuration, filing
from bot.workspaces.service import ensure_workspace
engine = build_engine({env["DATABASE_URL"]!r})
now = datetime.now(UTC)
with session_scope(session_factory(engine)) as session:
    ensure_workspace(session=session, team_id="T1")
    form = configuration.SettingsForm(
        intake_channel_id={INTAKE_CHANNEL!r}, revops_usergroup_id="SREVOPS",
        who_may_file="everyone", filer_usergroup_ids=[], team_lead_id=None, capacity="20",
        sla="1", reminder="3", auto_close="10", holidays="", rollouts="", tz="Europe/Paris")
    configuration.save_settings(session=session, team_id="T1",
        checked=configuration.check_settings(form),
        revops_member_ids=frozenset({{{REVOPS_MEMBER!r}}}), now=now)
    filed = filing.file_request(session=session, team_id="T1", requester_id="U1",
        filing=filing.Filing(title="A request to accept", need="Benchmark",
            impact="slows_team", beneficiary="my_team", category="report"),
        view_id="VBENCH0", source_permalink=None, today=now.date(), now=now)
    print(filed.request.id)
"""
    out = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=workdir,
        check=True,
        capture_output=True,
        text=True,
    )
    return int(out.stdout.strip().splitlines()[-1])


def run_pass(db: str, latency: float, args: argparse.Namespace, workdir: Path) -> list[dict]:
    rows: list[dict] = []
    with ExitStack() as stack:
        fake = stack.enter_context(FakeSlack(latency_seconds=latency))
        for user, locale in (("U1", "en-US"), (REVOPS_MEMBER, "en-US")):
            fake.add_user(user_id=user, tz="Europe/Paris", locale=locale)
        fake.add_channel(channel_id="C1", name="general")
        fake.add_channel(channel_id=INTAKE_CHANNEL, name="revops-intake")
        fake.add_usergroup(usergroup_id="SREVOPS", handle="revops", users=[REVOPS_MEMBER])
        url = stack.enter_context(database(db, workdir))
        base_env = {
            "PATH": os.environ["PATH"],
            "HOME": os.environ.get("HOME", "/tmp"),
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": fake.url,
            "WEB_THREADS": WEB_THREADS,
            "LISTENER_THREADS": "32",  # the bot's default, for both apps
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "WARNING",
        }
        bot_env = {
            **base_env,
            "DATABASE_URL": url,
            # The filings of a closed loop all go to one intake channel, far above the one post
            # a second Slack allows there: paced, the cards would measure Slack's limit, not the
            # bot. The pacing's own work (the shared budget's transaction) still runs.
            "SEND_RATE_PER_MINUTE": "1000000",
            "SEND_RATE_PER_CHANNEL_PER_SECOND": "10000",
        }
        if args.bot_src:  # another checkout of the bot (e.g. the revision before a change)
            bot_env["PYTHONPATH"] = str(Path(args.bot_src).resolve())
        request_id = prepare_bot(bot_env, workdir)
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
        targets = [
            Target(BOT, f"http://127.0.0.1:{bot_port}", request_id),
            Target(BARE, f"http://127.0.0.1:{bare_port}"),
        ]
        wait_until_up(targets[0].url, bot)
        wait_until_up(targets[1].url, bare)
        bench = Bench(fake, SlackSigner(SIGNING_SECRET))
        for target in targets:  # warm-up: imports, first auth.test, pools, caches
            for path in args.paths.split(","):
                closed_loop(bench, target, path, 24, args.clients)
        settle(latency)
        for path in args.paths.split(","):
            for load in args.loads.split(","):
                measured = {t.name: {"samples": [], "throughput": []} for t in targets}
                fake.reset_calls()
                for round_number in range(args.rounds):
                    order = targets if round_number % 2 == 0 else list(reversed(targets))
                    for target in order:
                        if load == "closed":
                            got, per_second = closed_loop(
                                bench, target, path, args.requests // args.rounds, args.clients
                            )
                            measured[target.name]["throughput"].append(per_second)
                        else:
                            got = open_loop(
                                bench, target, path, float(load), args.seconds / args.rounds
                            )
                        measured[target.name]["samples"] += got
                        settle(latency)
                for target in targets:
                    samples = measured[target.name]["samples"]
                    rows.append(
                        {
                            "db": db,
                            "latency_ms": round(latency * 1000),
                            "path": path,
                            "load": load,
                            "app": target.name,
                            "acks": [s.ack for s in samples],
                            "felt": bench.felt(path, samples),
                            "sent": len(samples),
                            "throughput": statistics.median(measured[target.name]["throughput"])
                            if measured[target.name]["throughput"]
                            else None,
                        }
                    )
                rows[-1]["expired"] = rows[-2]["expired"] = bench.expired()
    return rows


def settle(latency: float) -> None:
    """The last requests' modals and posts reach the fake Slack before the next round."""
    time.sleep(1.0 + latency * 20)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


FELT = {"command": "modal open", "accept": "modal open", "submit": "card posted"}


def report(rows: list[dict]) -> None:
    by_case: dict[tuple, dict[str, dict]] = {}
    for row in rows:
        key = (row["db"], row["latency_ms"], row["path"], row["load"])
        by_case.setdefault(key, {})[row["app"]] = row
    header = (
        f"{'db':<10} {'API':>5} {'path':<8} {'load':<7} {'app':<11} "
        f"{'ack p50':>8} {'p99':>7} {'felt p50':>9} {'p99':>7} {'req/s':>6} {'expired':>7}"
    )
    print(header)
    for (db, latency, path, load), apps in by_case.items():
        for name in (BOT, BARE):
            row = apps[name]
            acks, felt = row["acks"], row["felt"]
            throughput = f"{row['throughput']:6.1f}" if row["throughput"] else "     -"
            shown_load = load + ("/s" if load != "closed" else "")
            ack50, ack99 = percentile(acks, 0.5) * 1000, percentile(acks, 0.99) * 1000
            felt50, felt99 = percentile(felt, 0.5) * 1000, percentile(felt, 0.99) * 1000
            print(
                f"{db:<10} {latency:>3}ms {path:<8} {shown_load:<7} {name:<11} "
                f"{ack50:8.1f} {ack99:7.1f} {felt50:9.1f} {felt99:7.1f} "
                f"{throughput} {row['expired'] if name == BOT else '':>7}"
            )
        bot, bare = apps[BOT], apps[BARE]
        ratios = [
            f"ack p50 {ratio(bot['acks'], bare['acks'], 0.5)}",
            f"p99 {ratio(bot['acks'], bare['acks'], 0.99)}",
            f"{FELT[path]} p50 {ratio(bot['felt'], bare['felt'], 0.5)}",
            f"p99 {ratio(bot['felt'], bare['felt'], 0.99)}",
        ]
        if bot["throughput"] and bare["throughput"]:
            ratios.append(f"throughput {bot['throughput'] / bare['throughput']:.2f}")
        missing = bot["sent"] - len(bot["felt"])
        if missing:
            ratios.append(f"{missing} never {FELT[path].split()[-1]}")
        print(f"{'':<31} bot/bare: " + ", ".join(ratios))


def ratio(bot: list[float], bare: list[float], q: float) -> str:
    b, a = percentile(bot, q), percentile(bare, q)
    return f"{b / a:.2f}" if a and a == a and b == b else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", default="sqlite", help="sqlite and/or postgresql")
    parser.add_argument("--latencies", default="0,0.05", help="fake API latencies, seconds")
    parser.add_argument("--paths", default="command,accept,submit")
    parser.add_argument("--loads", default="closed,20,60", help="closed and/or rates per second")
    parser.add_argument("--requests", type=int, default=160, help="per closed-loop case and app")
    parser.add_argument("--seconds", type=float, default=6.0, help="per open-loop case and app")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--clients", type=int, default=8, help="closed-loop clients")
    parser.add_argument("--bot-src", help="run the bot from this checkout (before/after)")
    args = parser.parse_args()
    # This process holds the fake Slack, which keeps every call it sees: its own garbage
    # collector would pause the clients now and then and bill the pause to the app under test.
    gc.disable()
    if BENCH_CPUS:
        os.sched_setaffinity(0, BENCH_CPUS)
    print(
        f"# {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; server cores {SERVER_CPUS or 'shared'}, "
        f"load and fake Slack on {BENCH_CPUS or 'shared'}; {' '.join(sys.argv[1:])}"
    )
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as directory:
        for db in args.databases.split(","):
            for latency in [float(value) for value in args.latencies.split(",")]:
                rows += run_pass(db, latency, args, Path(directory))
    report(rows)


if __name__ == "__main__":
    main()
