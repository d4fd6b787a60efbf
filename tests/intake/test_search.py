"""Full-text search on the database of the run (SQLite FTS5, or PostgreSQL when
TEST_DATABASE_URL is set): word forms and accents, the index kept by the writes themselves,
and drafts that never error."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete, text, update
from sqlalchemy.orm import Session

from bot.db import session_factory, session_scope
from bot.intake import filing, knowledge, search
from bot.intake.models import IntakeRequest
from bot.workspaces import service as workspaces
from bot.workspaces.models import Workspace
from tests.test_textsearch import HOSTILE

NOW = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
STATEMENT_URL = "https://wiki.example.com/commissions"


@pytest.fixture
def factory(engine: Engine) -> Iterator[object]:
    made = session_factory(engine)
    with session_scope(made) as session:
        for team in ("T1", "T2"):
            workspaces.ensure_workspace(session=session, team_id=team)
    yield made


def remember(session: Session, team_id: str, url: str, summary: str, asked: str = "") -> int:
    return knowledge.remember_doc(
        session=session,
        team_id=team_id,
        url=url,
        summary=summary,
        answered_text=asked,
        actor_id="UREVOPS",
        now=NOW,
    ).id


def matches(factory, draft: str, team_id: str = "T1") -> list[knowledge.DocMatch]:  # type: ignore[no-untyped-def]
    with session_scope(factory) as session:
        return knowledge.matching_docs(session=session, team_id=team_id, text=draft)


def test_a_doc_sharing_no_exact_word_is_found_by_word_forms_and_accents(factory) -> None:  # type: ignore[no-untyped-def]
    with session_scope(factory) as session:
        doc_id = remember(session, "T1", STATEMENT_URL, "Relevés de commissions mensuels")
        remember(session, "T1", "https://wiki.example.com/other", "Onboarding of new hires")
    (found,) = matches(factory, "releve commission mensuel")
    assert found.doc.id == doc_id
    assert found.shared == ("releve", "commission", "mensuel")  # as the requester typed them
    assert found.marked == ("Relevés", "commissions", "mensuels")  # as the doc writes them


def test_a_french_draft_finds_an_english_doc_through_the_glossary(factory) -> None:  # type: ignore[no-untyped-def]
    with session_scope(factory) as session:
        doc_id = remember(
            session, "T1", "https://wiki.example.com/merge", "Merge duplicate accounts yourself"
        )
        remember(session, "T1", "https://wiki.example.com/other", "Onboarding of new hires")
    (found,) = matches(factory, "Fusionner des comptes en doublon")
    assert found.doc.id == doc_id
    assert found.shared == ("Fusionner", "comptes", "doublon")  # no word in common
    assert found.marked == ("Merge", "duplicate", "accounts")


def test_another_workspaces_docs_are_never_offered(factory) -> None:  # type: ignore[no-untyped-def]
    with session_scope(factory) as session:
        remember(session, "T2", STATEMENT_URL, "Relevés de commissions mensuels")
    assert matches(factory, "releve commission mensuel") == []
    assert matches(factory, "releve commission mensuel", team_id="T2")


def test_the_index_follows_the_docs_in_the_same_transactions(factory) -> None:  # type: ignore[no-untyped-def]
    with session_scope(factory) as session:
        remember(session, "T1", STATEMENT_URL, "Relevés de commissions mensuels")
    assert matches(factory, "quota attainment bookings") == []
    with session_scope(factory) as session:  # the doc answers another request: its words join
        remember(session, "T1", STATEMENT_URL, "Commission statements", "Quota attainment bookings")
    assert matches(factory, "quota attainment bookings")
    session = factory()
    try:  # a write rolled back leaves the index as it was
        remember(session, "T1", "https://x.test/zebra", "Zebra giraffe okapi")
        session.rollback()
    finally:
        session.close()
    assert matches(factory, "zebra giraffe okapi") == []
    with session_scope(factory) as session:  # a purged workspace leaves nothing to find
        session.execute(delete(Workspace).where(Workspace.team_id == "T1"))
    with session_scope(factory) as session:
        found = search.ranked_ids(
            session, table="intake_docs", team_id="T1", searched=["quota", "commission"]
        )
        assert found == []
        if session.get_bind().dialect.name == "sqlite":
            assert session.scalar(text("SELECT count(*) FROM intake_docs_search")) == 0


def test_requests_are_indexed_and_an_erased_text_is_no_longer_found(factory) -> None:  # type: ignore[no-untyped-def]
    with session_scope(factory) as session:
        request = filing.file_request(
            session=session,
            team_id="T1",
            requester_id="U1",
            filing=filing.Filing(
                title="Zebra pipeline by région",
                need="For the okapi review",
                impact="slows_team",
                beneficiary="my_team",
                category="report",
            ),
            view_id="V1",
            source_permalink=None,
            today=NOW.date(),
            now=NOW,
        ).request
    searched = ["zebra", "region", "okapi"]
    with session_scope(factory) as session:
        found = search.ranked_ids(session, table="intake_requests", team_id="T1", searched=searched)
        assert [row_id for row_id, _ in found] == [request.id]
        session.execute(
            update(IntakeRequest)
            .where(IntakeRequest.id == request.id)
            .values(title="[erased]", need="[erased]")
        )
    with session_scope(factory) as session:
        assert (
            search.ranked_ids(session, table="intake_requests", team_id="T1", searched=searched)
            == []
        )


def test_hostile_and_empty_drafts_never_error_and_tiny_ones_match_nothing(factory) -> None:  # type: ignore[no-untyped-def]
    with session_scope(factory) as session:
        remember(session, "T1", STATEMENT_URL, "Near pipeline dashboard or and not a b c")
    for draft in HOSTILE:
        matches(factory, draft)  # no error from the engine's query syntax
    for draft in ("", " ", "a", "b", "é", "?", "*", '"'):
        assert matches(factory, draft) == []


@settings(
    max_examples=60, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(draft=st.text(max_size=3000))
def test_any_draft_is_searched_without_error(factory, draft: str) -> None:  # type: ignore[no-untyped-def]
    matches(factory, draft)


def test_postgresql_ranks_rare_words_first_and_finds_the_same_best_rows(  # type: ignore[no-untyped-def]
    factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over a base where the draft's common words are everywhere, PostgreSQL ranks only the
    rows holding its rare word or two of its common ones (search.pool_query), and the best
    rows are those of ranking every row."""
    with session_scope(factory) as session:
        if session.get_bind().dialect.name != "postgresql":
            pytest.skip("the rarest-first pool is PostgreSQL's (SQLite's FTS5 ranks fast)")
        for index in range(120):
            words = ["pipeline", "dashboard", "region"][: 1 + index % 3]
            remember(session, "T1", f"https://x.test/{index}", " ".join(words) + f" filler{index}")
        target = remember(
            session, "T1", "https://x.test/coverage", "Pipeline coverage dashboard by region"
        )
    with session_scope(factory) as session:
        session.execute(text("ANALYZE intake_docs"))
    search.forget_stats()
    monkeypatch.setattr(search, "POOL_ROWS", 30)
    searched = ["pipeline", "coverage", "dashboard", "region"]
    with session_scope(factory) as session:
        pool = search.pool_query(session, "intake_docs", searched)
        assert pool is not None and "'coverag'" in pool  # the rare word, alone
        assert "'pipelin'" not in pool.split(" | ")  # a common word never alone
        pooled = search.ranked_ids(session, table="intake_docs", team_id="T1", searched=searched)
    monkeypatch.setattr(search, "POOL_ROWS", 10**9)
    with session_scope(factory) as session:
        exact = search.ranked_ids(session, table="intake_docs", team_id="T1", searched=searched)
    assert pooled[0][0] == exact[0][0] == target
    assert [rank for _, rank in pooled] == [rank for _, rank in exact]
    monkeypatch.setattr(search, "POOL_ROWS", 30)
    for draft in HOSTILE:  # the pooled query is built from lexemes: no syntax gets through
        matches(factory, draft + " pipeline dashboard region")
    with session_scope(factory) as session:  # in the same transaction, settings as they were
        assert search.pool_query(session, "intake_docs", searched) is not None
        search.ranked_ids(session, table="intake_docs", team_id="T1", searched=searched)
        assert session.scalar(text("SHOW enable_seqscan")) == "on"
        assert session.scalar(text("SHOW plan_cache_mode")) == "auto"
    search.forget_stats()


