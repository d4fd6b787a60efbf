"""Two `revops-bot clock` processes at a weekly-digest slot, on PostgreSQL (issues 19 and 14).

    TEST_DATABASE_URL=postgresql+psycopg://root@127.0.0.1:5432/test \\
        python bench/two_clocks.py [--members 150] [--due 146] [--per-minute 60] [--until-done] \\
        [--one-clock-too] [--webhook-wins 0] [--logs DIR]

The operator's run of issue 19: a scratch PostgreSQL database on that server with N members, the
weekly digest due now for D of them and a win this week for them to read about; the fake Slack
refuses (429 + Retry-After) chat.postMessage beyond --per-minute per workspace and one a second
per channel, with the bursts the bot's pacing allows (RateLimits in bot/slack/sender.py: 20 for
the workspace, 3 for a channel), and the clocks pace at that rate (SEND_RATE_PER_MINUTE), one
budget for every process (send_budgets, bot/scheduling/budget.py). Both clock processes start at
once, so their ticks meet at the slot. Prints, for each clock, when it made its first post and
how many posts it made in the first minute; with --until-done, waits for every digest, prints
the wall time (from the processes' start to the last post) next to the floor the limits impose
((posts - workspace burst) / rate), their ratio, duplicates (must be 0) and Slack's 429s.

--one-clock-too runs the same digest with one clock first, on a database of its own, for the
429s one clock gets. --webhook-wins W adds a run: two clocks and a `revops-bot serve
--no-scheduler` process (the web process of a deployment, which delivers the outbox), and once a
quarter of the digests are out, W wins POSTed at once to /webhooks/wins (bearer token) for the
celebration channel. Prints the most posts Slack received in any 60 s (the workspace may take
rate + burst), the most in one second in the celebration channel (burst, then 1/s), the 429s,
and how many times each win was posted (exactly once). The load average (uptime) is printed
before and after each run: the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from bot.celebrations import service as celebrations  # noqa: E402
from bot.celebrations.models import WinSource  # noqa: E402
from bot.celebrations.rules import SettingsChange  # noqa: E402
from bot.db import build_engine, session_factory, session_scope  # noqa: E402
from bot.db.migrations import upgrade  # noqa: E402
from bot.scheduling.cadence import Cadence, Frequency  # noqa: E402
from bot.scheduling.models import Delivery  # noqa: E402
from bot.scheduling.service import save_schedule  # noqa: E402
from bot.slack.sender import RateLimits  # noqa: E402
from bot.workspaces.service import MemberProfile, issue_webhook_token, save_member  # noqa: E402
from tests import databases  # noqa: E402
from tests.harness import BOT_TOKEN, SIGNING_SECRET, http  # noqa: E402
from tests.slack.fake_slack import Call, FakeSlack  # noqa: E402

KIND = "weekly-digest"
WIN_POST_KIND = "celebrations-win-post"
WINS_CHANNEL = "CWINS"
# What the bot's pacing counts against the workspace's budget (bot/slack/sender.py, Sender): a
# win's card is followed by the bot's :tada: (reactions.add), which takes a turn too.
PACED = ("chat.postMessage", "chat.update", "reactions.add", "views.publish")


def seed(url: str, members: list[str], due: int, now: datetime) -> None:
    """Members, their digest schedules (the first `due` fell due an hour ago), a win."""
    due_now = Cadence(Frequency.weekly, hour=0, weekday=now.weekday(), tz="UTC")
    not_today = Cadence(Frequency.weekly, hour=0, weekday=(now.weekday() + 3) % 7, tz="UTC")
    with session_scope(session_factory(build_engine(url))) as session:
        for n, user in enumerate(members):
            save_member(
                session=session,
                team_id="T1",
                now=now,
                profile=MemberProfile(
                    user_id=user,
                    name=user,
                    tz="UTC",
                    locale="en-US",
                    is_admin=False,
                    is_owner=False,
                    is_bot=False,
                    deleted=False,
                ),
            )
            save_schedule(
                session=session,
                team_id="T1",
                kind=KIND,
                subject=user,
                recipient=user,
                cadence=due_now if n < due else not_today,
                now=now - timedelta(days=1),
                tz_follows_recipient=True,
            )
        celebrations.record_win(
            session=session,
            team_id="T1",
            new=celebrations.NewWin(
                kind="deal_signed",
                title="ACME signs",
                source=WinSource.webhook,
                source_ref="bench:acme",
                amount=Decimal("12000"),
                currency="EUR",
                winners=[celebrations.NewWinner(user_id=members[0], name="Winner")],
            ),
            now=now - timedelta(days=2),
        )


def seed_celebrations(url: str, now: datetime) -> str:
    """The celebration channel (its gazette on another day, no top performers); the token of
    the workspace's webhooks."""
    with session_scope(session_factory(build_engine(url))) as session:
        celebrations.save_settings(
            session=session,
            team_id="T1",
            change=SettingsChange(
                channel_id=WINS_CHANNEL,
                weekday=(now.weekday() + 3) % 7,
                hour=16,
                tz="UTC",
                top_performers=False,
            ),
            updated_by="UADMIN",
            now=now,
        )
        return issue_webhook_token(session=session, team_id="T1", created_by="UADMIN", now=now)


