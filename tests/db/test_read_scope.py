"""read_scope(): a unit of work that only reads does not queue behind writers, and cannot write.

On SQLite every other transaction begins IMMEDIATE (it takes the write lock at once, so that a
read-then-write never fails with "database is locked"); a read that took the lock too would wait
for every outbox send and scheduler write in progress. These run on PostgreSQL as well, where
read_scope is an ordinary transaction.
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import Engine, select, text

from bot.db import read_scope, session_factory, session_scope
from bot.workspaces.models import Workspace
from bot.workspaces.service import ensure_workspace


def test_a_read_does_not_wait_for_a_writer_and_sees_the_last_commit(engine: Engine) -> None:
    factory = session_factory(engine)
    with session_scope(factory) as session:
        ensure_workspace(session=session, team_id="T1")
    writing, done = threading.Event(), threading.Event()

    def hold_the_write_lock() -> None:
        with session_scope(factory) as session:
            session.execute(text("UPDATE workspaces SET team_id = team_id WHERE team_id = 'T1'"))
            ensure_workspace(session=session, team_id="T2")  # not committed while we read
            writing.set()
            done.wait(10)

    writer = threading.Thread(target=hold_the_write_lock)
    writer.start()
    try:
        assert writing.wait(5)
        started = time.monotonic()
        with read_scope(factory) as session:
            teams = sorted(session.scalars(select(Workspace.team_id)))
        waited = time.monotonic() - started
    finally:
        done.set()
        writer.join(10)
    assert teams == ["T1"]
    assert waited < 1.0, f"the read waited {waited:.2f} s for the writer"


def test_writing_through_a_read_scope_is_refused(engine: Engine) -> None:
    factory = session_factory(engine)
    with pytest.raises(RuntimeError, match="read_scope"), read_scope(factory) as session:
        ensure_workspace(session=session, team_id="T9")  # an INSERT statement
    with pytest.raises(RuntimeError, match="read_scope"), read_scope(factory) as session:
        session.add(Workspace(team_id="T9", name="", default_locale="en-US", holidays=[]))
        session.flush()
    with read_scope(factory) as session:
        assert session.get(Workspace, "T9") is None
