"""How well, and how fast, the filing modal finds what already answers a draft (issue 17).

    python bench/deflection.py [--rounds 300] [--docs 10000] [--requests 5000] [--no-speed]
    python bench/deflection.py --learned     # quality after the docs learned dev and fresh

Quality, on the labelled set bench/data/deflection.yaml (25 docs, 8 open requests, 222 drafts
in English and French; dev (63) and fresh (60, written blind later) = the drafts the rules are
chosen on (bench/calibrate_deflection.py and bench/calibrate_semantic.py, --on dev,fresh);
test (39) and fresh2 (60, written blind later) = "held", read by no calibration: see SPLITS):
- P@1: of the drafts the matcher offered something for, the share whose first offer answers it;
- P@3: of everything offered (at most three per draft), the share that answers its draft;
- R@3: of the drafts something answers, the share whose answer is among the first three;
- none→offer: of the drafts nothing answers, the share offered something anyway;
- R@3 90% interval: R@3 over bootstrap resamples of the drafts (bootstrap_interval).
Docs are judged on every draft: a draft an open request answers is one no doc answers.
Each matcher runs on a real database built through the bot's own write paths (remember_doc,
file_request); the keyword matcher shipped before issue 17 (bench/keyword_matcher.py) is the
baseline, run in the same process.

Speed: matching p50/p99 of the set's drafts, in turn (--rounds in all), with --docs docs and
--requests open requests besides the set's (synthetic, made of the set's words), on SQLite and
on PostgreSQL when TEST_DATABASE_URL names a server: the docs the modal offers (all of
matching_docs), and the open requests it offers to follow (all of
watching.matching_requests). Goal: p99 under 20 ms. On SQLite the same figures are measured
with every match filtered in the base table first (the search before best rows first), and
how many drafts get the same ranked ids and ranks both ways. On PostgreSQL the same figures are
measured with every matching row ranked (the reference the rarest-words-first pool is compared
with), and how many drafts get the same offers both ways on the bulk base.

--learned: the same quality tables once the docs have learned the words of every dev and fresh
draft they answer (`learn`), as in a team that has answered those 75 requests with their docs
(remember_doc grows a doc's keywords with each request it answers). The held drafts (test,
fresh2) teach nothing: their figures say what that history does to drafts it never saw. No
speed figures then.

With the semantic extra installed (bot.semantic), two more doc rows: "nearest in meaning
alone" (the model's three nearest docs, no threshold) and "fused (SEMANTIC_RULE)" (what the
modal offers with SEMANTIC_MATCHING=true), one more open-request row (fused,
REQUEST_SEMANTIC_RULE), and the matching speed with it on ("built in" is then the time the
first searches took to compute the missing vectors of every doc and open request).
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import text as sql

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.keyword_matcher import KeywordMatcher  # noqa: E402
from bot import semantic, textsearch  # noqa: E402
from bot.db import build_engine, session_factory, session_scope  # noqa: E402
from bot.db.migrations import upgrade  # noqa: E402
from bot.intake import filing, knowledge, meaning, search, watching  # noqa: E402
from bot.intake.models import IntakeRequest, KnowledgeDoc  # noqa: E402
from bot.workspaces import service as workspaces  # noqa: E402
from tests import databases  # noqa: E402

TEAM = "TBENCH"
REVOPS = "UREVOPS"
SET = ROOT / "bench" / "data" / "deflection.yaml"
NONE = "none"
# The drafts rules are chosen on, unless a calibration script is told otherwise (--on).
DEV = frozenset({"dev"})
# What the docs learn from with --learned: the drafts the rules are chosen on, never the held.
LEARNED_FROM = frozenset({"dev", "fresh"})

Matcher = Callable[[str], list[str]]


def load_set() -> dict[str, Any]:
    with SET.open(encoding="utf-8") as stream:
        data: dict[str, Any] = yaml.safe_load(stream)
    return data


@dataclass(frozen=True)
class Quality:
    drafts: int
    p_at_1: float
    p_at_3: float
    r_at_3: float
    none_offered: float
    offered_none: int
    nones: int
    r_at_3_interval: tuple[float, float] = (0.0, 0.0)


def bootstrap_interval(hits: list[bool], rounds: int = 2000) -> tuple[float, float]:
    """The 5th and 95th percentiles of a share over resamples of its drafts (with
    replacement, a fixed seed): how far the figure could move with another draw of drafts
    like these. A share near a goal whose interval straddles it is there by luck."""
    if not hits:
        return (1.0, 1.0)
    generator = random.Random(17)
    shares = sorted(sum(generator.choices(hits, k=len(hits))) / len(hits) for _ in range(rounds))
    return shares[int(0.05 * rounds)], shares[int(0.95 * rounds) - 1]


def judge(drafts: list[dict[str, Any]], matcher: Matcher, prefix: str) -> Quality:
    """The figures of the module docstring for what `matcher` offers; answers not starting
    with `prefix` (say a request, when judging docs) count as nothing answering."""
    first_right = with_offer = offered = offered_right = found = answerable = 0
    nones = offered_none = 0
    hits: list[bool] = []
    for draft in drafts:
        answer = draft["answer"] if draft["answer"].startswith(prefix) else NONE
        shown = matcher(draft["text"])[:3]
        if shown:
            with_offer += 1
            first_right += shown[0] == answer
            offered += len(shown)
            offered_right += answer in shown
        if answer == NONE:
            nones += 1
            offered_none += bool(shown)
        else:
            answerable += 1
            found += answer in shown
            hits.append(answer in shown)
    return Quality(
        drafts=len(drafts),
        p_at_1=first_right / with_offer if with_offer else 1.0,
        p_at_3=offered_right / offered if offered else 1.0,
        r_at_3=found / answerable if answerable else 1.0,
        none_offered=offered_none / nones if nones else 0.0,
        offered_none=offered_none,
        nones=nones,
        r_at_3_interval=bootstrap_interval(hits),
    )


# ---------------------------------------------------------------- the databases


def each_backend() -> Iterator[tuple[str, str]]:
    with tempfile.TemporaryDirectory() as directory:
        yield "SQLite", f"sqlite:///{directory}/deflection.db"
    if databases.postgres_unavailable_reason() is None:
        with databases.scratch_postgres_database("revops_bench") as url:
            yield "PostgreSQL", url


def build_set(factory: Any, data: dict[str, Any], now: datetime) -> None:
    """The set's docs and open requests, written as the bot writes them."""
    with session_scope(factory) as session:
        workspaces.ensure_workspace(session=session, team_id=TEAM)
    with session_scope(factory) as session:
        for doc in data["docs"]:
            for answered in doc["answered"] or [""]:
                knowledge.remember_doc(
                    session=session,
                    team_id=TEAM,
                    url=doc["url"],
                    summary=doc["summary"],
                    answered_text=answered,
                    actor_id=REVOPS,
                    now=now,
                )
        for index, request in enumerate(data["requests"]):
            file_one(session, request["title"], request["need"], f"set-{index}", now)