def win_title(n: int) -> str:
    return f"Bench win {n:03d} signs"


def a_win(n: int, winner: str) -> bytes:
    return json.dumps(
        {
            "winners": [{"slack_id": winner}],
            "kind": "deal_signed",
            "title": win_title(n),
            "amount": 1000 + n,
            "currency": "EUR",
            "source": "bench",
            "external_id": f"bench-{n}",
        }
    ).encode()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def most_in_window(times: Sequence[float], seconds: float) -> int:
    """The most of `times` inside any window [t, t + seconds)."""
    ordered, most, first = sorted(times), 0, 0
    for last, at in enumerate(ordered):
        while ordered[first] <= at - seconds:
            first += 1
        most = max(most, last - first + 1)
    return most


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} ({os.cpu_count()} cores)"


@dataclass
class Outcome:
    wall: float  # the processes' start to the last post
    posts: int
    ratelimited: int
    duplicates: int


@contextmanager
def processes(
    commands: list[tuple[str, list[str]]], env: dict[str, str], logs: Path
) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Started at once; SIGTERM at the end (a kill after 15 s)."""
    started = [
        subprocess.Popen(
            [sys.executable, "-m", "bot.cli", *args],
            env=env,
            cwd=logs,
            stdout=(logs / f"{name}.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        for name, args in commands
    ]
    try:
        yield started
    finally:
        for process in started:
            process.send_signal(signal.SIGTERM)
        for process in started:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def run(args: argparse.Namespace, url: str, logs: Path, *, clocks: int, wins: int) -> Outcome:
    upgrade(url)
    now = datetime.now(UTC)
    members = [f"UM{n:04d}" for n in range(args.members)]
    seed(url, members, args.due, now)
    token = seed_celebrations(url, now) if wins else ""
    limits = RateLimits(per_team_per_minute=args.per_minute)
    with ExitStack() as stack:
        fake = stack.enter_context(FakeSlack(latency_seconds=args.latency))
        for user in members:
            fake.add_user(user_id=user, tz="UTC", locale="en-US")
        fake.add_channel(channel_id=WINS_CHANNEL, name="wins")
        fake.set_rate_limit(
            "chat.postMessage",
            per_team_per_minute=limits.per_team_per_minute,
            per_channel_per_second=limits.per_channel_per_second,
            burst=limits.team_burst,
            channel_burst=limits.channel_burst,
        )
        port = free_port()
        env = {
            "PATH": os.environ["PATH"],
            "HOME": os.environ.get("HOME", "/tmp"),
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": fake.url,
            "DATABASE_URL": url,
            "SEND_RATE_PER_MINUTE": str(args.per_minute),
            "SEND_THREADS": str(args.threads),
            "LOG_FORMAT": "json",
            "PORT": str(port),
        }
        web = f"http://127.0.0.1:{port}"
        names: list[str] = []
        running: list[subprocess.Popen[bytes]] = []
        if wins:  # the web process is up before the clocks start
            names.append("serve")
            running += stack.enter_context(
                processes([("serve", ["serve", "--no-scheduler"])], env, logs)
            )
            deadline = time.time() + 60
            while _status(web + "/readyz") != 200:
                if time.time() > deadline:
                    raise SystemExit(f"revops-bot serve not ready: see {logs / 'serve.log'}")
                time.sleep(0.2)
        print(f"-- before: {load()}")
        started = time.time()
        clock_names = [f"clock-{n}" for n in range(1, clocks + 1)]
        names += clock_names
        running += stack.enter_context(
            processes([(name, ["clock"]) for name in clock_names], env, logs)
        )
        answers: Counter[int] = Counter()
        sent_at = None
        deadline = started + (args.timeout if args.until_done else args.watch)
        while time.time() < deadline:
            digests = len(_digests(fake))
            if wins and sent_at is None and digests >= args.due // 4:
                sent_at = time.time()
                with ThreadPoolExecutor(max_workers=min(wins, 25)) as pool:
                    answers.update(
                        pool.map(
                            lambda n: _post_win(web, token, n, members[n % len(members)]),
                            range(wins),
                        )
                    )
            done = digests >= args.due and len(_win_posts(fake)) >= wins
            if args.until_done and done:
                time.sleep(3)  # room for a duplicate to show up
                break
            time.sleep(0.2)
        stack.close()  # every process stopped before the ledger is read
        print(f"-- after:  {load()}")
        pids = {
            f"{socket.gethostname()[:40]}:{process.pid}": name
            for process, name in zip(running, names, strict=True)
        }
        return report(
            args,
            url,
            fake,
            logs,
            started,
            pids,
            clocks=clocks,
            wins=wins,
            answers=answers,
            sent_at=sent_at,
            limits=limits,
        )


def _status(url: str) -> int:
    try:
        return http("GET", url).status
    except OSError:
        return 0


def _post_win(web: str, token: str, n: int, winner: str) -> int:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    return http("POST", web + "/webhooks/wins", a_win(n, winner), headers).status


def _digests(fake: FakeSlack) -> list[Call]:
    return [c for c in fake.calls("chat.postMessage", ok=True) if c.args["channel"] != WINS_CHANNEL]


def _win_posts(fake: FakeSlack) -> list[Call]:
    return [c for c in fake.calls("chat.postMessage", ok=True) if c.args["channel"] == WINS_CHANNEL]


def milestones(log: Path, started: float) -> str:
    """When the process logged its start and its sync of the members (users.list, at most daily,
    before the digest is planned), from its JSON log."""
    seen = {}
    for line in log.read_text().splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        message = record.get("message")
        if message in {"clock started", "members synced"} and message not in seen:
            at = datetime.fromisoformat(record["time"]).timestamp() - started
            seen[message] = f"{message} +{at:.1f} s, "
    return "".join(seen.values())


def report(
    args: argparse.Namespace,
    url: str,
    fake: FakeSlack,
    logs: Path,
    started: float,
    pids: dict[str, str],
    *,
    clocks: int,
    wins: int,
    answers: Counter[int],
    sent_at: float | None,
    limits: RateLimits,
) -> Outcome:
    posts = fake.calls("chat.postMessage", ok=True)
    paced = [call for call in fake.calls(ok=True) if call.method in PACED]
    digests = _digests(fake)
    with session_scope(session_factory(build_engine(url))) as session:
        rows = session.execute(
            select(Delivery.kind, Delivery.recipient, Delivery.claimed_by).where(
                Delivery.kind.in_([KIND, WIN_POST_KIND])
            )
        ).all()
    # A worker is host:pid:token (bot/scheduling/workers.py): the process is its pid.
    process_of = {
        (kind, recipient): ":".join(worker.split(":")[:2]) if worker else worker
        for kind, recipient, worker in rows
        if kind == KIND
    }
    poster = {recipient: worker for (_, recipient), worker in process_of.items()}
    for worker, name in pids.items():
        if name == "serve":
            continue
        times = sorted(c.at - started for c in digests if poster.get(c.args["channel"]) == worker)
        first = f"+{times[0]:.1f} s" if times else "none"
        in_minute = sum(1 for t in times if t < 60)
        print(
            f"{name}: {milestones(logs / f'{name}.log', started)}first post {first} after the "
            f"clocks started; {in_minute} posts in the first minute, {len(times)} in all"
        )
    per_member = Counter(call.args["channel"] for call in digests)
    duplicates = sum(count - 1 for count in per_member.values() if count > 1)
    last = max((c.at - started for c in paced), default=0.0)
    first = min((c.at - started for c in digests), default=0.0)
    print(
        f"posted {len(per_member)} of {args.due} digests; duplicates {duplicates}; 429s from "
        f"Slack {fake.ratelimited_count}"
    )
    rate = limits.per_team_per_minute / 60.0
    floor = max(len(paced) - limits.team_burst, 0) / rate
    if args.until_done and floor > 0:
        methods = ", ".join(f"{n} {m}" for m, n in Counter(c.method for c in paced).items())
        print(
            f"wall time {last:.1f} s from the clocks' start to the last of the {len(paced)} "
            f"calls the budget paces ({methods}; {last - first:.1f} s from the first digest); "
            f"floor ({len(paced)} - burst {limits.team_burst}) / {rate:g} per s = "
            f"{floor:.1f} s; ratio {last / floor:.3f}"
        )
    if wins:
        by = Counter(
            pids.get(":".join(worker.split(":")[:2]), worker) if worker else "nobody"
            for kind, _, worker in rows
            if kind == WIN_POST_KIND
        )
        print(f"win cards posted by: {dict(sorted(by.items()))}")
        duplicates += report_wins(fake, posts, paced, started, wins, answers, sent_at, limits)
    return Outcome(last, len(posts), fake.ratelimited_count, duplicates)


def report_wins(
    fake: FakeSlack,
    posts: list[Call],
    paced: list[Call],
    started: float,
    wins: int,
    answers: Counter[int],
    sent_at: float | None,
    limits: RateLimits,
) -> int:
    cards = _win_posts(fake)  # the seeded win's card too: the channel exists from the start
    text = {id(card): json.dumps(card.args) for card in cards}
    ours = [card for card in cards if "Bench win" in text[id(card)]]
    times = Counter(sum(win_title(n) in text[id(card)] for card in ours) for n in range(wins))
    window = most_in_window([c.at for c in posts], 60.0)
    refused_in_channel = sum(
        1
        for c in fake.calls("chat.postMessage", ok=False)
        if c.error == "ratelimited" and c.args.get("channel") == WINS_CHANNEL
    )
    paced_window = most_in_window([c.at for c in paced], 60.0)
    allowed = limits.per_team_per_minute + limits.team_burst
    in_channel = most_in_window([c.at for c in cards], 1.0)
    sent = f"+{sent_at - started:.1f} s" if sent_at is not None else "never"
    first_card = min((c.at - started for c in ours), default=0.0)
    last_card = max((c.at - started for c in ours), default=0.0)
    print(
        f"{wins} wins POSTed at once to /webhooks/wins at {sent} (answers "
        f"{dict(sorted(answers.items()))}); their cards in #{WINS_CHANNEL} from "
        f"+{first_card:.1f} to +{last_card:.1f} s; wins posted once {times[1]}, never "
        f"{times[0]}, more than once {wins - times[0] - times[1]} (other posts in the "
        f"channel: {len(cards) - len(ours)}, the seeded win's card)"
    )
    print(
        f"most posts Slack received in any 60 s: {window}, paced calls {paced_window} "
        f"(workspace limit {allowed:.0f}: {limits.per_team_per_minute:.0f}/min + burst "
        f"{limits.team_burst}); most in one "
        f"second in #{WINS_CHANNEL}: {in_channel} (limit {limits.per_channel_per_second:g}/s, "
        f"burst {limits.channel_burst}); 429s {fake.ratelimited_count} ({refused_in_channel} "
        f"in #{WINS_CHANNEL})"
    )
    return wins - times[0] - times[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=150)
    parser.add_argument("--due", type=int, default=146)
    parser.add_argument("--per-minute", type=float, default=60.0)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--watch", type=float, default=65.0, help="seconds watched")
    parser.add_argument("--until-done", action="store_true", help="wait for every digest")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--one-clock-too", action="store_true", help="first, one clock alone")
    parser.add_argument("--webhook-wins", type=int, default=0, help="then wins by webhook")
    parser.add_argument("--logs", type=Path, help="keep the processes' logs in this directory")
    args = parser.parse_args()
    if databases.postgres_unavailable_reason() is not None:
        raise SystemExit(databases.postgres_unavailable_reason())
    cases = [(1, 0)] if args.one_clock_too else []
    cases.append((2, 0))
    if args.webhook_wins:
        cases.append((2, args.webhook_wins))
    print(
        f"# {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {args.due} weekly digests due at once among "
        f"{args.members} members; Slack and the bot's pacing at {args.per_minute:g} posts/min "
        f"per workspace, 1/s per channel; {args.threads} sender threads per process; fake API "
        f"latency {args.latency * 1000:.0f} ms (PostgreSQL)"
    )
    outcomes = {}
    for clocks, wins in cases:
        title = f"{clocks} clock{'s' if clocks > 1 else ''}"
        if wins:
            title += f" + `serve --no-scheduler` receiving {wins} wins by webhook"
        print(f"== {title} ==")
        with ExitStack() as stack:
            directory = stack.enter_context(tempfile.TemporaryDirectory())
            logs = args.logs / title.split(" +")[0].replace(" ", "-") if args.logs else None
            if logs is not None:
                logs = logs.with_name(logs.name + (f"-wins{wins}" if wins else ""))
                logs.mkdir(parents=True, exist_ok=True)
            url = stack.enter_context(databases.scratch_postgres_database("revops_bench"))
            outcomes[(clocks, wins)] = run(
                args, url, logs or Path(directory), clocks=clocks, wins=wins
            )
    if (1, 0) in outcomes and args.until_done:
        one, two = outcomes[(1, 0)], outcomes[(2, 0)]
        print(
            f"== two clocks against one: wall {two.wall:.1f} / {one.wall:.1f} s; 429s "
            f"{two.ratelimited} / {one.ratelimited}; duplicates {two.duplicates} / "
            f"{one.duplicates} =="
        )


if __name__ == "__main__":
    main()
