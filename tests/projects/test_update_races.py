"""The same update submitted twice at the same instant (a double click, Slack's retry): stored
once, the second copy answered as a duplicate, never an IntegrityError after its ack."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_factory, session_scope
from bot.projects import checkins, service
from bot.projects.models import Checkin, ProjectEvent
from bot.projects.validation import ProjectDraft, UpdateDraft


def _project(factory: sessionmaker[Session]) -> int:
    today = datetime.now(UTC).date()
    draft = ProjectDraft(
        name="CPQ roll-out",
        objective="Every quote goes through CPQ.",
        owner_id="U1",
        channel_id="CPROJ",
        start_date=today,
        target_end_date=today + timedelta(days=90),
        checkin_day="1",
        checkin_time="10:00",
    )
    with session_scope(factory) as session:
        project = service.create_project(
            session=session,
            team_id="T1",
            draft=draft,
            created_by="U1",
            owner_tz="Europe/Paris",
            group_member_ids=[],
            now=datetime.now(UTC),
        )
        return project.id


def test_two_copies_of_one_update_at_once_are_stored_once(engine: Engine) -> None:
    factory = session_factory(engine)
    project_id = _project(factory)
    first_stored = threading.Event()
    second_started = threading.Event()

    def submit(copy: int) -> bool:
        with session_scope(factory) as session:
            if copy == 2:
                second_started.set()
            result = checkins.post_update(
                session=session,
                team_id="T1",
                project_id=project_id,
                checkin_id=None,
                draft=UpdateDraft(health="on_track", progress="40"),
                actor_id="U1",
                is_admin=False,
                nonce="same-submission",
                now=datetime.now(UTC),
            )
            if copy == 1:
                first_stored.set()
                # Hold the transaction open until the second copy is on its way.
                second_started.wait(timeout=5)
                threading.Event().wait(0.3)
            return result.duplicate

    with ThreadPoolExecutor(max_workers=2) as pool:
        first = pool.submit(submit, 1)
        assert first_stored.wait(timeout=5)
        second = pool.submit(submit, 2)
        duplicates = [first.result(timeout=30), second.result(timeout=30)]

    assert duplicates == [False, True]
    with session_scope(factory) as session:
        assert session.scalar(select(func.count()).select_from(Checkin)) == 1
        posted = select(func.count()).select_from(ProjectEvent)
        assert session.scalar(posted.where(ProjectEvent.kind == "update_posted")) == 1