@contextmanager
def built_set(
    url: str, data: dict[str, Any], now: datetime
) -> Iterator[tuple[Any, dict[int, str]]]:
    """A database at `url` (upgraded to head) holding the set's docs and open requests, and
    the set's key of each doc's id; its connections are closed after."""
    upgrade(url)
    engine = build_engine(url)
    factory = session_factory(engine)
    try:
        build_set(factory, data, now)
        yield factory, doc_keys(factory, data)
    finally:
        engine.dispose()


def dev_half(
    data: dict[str, Any], splits: frozenset[str] = DEV, prefix: str = "doc:"
) -> Iterator[tuple[str, str]]:
    """(what answers it, its text) of each draft rules are chosen on (`splits`): "doc:<id>"
    (or "request:<id>" with that prefix), or NONE (a draft an open request answers is one no
    doc answers, and the other way round)."""
    for draft in data["drafts"]:
        if draft["split"] in splits:
            answer = draft["answer"] if draft["answer"].startswith(prefix) else NONE
            yield answer, draft["text"]


_TITLED = re.compile(r"^(.{8,90}?[.?!]+)\s+(\S.*)$", re.DOTALL)


def draft_title(text: str) -> str:
    """What the requester would have typed as the title: the set keeps one text per draft, and
    its fresh drafts are written "Title. Need" (the first sentence, when it is short and more
    follows); a draft of one sentence is all title, as when nothing is typed under Need."""
    titled = _TITLED.match(text)
    return titled.group(1) if titled else text


