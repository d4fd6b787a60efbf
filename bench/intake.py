"""Queue, ETAs and the Home tab with 100 and with 10,000 open requests (p50 / p99, ms).

    python bench/intake.py [--rounds 200] [--sizes 100,10000]

Data is built through intake's service functions (file, ask why, accept, start) on a real
SQLite file, and on PostgreSQL too when TEST_DATABASE_URL names a server (a scratch database,
dropped afterwards). Each round times, for a RevOps member:
- queue: order the queue, read its first page with the ETAs of its requests (queue.queue_page);
- all ETAs: the ETA of every accepted or in-progress request (queue.etas_of);
- refresh: what a move costs on top of the move itself: the queue before and after it and who
  is told what (etas.change around starting a mid-queue accepted request, which moves the
  ETA of every request behind it; rolled back after each round);
- home: render their whole Home tab as publish_home does (intake's sections, page 1 of the
  queue with its ETAs, the run report, the admin entry) into a views.publish payload.
Goal (issue 5): p99 under 150 ms with 10,000 open requests on both backends.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


from bot.db import build_engine, session_factory, session_scope  # noqa: E402
from bot.db.migrations import upgrade  # noqa: E402
from bot.home import views as home_views  # noqa: E402
from bot.i18n import translator_for  # noqa: E402
from bot.intake import configuration, due, etas, filing, handlers, queue, service  # noqa: E402
from bot.intake.models import IntakeRequest, Status  # noqa: E402
from bot.sections import HomeViewer, Sections  # noqa: E402
from bot.workspaces import service as workspaces  # noqa: E402
from tests import databases  # noqa: E402

TEAM = "TBENCH"
REVOPS = "UREVOPS"
IMPACTS = ["blocks_deal", "stops_team", "slows_team", "nice_to_have"]
BENEFICIARIES = ["me", "my_team", "leadership", "customers"]


def build(factory, count: int, now: datetime) -> None:  # type: ignore[no-untyped-def]
    """`count` open requests over the last 60 days: 55% new, 10% waiting, 30% accepted, 5% in
    progress, 5% for a roll-out; run capacity 120 h a week; every ETA told."""
    generator = random.Random(count)
    with session_scope(factory) as session:
        workspaces.save_member(
            session=session,
            team_id=TEAM,
            profile=workspaces.MemberProfile(
                user_id=REVOPS,
                name="RevOps",
                tz="UTC",
                locale="en-US",
                is_admin=True,
                is_owner=False,
                is_bot=False,
                deleted=False,
            ),
            now=now,
        )
        checked = configuration.check_settings(
            configuration.SettingsForm(
                intake_channel_id="CINTAKE",
                revops_usergroup_id="SREVOPS",
                who_may_file="everyone",
                filer_usergroup_ids=[],
                team_lead_id=None,
                capacity="120",
                sla="1",
                reminder="3",
                auto_close="10",
                holidays="2026-12-25\n2027-01-01",
                rollouts="E-signature",
            )
        )
        configuration.save_settings(
            session=session,
            team_id=TEAM,
            checked=checked,
            revops_member_ids=frozenset({REVOPS}),
            now=now,
        )
        rollout_id = configuration.active_rollouts(session=session, team_id=TEAM)[0].id
    batch = 250
    for start in range(0, count, batch):
        with session_scope(factory) as session:
            for index in range(start, min(start + batch, count)):
                filed_at = now - timedelta(minutes=generator.randrange(60 * 24 * 60))
                request = filing.file_request(
                    session=session,
                    team_id=TEAM,
                    requester_id=f"U{index % 300:04d}",
                    filing=filing.Filing(
                        title=f"Request {index}: pipeline report for region {index % 40}",
                        need="Prepare the QBR with the sales managers",
                        impact=generator.choice(IMPACTS),
                        beneficiary=generator.choice(BENEFICIARIES),
                        category="report",
                        rollout_id=rollout_id if generator.random() < 0.05 else None,
                    ),
                    view_id=f"bench-{index}",
                    source_permalink=None,
                    today=now.date(),
                    now=filed_at,
                ).request
                fate = generator.random()
                common = {
                    "session": session,
                    "team_id": TEAM,
                    "request_id": request.id,
                    "actor_id": REVOPS,
                    "actor_is_revops": True,
                    "now": filed_at,
                }
                if fate < 0.10:
                    service.ask_why(question="Which decision does it support?", **common)
                elif fate < 0.45:
                    service.accept(
                        estimate=generator.choice([1.0, 2.0, 4.0, 8.0, 16.0]),
                        assignee_id=REVOPS,
                        **common,
                    )
                    if fate > 0.40:
                        service.start_work(**common)
    # Every requester was told their ETA, as acceptance does one at a time.
    with session_scope(factory) as session, etas.change(session=session, team_id=TEAM, now=now):
        pass


def render_home(factory, sections: Sections, member, now: datetime) -> dict:  # type: ignore[no-untyped-def]
    t = translator_for("en-US")
    with session_scope(factory) as session:
        viewer = HomeViewer(session=session, team_id=TEAM, member=member, t=t, now=now)
        rendered = [blocks for _, blocks in sections.home.render(viewer)]
    return home_views.home_view(t, rendered)


def compute_queue(factory, now: datetime) -> int:  # type: ignore[no-untyped-def]
    with session_scope(factory) as session:
        settings = configuration.settings_of(session=session, team_id=TEAM)
        today = due.team_today(settings, now)
        page = queue.queue_page(session=session, team_id=TEAM, today=today, page=0)
        return len(page.rows)


def compute_all_etas(factory, now: datetime) -> int:  # type: ignore[no-untyped-def]
    with session_scope(factory) as session:
        order = queue.ordering(session=session, team_id=TEAM)
        return len(queue.etas_of(session=session, team_id=TEAM, today=now.date(), order=order))


def a_mid_queue_accepted_request(factory) -> int:  # type: ignore[no-untyped-def]
    with session_scope(factory) as session:
        order = queue.ordering(session=session, team_id=TEAM)
        accepted = [
            request_id
            for request_id, _, status in queue.scheduled_in_order(
                session=session, team_id=TEAM, order=order, columns=(IntakeRequest.status,)
            )
            if status == Status.accepted
        ]
        return accepted[len(accepted) // 2]


def refresh_after_a_move(factory, request_id: int, now: datetime) -> int:  # type: ignore[no-untyped-def]
    session = factory()
    try:
        with etas.change(session=session, team_id=TEAM, now=now) as moved:
            service.start_work(
                session=session,
                team_id=TEAM,
                request_id=request_id,
                actor_id=REVOPS,
                actor_is_revops=True,
                now=now,
            )
        return len(moved.news)
    finally:
        session.rollback()
        session.close()


def timed(work: Callable[[], object], rounds: int) -> tuple[float, float]:
    work()  # warm caches (translations, statement cache) out of the figures
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p99 = samples[min(len(samples) - 1, round(0.99 * (len(samples) - 1)))]
    return statistics.median(samples), p99


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--sizes", default="100,10000")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    sections = Sections()
    sections.home.add(order=10, name="mine", section=handlers.my_requests_section)
    sections.home.add(order=20, name="queue", section=handlers.queue_section)
    sections.home.add(order=25, name="report", section=handlers.run_report_section)
    sections.home.add(order=30, name="settings", section=handlers.settings_section)
    now = datetime.now(UTC)
    rows = []
    for size in sizes:
        for backend, url in _each_backend(size):
            upgrade(url)
            engine = build_engine(url)
            factory = session_factory(engine)
            started = time.perf_counter()
            build(factory, size, now)
            built = time.perf_counter() - started
            with session_scope(factory) as session:
                member = workspaces.find_member(session=session, team_id=TEAM, user_id=REVOPS)
            view = render_home(factory, sections, member, now)
            assert len(view["blocks"]) <= home_views.HOME_BLOCK_LIMIT
            queue_ms = timed(lambda f=factory: compute_queue(f, now), args.rounds)
            etas_ms = timed(lambda f=factory: compute_all_etas(f, now), args.rounds)
            moving = a_mid_queue_accepted_request(factory)
            refresh_ms = timed(
                lambda f=factory, r=moving: refresh_after_a_move(f, r, now), args.rounds
            )
            home_ms = timed(
                lambda f=factory, m=member: render_home(f, sections, m, now), args.rounds
            )
            rows.append(
                (backend, size, queue_ms, etas_ms, refresh_ms, home_ms, built, len(view["blocks"]))
            )
            engine.dispose()
    print(
        f"{'backend':<11} {'open':>6}  {'queue p50':>9} {'p99':>7}  {'all ETAs p50':>12} "
        f"{'p99':>7}  {'refresh p50':>11} {'p99':>7}  {'home p50':>8} {'p99':>7}  "
        f"{'blocks':>6}  (built in)"
    )
    for backend, size, (q50, q99), (e50, e99), (r50, r99), (h50, h99), built, blocks in rows:
        print(
            f"{backend:<11} {size:>6}  {q50:>7.1f}ms {q99:>5.1f}ms  {e50:>10.1f}ms "
            f"{e99:>5.1f}ms  {r50:>9.1f}ms {r99:>5.1f}ms  {h50:>6.1f}ms {h99:>5.1f}ms  "
            f"{blocks:>6}  ({built:.0f}s)"
        )


def _each_backend(size: int) -> Iterator[tuple[str, str]]:
    with tempfile.TemporaryDirectory() as directory:
        yield "SQLite", f"sqlite:///{directory}/intake-{size}.db"
    if databases.postgres_unavailable_reason() is None:
        with databases.scratch_postgres_database("revops_bench") as url:
            yield "PostgreSQL", url


if __name__ == "__main__":
    main()
