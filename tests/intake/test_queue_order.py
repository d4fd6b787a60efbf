"""The queue ordered in SQL is exactly priority.rank's order, and its ETAs priority.etas'."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, select

from bot.db import session_factory, session_scope
from bot.intake import configuration, filing, queue, service, watching
from bot.intake.models import IntakeRequest, Rollout, WatchVia
from bot.intake.priority import QueueEntry, etas, rank
from bot.workspaces.models import Workspace

TEAM = "T1"
TODAY = date(2026, 12, 30)
NOW = datetime(2026, 12, 30, 15, tzinfo=UTC)


def populate(engine: Engine, count: int = 400) -> None:
    """Requests over three months (weekends, holidays, roll-outs, every status)."""
    factory = session_factory(engine)
    generator = random.Random(5)
    with session_scope(factory) as session:
        settings = configuration.settings_of(session=session, team_id=TEAM)
        settings.run_capacity_hours = 30
        workspace = session.get(Workspace, TEAM)
        assert workspace is not None
        workspace.holidays = ["2026-11-11", "2026-12-24", "2026-12-25", "2026-12-26"]
        session.add_all(
            [
                Rollout(team_id=TEAM, name="E-signature", active=True),
                Rollout(team_id=TEAM, name="Old CPQ", active=True),
            ]
        )
    with session_scope(factory) as session:
        rollout_ids = list(session.scalars(select(Rollout.id)))
        for index in range(count):
            filed_at = NOW - timedelta(hours=generator.randrange(24 * 90))
            request = filing.file_request(
                session=session,
                team_id=TEAM,
                requester_id="U1",
                filing=filing.Filing(
                    title=f"Request {index}",
                    need="Need",
                    impact=generator.choice(
                        ["blocks_deal", "stops_team", "slows_team", "nice_to_have"]
                    ),
                    beneficiary=generator.choice(["me", "my_team", "leadership", "customers"]),
                    category="other",
                    rollout_id=generator.choice([None, None, None, *rollout_ids]),
                ),
                view_id=f"v{index}",
                source_permalink=None,
                today=filed_at.date(),
                now=filed_at,
            ).request
            common = {
                "session": session,
                "team_id": TEAM,
                "request_id": request.id,
                "actor_id": "U3",
                "actor_is_revops": True,
                "now": filed_at,
            }
            fate = generator.random()
            if fate < 0.4:
                service.accept(
                    estimate=generator.choice([1.0, 3.0, 8.0]), assignee_id="U3", **common
                )
                if fate < 0.08:
                    service.start_work(**common)
            elif fate < 0.5:
                service.decline(reason="No", **common)
            for watcher in range(generator.choice([0, 0, 0, 1, 2, 7])):  # "me too"
                watching.add_watcher(
                    session=session,
                    request=request,
                    user_id=f"UW{watcher}",
                    via=WatchVia.follow,
                    now=filed_at,
                )
    with session_scope(factory) as session:  # a roll-out ends: its requests lose the boost
        ended = session.scalars(select(Rollout).where(Rollout.name == "Old CPQ")).one()
        ended.active = False


def test_sql_order_and_etas_equal_the_pure_rules(engine: Engine) -> None:
    populate(engine)
    with session_scope(session_factory(engine)) as session:
        order = queue.ordering(session=session, team_id=TEAM)
        in_sql = queue.ranked_requests(session=session, team_id=TEAM, order=order)
        entries = [
            QueueEntry(
                request_id=request.id,
                number=request.number,
                impact=request.impact,
                beneficiary=request.beneficiary,
                filed_on=request.created_at.date(),
                rollout=request.rollout_id in order.boosted,
                status=request.status,
                estimate_hours=request.estimate_hours,
                watchers=request.watcher_count,
            )
            for request in in_sql
        ]
        calendar = configuration.calendar_of(session=session, team_id=TEAM)
        reference = rank(entries, today=TODAY, calendar=calendar)
        assert [r.entry.request_id for r in reference] == [request.id for request in in_sql]
        assert len(in_sql) > 300  # declined requests are not in the queue

        promised = queue.etas_of(session=session, team_id=TEAM, today=TODAY, order=order)
        assert promised == etas(reference, today=TODAY, weekly_capacity_hours=30, calendar=calendar)

        page = queue.queue_page(session=session, team_id=TEAM, today=TODAY, page=3)
        expected = reference[3 * queue.PAGE_SIZE : 4 * queue.PAGE_SIZE]
        assert [(row.request.id, row.score, row.age_working_days) for row in page.rows] == [
            (r.entry.request_id, r.score, r.age_working_days) for r in expected
        ]
        assert [row.eta for row in page.rows] == [
            promised.get(r.entry.request_id) for r in expected
        ]
        assert page.total == len(in_sql)
        stored = session.scalars(select(IntakeRequest).limit(1)).one()
        assert stored.filed_weekday_index > 0 and stored.base_score > 0