def file_one(session: Any, title: str, need: str, view_id: str, now: datetime) -> IntakeRequest:
    return filing.file_request(
        session=session,
        team_id=TEAM,
        requester_id="UREQUESTER",
        filing=filing.Filing(
            title=title,
            need=need,
            impact="slows_team",
            beneficiary="my_team",
            category="report",
        ),
        view_id=view_id,
        source_permalink=None,
        today=now.date(),
        now=now,
    ).request


def doc_keys(factory: Any, data: dict[str, Any]) -> dict[int, str]:
    by_url = {doc["url"]: doc["id"] for doc in data["docs"]}
    with session_scope(factory) as session:
        return {doc.id: by_url[doc.url] for doc in session.query(KnowledgeDoc) if doc.url in by_url}


def db_doc_matcher(factory: Any, keys: dict[int, str]) -> Matcher:
    def match(text: str) -> list[str]:
        with session_scope(factory) as session:
            found = knowledge.matching_docs(
                session=session, team_id=TEAM, text=text, title=draft_title(text)
            )
        return [f"doc:{keys.get(m.doc.id, m.doc.id)}" for m in found]

    return match


def learn(
    factory: Any, data: dict[str, Any], now: datetime, splits: frozenset[str] = LEARNED_FROM
) -> int:
    """Every draft of `splits` (dev and fresh) a doc answers teaches that doc its words, as
    when the team answers a filed request with it (remember_doc, as service.answer_with_doc
    calls it); how many did (see --learned)."""
    docs = {f"doc:{doc['id']}": doc for doc in data["docs"]}
    taught = 0
    with session_scope(factory) as session:
        for answer, text in dev_half(data, splits):
            if answer == NONE:
                continue
            knowledge.remember_doc(
                session=session,
                team_id=TEAM,
                url=docs[answer]["url"],
                summary=docs[answer]["summary"],
                answered_text=text,
                actor_id=REVOPS,
                now=now,
            )
            taught += 1
    return taught


def request_keys(factory: Any, data: dict[str, Any]) -> dict[int, str]:
    by_view = {f"set-{index}": request["id"] for index, request in enumerate(data["requests"])}
    with session_scope(factory) as session:
        return {
            request.id: by_view[request.filed_from_view]
            for request in session.query(IntakeRequest)
            if request.filed_from_view in by_view
        }


def db_duplicate_matcher(factory: Any, keys: dict[int, str]) -> Matcher:
    """The open requests the filing modal offers to follow (watching.matching_requests)."""

    def find(text: str) -> list[str]:
        with session_scope(factory) as session:
            found = watching.matching_requests(session=session, team_id=TEAM, text=text)
        return [f"request:{keys.get(m.request.id, m.request.id)}" for m in found]

    return find


@contextmanager
def every_row_ranked() -> Iterator[None]:
    """PostgreSQL ranks every row holding a searched term (no rarest-first pool): the
    reference the pool is compared with."""
    kept = search.POOL_ROWS
    search.POOL_ROWS = 10**12
    try:
        yield
    finally:
        search.POOL_ROWS = kept


@contextmanager
def filtered_first() -> Iterator[None]:
    """SQLite filters every match in the base table before ranking (no best rows first): the
    search before, which the best-rows-first search must equal."""
    kept = search.SQLITE_SCANNED
    search.SQLITE_SCANNED = 0
    try:
        yield
    finally:
        search.SQLITE_SCANNED = kept