def test_sqlite_best_rows_first_finds_what_filtering_first_finds(  # type: ignore[no-untyped-def]
    factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite reads the base table for FTS5's best rows only (search.SQLITE_SCANNED): when
    another workspace's rows or closed requests fill them, it filters every match first, and
    either way the rows and ranks are those of filtering every match first."""
    with session_scope(factory) as session:
        if session.get_bind().dialect.name != "sqlite":
            pytest.skip("SQLite's FTS5 search")
        for index in range(12):  # another workspace's docs outrank T1's
            remember(session, "T2", f"https://x.test/t2/{index}", "Pipeline pipeline coverage")
        ours = [
            remember(session, "T1", f"https://x.test/t1/{index}", f"Pipeline review {index}")
            for index in range(3)
        ]
    monkeypatch.setattr(search, "SQLITE_SCANNED", 12)  # T2 fills them: T1 falls back
    searched = ["pipeline", "coverage"]
    with session_scope(factory) as session:
        found = search.ranked_ids(session, table="intake_docs", team_id="T1", searched=searched)
        theirs = search.ranked_ids(session, table="intake_docs", team_id="T2", searched=searched)
    assert sorted(row_id for row_id, _ in found) == sorted(ours)
    monkeypatch.setattr(search, "SQLITE_SCANNED", 0)  # every match filtered first
    with session_scope(factory) as session:
        assert found == search.ranked_ids(
            session, table="intake_docs", team_id="T1", searched=searched
        )
        assert theirs == search.ranked_ids(
            session, table="intake_docs", team_id="T2", searched=searched
        )
    assert len(theirs) == search.CANDIDATES