def same_ranking(factory: Any, texts: list[str]) -> tuple[int, int]:
    """Of the texts, how many get the same ranked ids and ranks (search.ranked_ids, to the
    last bit) from SQLite's best-rows-first search as from filtering first: docs, open
    requests."""

    def ranked(text: str) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
        searched = textsearch.query_terms(text)
        with session_scope(factory) as session:
            docs = search.ranked_ids(session, table="intake_docs", team_id=TEAM, searched=searched)
            requests = search.ranked_ids(
                session,
                table="intake_requests",
                team_id=TEAM,
                searched=searched,
                where=watching._OPEN,
                glossary=watching.GLOSSARY,
            )
        return docs, requests

    best_first = [ranked(text) for text in texts]
    with filtered_first():
        before = [ranked(text) for text in texts]
    pairs = list(zip(best_first, before, strict=True))
    return sum(a[0] == b[0] for a, b in pairs), sum(a[1] == b[1] for a, b in pairs)


@contextmanager
def no_glossary() -> Iterator[None]:
    """Drafts searched without the bilingual glossary (textsearch.SYNONYM_GROUPS)."""
    kept = textsearch.SYNONYM_GROUPS
    caches = (textsearch._synonyms_by_word, textsearch.expanded, textsearch.term_stems)
    textsearch.SYNONYM_GROUPS = ()
    for cache in caches:
        cache.cache_clear()
    try:
        yield
    finally:
        textsearch.SYNONYM_GROUPS = kept
        for cache in caches:
            cache.cache_clear()


def without_glossary(matcher: Matcher) -> Matcher:
    def match(text: str) -> list[str]:
        with no_glossary():
            return matcher(text)

    return match


@contextmanager
def semantic_on() -> Iterator[None]:
    """Semantic matching on (the extra installed) for what runs inside."""
    semantic.configure(True)
    try:
        yield
    finally:
        semantic.configure(False)


def with_semantic(matcher: Matcher) -> Matcher:
    def match(text: str) -> list[str]:
        with semantic_on():
            return matcher(text)

    return match


def nearest_alone(factory: Any, keys: dict[int, str]) -> Matcher:
    """The three docs nearest in meaning, no threshold: what the model alone ranks first."""

    def match(text: str) -> list[str]:
        with semantic_on(), session_scope(factory) as session:
            found = meaning.nearest_docs(session=session, team_id=TEAM, text=text, limit=3)
        return [f"doc:{keys.get(row_id, row_id)}" for row_id, _ in found]

    return match


def semantic_installed() -> bool:
    with semantic_on():
        return semantic.enabled()


def agreement(matcher: Matcher, texts: list[str]) -> int:
    """Of the texts, how many get the same answer as when every matching row is ranked."""
    pooled = [matcher(text) for text in texts]
    with every_row_ranked():
        exact = [matcher(text) for text in texts]
    return sum(a == b for a, b in zip(pooled, exact, strict=True))


def keyword_baseline(data: dict[str, Any]) -> Matcher:
    matcher = KeywordMatcher()
    for doc in data["docs"]:
        for answered in doc["answered"] or [""]:
            matcher.remember(doc["id"], doc["summary"], answered)
    return lambda text: [f"doc:{key}" for key in matcher.match(text)]


# ---------------------------------------------------------------- speed


def add_bulk(factory: Any, data: dict[str, Any], docs: int, requests: int, now: datetime) -> None:
    """`docs` docs and `requests` open requests made of the set's words, shuffled."""
    generator = random.Random(17)
    words = " ".join(
        [d["summary"] for d in data["docs"]]
        + [r["title"] + " " + r["need"] for r in data["requests"]]
        + [t for d in data["docs"] for t in d["answered"]]
    ).split()
    batch = 500
    for start in range(0, docs, batch):
        with session_scope(factory) as session:
            for index in range(start, min(start + batch, docs)):
                summary = " ".join(generator.choices(words, k=generator.randint(10, 25)))
                asked = " ".join(generator.choices(words, k=generator.randint(5, 15)))
                knowledge.remember_doc(
                    session=session,
                    team_id=TEAM,
                    url=f"https://bulk.example.com/{index}",
                    summary=summary,
                    answered_text=asked,
                    actor_id=REVOPS,
                    now=now,
                )
    for start in range(0, requests, batch):
        with session_scope(factory) as session:
            for index in range(start, min(start + batch, requests)):
                title = " ".join(generator.choices(words, k=generator.randint(3, 8)))[:200]
                need = " ".join(generator.choices(words, k=generator.randint(8, 30)))
                file_one(session, title, need, f"bulk-{index}", now)
    with session_scope(factory) as session:  # as autovacuum would soon after such a load
        if session.get_bind().dialect.name == "postgresql":
            session.execute(sql("ANALYZE intake_docs; ANALYZE intake_requests"))
    search.forget_stats()  # the statistics read before the load said "small table"


def timed(matcher: Matcher, texts: list[str], rounds: int) -> tuple[float, float]:
    for text in texts:
        matcher(text)  # warm caches out of the figures
    samples = []
    for round_ in range(rounds):
        text = texts[round_ % len(texts)]
        started = time.perf_counter()
        matcher(text)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p99 = samples[min(len(samples) - 1, round(0.99 * (len(samples) - 1)))]
    return statistics.median(samples), p99


# ---------------------------------------------------------------- report


# How the drafts are reported: every one, the half the rules were first chosen on, the first
# held-out half, the two fresh batches (written later by sessions that saw neither the matcher
# nor its figures; the rules were chosen again on dev and fresh), and what no rule was chosen
# on together ("held": test and fresh2).
SPLITS = {
    "all": {"dev", "test", "fresh", "fresh2"},
    "dev": {"dev"},
    "test": {"test"},
    "fresh": {"fresh"},
    "fresh2": {"fresh2"},
    "held": {"test", "fresh2"},
}


def print_quality(
    title: str, drafts: list[dict[str, Any]], matchers: dict[str, Matcher], prefix: str = "doc:"
) -> None:
    print(f"\n{title}")
    print(
        f"{'matcher':<30} {'split':<5} {'drafts':>6} {'P@1':>6} {'P@3':>6} {'R@3':>6} "
        f"{'none→offer':>16}  R@3 90% interval"
    )
    for name, matcher in matchers.items():
        for split, splits in SPLITS.items():
            chosen = [d for d in drafts if d["split"] in splits]
            q = judge(chosen, matcher, prefix)
            print(
                f"{name:<30} {split:<5} {q.drafts:>6} {q.p_at_1:>6.2f} {q.p_at_3:>6.2f} "
                f"{q.r_at_3:>6.2f} {q.none_offered:>6.2f} ({q.offered_none:>2}/{q.nones:>2})"
                f"  {q.r_at_3_interval[0]:.2f}-{q.r_at_3_interval[1]:.2f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=5_000)
    parser.add_argument("--no-speed", action="store_true", help="quality only")
    parser.add_argument(
        "--learned", action="store_true", help="quality once the docs learned dev and fresh"
    )
    args = parser.parse_args()
    args.no_speed = args.no_speed or args.learned
    data = load_set()
    drafts = data["drafts"]
    now = datetime.now(UTC)
    texts = [d["text"] for d in drafts]
    speeds = []
    agreements: list[str] = []
    for backend, url in each_backend():
        upgrade(url)
        engine = build_engine(url)
        factory = session_factory(engine)
        build_set(factory, data, now)
        keys = doc_keys(factory, data)
        if args.learned:
            print(f"\n{backend}: {learn(factory, data, now)} drafts of dev and fresh taught")
        matchers = {
            "keywords (before, in memory)": keyword_baseline(data),
            "full-text, no glossary": without_glossary(db_doc_matcher(factory, keys)),
            "full-text (matching_docs)": db_doc_matcher(factory, keys),
        }
        if semantic_installed():
            matchers["nearest in meaning alone"] = nearest_alone(factory, keys)
            matchers["fused (SEMANTIC_RULE)"] = with_semantic(db_doc_matcher(factory, keys))
        print_quality(f"Docs offered for a draft, {backend}", drafts, matchers)
        request_ids = request_keys(factory, data)
        duplicate_matchers = {
            "full-text (matching_requests)": db_duplicate_matcher(factory, request_ids)
        }
        if semantic_installed():
            duplicate_matchers["fused (REQUEST_SEMANTIC_RULE)"] = with_semantic(
                db_duplicate_matcher(factory, request_ids)
            )
        print_quality(
            f"Open requests offered to follow (duplicates), {backend}",
            drafts,
            duplicate_matchers,
            prefix="request:",
        )
        if not args.no_speed:
            started = time.perf_counter()
            add_bulk(factory, data, args.docs, args.requests, now)
            built = time.perf_counter() - started
            docs_ms = timed(db_doc_matcher(factory, keys), texts, args.rounds)
            duplicates = db_duplicate_matcher(factory, request_ids)
            requests_ms = timed(duplicates, texts, args.rounds)
            speeds.append((backend, docs_ms, requests_ms, built))
            if semantic_installed():
                # The bulk docs have no vector yet: timed()'s warm-up fills them (lazily, as
                # after turning the setting on), out of the figures.
                started = time.perf_counter()
                with_semantic(db_doc_matcher(factory, keys))(texts[0])
                with_semantic(duplicates)(texts[0])
                filled = time.perf_counter() - started
                docs_ms = timed(with_semantic(db_doc_matcher(factory, keys)), texts, args.rounds)
                requests_ms = timed(with_semantic(duplicates), texts, args.rounds)
                speeds.append(("  semantic on", docs_ms, requests_ms, filled))
            if backend == "SQLite":
                with filtered_first():
                    docs_ms = timed(db_doc_matcher(factory, keys), texts, args.rounds)
                    requests_ms = timed(duplicates, texts, args.rounds)
                speeds.append(("  filtered first (before)", docs_ms, requests_ms, built))
                same_docs, same_requests = same_ranking(factory, texts)
                agreements.append(
                    f"SQLite, best rows first against filtered first, on the bulk base: same "
                    f"ranked docs and ranks for {same_docs}/{len(texts)} drafts, same open "
                    f"requests and ranks for {same_requests}/{len(texts)}"
                )
            if backend == "PostgreSQL":
                with every_row_ranked():
                    docs_ms = timed(db_doc_matcher(factory, keys), texts, args.rounds)
                    requests_ms = timed(duplicates, texts, args.rounds)
                speeds.append(("  every row ranked (before)", docs_ms, requests_ms, built))
                same_docs = agreement(db_doc_matcher(factory, keys), texts)
                same_requests = agreement(duplicates, texts)
                agreements.append(
                    f"PostgreSQL, rarest words first against every row ranked, on the bulk "
                    f"base: same docs offered for {same_docs}/{len(texts)} drafts, same open "
                    f"requests offered for {same_requests}/{len(texts)}"
                )
        engine.dispose()
    if speeds:
        print(f"\nMatching speed, {args.docs} docs and {args.requests} open requests")
        print(
            f"{'backend':<28} {'docs p50':>9} {'p99':>8}  {'open requests p50':>17} {'p99':>8}"
            "  (built in)"
        )
        for backend, (d50, d99), (r50, r99), built in speeds:
            print(
                f"{backend:<28} {d50:>7.1f}ms {d99:>6.1f}ms  {r50:>15.1f}ms {r99:>6.1f}ms"
                f"  ({built:.0f}s)"
            )
        for line in agreements:
            print(line)


if __name__ == "__main__":
    main()
