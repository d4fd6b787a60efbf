"""The engines' search of intake's indexed tables (docs, requests): ids and ranks, best first.

SQLite: FTS5 `MATCH` on the stems of any searched term, ranked by bm25. A draft of common
words matches thousands of rows, and bm25 scores each of them: most of the time goes there
(py-spy, bench/deflection.py's 10,000 docs). Joining every match to the base table to keep
the team's rows, before ranking, cost about a third more CPU (one B-tree seek per match). So
FTS5 ranks every match on its own, the base table is read for its SQLITE_SCANNED best rows
only, and the team's best CANDIDATES are taken from those; when fewer than CANDIDATES of them
are the team's (another workspace's docs, closed requests), the search filters every match in
the base table first, as before. Both give the same rows and ranks (`_sqlite_ranked`).
PostgreSQL: the `search_vector` GIN index, ranked by ts_rank, which
reads every row it ranks: a draft made of common words ("pipeline", "deal") would rank
thousands of rows, each read from the heap, and that is what made matching slow over 10,000
docs (bench/deflection.py). So on PostgreSQL, when ranking every row holding a term would
exceed POOL_ROWS rows, the rows ranked are chosen rarest words first (textsearch.rarest_first):
a row holding one of the draft's rare words, or two (or three) of its common ones. How common
a word is comes from the statistics PostgreSQL keeps for its own planner (pg_stats' most common
lexemes of `search_vector`, refreshed by autovacuum's ANALYZE), read at most every
STATS_SECONDS per process. Without statistics (a new or small table), every row holding a term
is ranked, as before. What a row is ranked on is unchanged: ts_rank over all the searched terms.
The statistics are the table's, so the pool counts every workspace's rows: they are found
through the GIN index and ranked first, then the team's are kept (`ranked_ids`).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy import TextClause, text
from sqlalchemy.orm import Session

from bot import textsearch

# How many of the engine's best rows are returned.
CANDIDATES = 10
# PostgreSQL: at most about this many rows are ranked per search (see the module docstring).
# The estimates take words as independent, and they are not: at 800 the longest drafts ranked
# up to 1,600 rows, and docs' matching took 19 ms p99 over 10,000 docs; at 400, 11.5 ms
# (bench/deflection.py says how many drafts are then offered what ranking every row offers).
POOL_ROWS = 400
# An open request's search_vector (title and need) is a fraction of a doc's (summary and up to
# 200 keywords): ranking one costs less, and twice the rows are ranked in the same time (p99
# 11.7 ms at 800 over 5,000 requests; docs 19.1 ms at 800 over 10,000 docs). At 400 the open
# requests offered on the bulk base differed from ranking every row for 28 of 222 drafts, at
# 800 for 1.
POOL_FACTOR = {"intake_requests": 2}


def pool_budget(table: str) -> int:
    """At most about this many rows of `table` are ranked per search."""
    return POOL_ROWS * POOL_FACTOR.get(table, 1)


STATS_SECONDS = 300.0
# SQLite: how many of FTS5's best rows (of every team) are looked up in the base table before
# falling back to filtering every match there (see the module docstring).
SQLITE_SCANNED = 50


@dataclass(frozen=True)
class LexemeStats:
    """What PostgreSQL's statistics say of a table's `search_vector`: the share of rows
    holding each of its most common lexemes, the share assumed for any other lexeme (as the
    planner assumes: half the least common listed, at most 0.5%), and the table's rows."""

    shares: dict[str, float]
    other_share: float
    rows: float

    def estimate(self, term: str, glossary: bool = True) -> float:
        """Rows expected to hold a term (any of its English and French stems, and its
        glossary synonyms')."""
        share = max(
            self.shares.get(stem, self.other_share)
            for stem in textsearch.term_stems(term, glossary)
        )
        return share * self.rows


_stats_lock = threading.Lock()
_stats: dict[tuple[str, str], tuple[float, LexemeStats | None]] = {}


def lexeme_stats(session: Session, table: str) -> LexemeStats | None:
    """The table's lexeme statistics (None before PostgreSQL has analysed it), cached per
    process for STATS_SECONDS: they move slowly and reading pg_stats costs a few ms."""
    key = (session.get_bind().engine.url.render_as_string(hide_password=True), table)
    now = time.monotonic()
    with _stats_lock:
        cached = _stats.get(key)
    if cached is not None and now - cached[0] < STATS_SECONDS:
        return cached[1]
    row = session.execute(
        text(
            "SELECT c.reltuples, s.most_common_elems::text::text[], s.most_common_elem_freqs "
            "FROM pg_class c LEFT JOIN pg_stats s ON s.schemaname = current_schema() "
            "AND s.tablename = c.relname AND s.attname = 'search_vector' "
            "WHERE c.oid = to_regclass(:table)"
        ),
        {"table": table},
    ).first()
    stats = None
    if row is not None and row[0] > 0 and row[1] and row[2]:
        rows, lexemes, freqs = float(row[0]), list(row[1]), list(row[2])
        # most_common_elem_freqs ends with the least and the greatest share, then nulls'.
        least = freqs[len(lexemes)]
        stats = LexemeStats(
            shares=dict(zip(lexemes, freqs, strict=False)),
            other_share=min(0.005, least / 2),
            rows=rows,
        )
    with _stats_lock:
        _stats[key] = (now, stats)
    return stats


def lexemes(session: Session, searched: list[str], glossary: bool = True) -> dict[str, list[str]]:
    """PostgreSQL's English and French lexemes of each term and of its glossary synonyms
    (textsearch.expanded); none for a term that is a stop word of both."""
    words = list(
        dict.fromkeys(word for term in searched for word in textsearch.expanded(term, glossary))
    )
    rows = session.execute(
        text(
            "SELECT word, tsvector_to_array(to_tsvector('english', revops_unaccent(word)) "
            "|| to_tsvector('french', revops_unaccent(word))) "
            "FROM unnest(CAST(:words AS text[])) AS word"
        ),
        {"words": words},
    )
    by_word = {word: found for word, found in rows}
    by_term = {
        term: sorted(
            {lexeme for word in textsearch.expanded(term, glossary) for lexeme in by_word[word]}
        )
        for term in searched
    }
    return {term: found for term, found in by_term.items() if found}


def forget_stats() -> None:
    """Read the statistics afresh at the next search (after a bulk load, in a benchmark)."""
    with _stats_lock:
        _stats.clear()


def pool_query(
    session: Session, table: str, searched: list[str], glossary: bool = True
) -> str | None:
    """The tsquery choosing the rows a PostgreSQL search ranks, or None for every row holding
    any searched term (see the module docstring). Built from PostgreSQL's own lexemes: a
    to_tsquery of "(a & b)" would keep only "b" when "a" is a stop word of its configuration,
    and so widen the pool instead of narrowing it."""
    stats = lexeme_stats(session, table)
    budget = pool_budget(table)
    if stats is None or stats.rows <= budget:
        return None
    if sum(stats.estimate(term, glossary) for term in searched) <= budget:
        return None
    by_term = lexemes(session, searched, glossary)
    if not by_term:
        return None
    estimates = {
        term: max(stats.shares.get(lexeme, stats.other_share) for lexeme in found) * stats.rows
        for term, found in by_term.items()
    }
    groups = textsearch.rarest_first(estimates, rows=stats.rows, budget=budget)

    def any_lexeme(term: str) -> str:  # lexemes are letters and digits: quoting is enough
        found = [f"'{lexeme}'" for lexeme in by_term[term]]
        return found[0] if len(found) == 1 else "(" + " | ".join(found) + ")"

    return " | ".join(
        "(" + " & ".join(any_lexeme(term) for term in group) + ")" for group in groups
    )


def _planned_for_this_query(
    session: Session, statement: TextClause, parameters: dict[str, object]
) -> list[tuple[int, float]]:
    """Run a PostgreSQL search with a plan made for its own tsquery, and with the GIN index;
    both settings are changed for this statement only (set_config local, restored after).

    - plan_cache_mode: psycopg prepares a statement run five times, and PostgreSQL may then
      reuse a generic plan that knows nothing of the tsquery (its selectivity, its lexemes):
      the search ranked up to 7 ms median where its custom plan ran in about 1 ms.
    - enable_seqscan: the cost model prices a bitmap scan of a tsquery of many groups above a
      sequential scan that evaluates it on every row; over 10,000 docs the sequential scan
      took 20-30 ms where the index took 2-4 ms. Searches without a pool were left to the
      planner until stop 24: for "Create a Slack channel for the Italy launch" (638 rows
      holding a term) it chose the sequential scan, 12.7 ms of the 19 ms that draft took.
    """
    before = session.execute(
        text(
            "SELECT current_setting('plan_cache_mode'), current_setting('enable_seqscan'), "
            "set_config('plan_cache_mode', 'force_custom_plan', true), "
            "set_config('enable_seqscan', :seqscan, true)"
        ),
        {"seqscan": "off"},
    ).one()
    rows = session.execute(statement, {**parameters, "limit": CANDIDATES}).all()
    # Restored after success; an error aborts the transaction, whose rollback drops them.
    session.execute(
        text(
            "SELECT set_config('plan_cache_mode', :mode, true), "
            "set_config('enable_seqscan', :seqscan, true)"
        ),
        {"mode": before[0], "seqscan": before[1]},
    )
    return [(row_id, float(rank)) for row_id, rank in rows]


def _sqlite_ranked(
    session: Session, *, table: str, team_id: str, searched: list[str], where: str, glossary: bool
) -> list[tuple[int, float]]:
    """SQLite's search (see the module docstring): FTS5's best SQLITE_SCANNED rows of every
    team first, then the base table for those only; the filtered search if fewer than
    CANDIDATES of them are the team's (and pass `where`).

    Both statements order by (rank, id), a total order, on the same bm25 of the same MATCH: when
    the first returns CANDIDATES rows, no row it did not score can come before them, so its
    answer is the second's, ranks included (bench/deflection.py compares them on its bulk base).
    """
    match = {"q": textsearch.fts5_query(searched, glossary), "team_id": team_id}
    best_first = text(
        f"SELECT t.id, s.score FROM (SELECT rowid AS id, -bm25({table}_search) AS score "
        f"FROM {table}_search WHERE {table}_search MATCH :q "
        "ORDER BY score DESC, rowid DESC LIMIT :scanned) s "
        f"JOIN {table} t ON t.id = s.id WHERE t.team_id = :team_id {where} "
        "ORDER BY s.score DESC, s.id DESC LIMIT :limit"
    )
    rows = session.execute(
        best_first, {**match, "scanned": SQLITE_SCANNED, "limit": CANDIDATES}
    ).all()
    if len(rows) < CANDIDATES:
        filtered_first = text(
            f"SELECT t.id, -bm25({table}_search) AS rank FROM {table}_search "
            f"JOIN {table} t ON t.id = {table}_search.rowid "
            f"WHERE {table}_search MATCH :q AND t.team_id = :team_id {where} "
            "ORDER BY rank DESC, t.id DESC LIMIT :limit"
        )
        rows = session.execute(filtered_first, {**match, "limit": CANDIDATES}).all()
    return [(row_id, float(rank)) for row_id, rank in rows]


def ranked_ids(
    session: Session,
    *,
    table: str,
    team_id: str,
    searched: list[str],
    where: str = "",
    glossary: bool = True,
) -> list[tuple[int, float]]:
    """(id, rank) of the team's rows of `table` that contain any searched term (or one of
    its glossary synonyms, unless `glossary` is off), best first (at most CANDIDATES).
    `where` adds conditions on the row `t`."""
    if not searched:
        return []
    if session.get_bind().dialect.name == "postgresql":
        query = textsearch.tsquery_text(searched, glossary)
        pool = pool_query(session, table, searched, glossary)
        chosen = (
            "CAST(:pool AS tsquery)"
            if pool
            else "to_tsquery('english', :q) || to_tsquery('french', :q)"
        )
        # The rows holding the pool's terms are found by the GIN index alone, in a CTE the
        # planner may not fold into the outer query: given the team's condition too, it read
        # every row of the team through the team's B-tree and tested the tsquery on each
        # (43 ms for a pool of 12 terms over 10,000 docs, against 6 ms through GIN).
        statement = text(
            "WITH q AS (SELECT to_tsquery('english', :q) || to_tsquery('french', :q) AS query, "
            f"{chosen} AS pool), "
            "found AS MATERIALIZED ("
            f"SELECT t.*, ts_rank(t.search_vector, q.query) AS rank FROM {table} t, q "
            "WHERE t.search_vector @@ q.pool) "
            f"SELECT t.id, t.rank FROM found t WHERE t.team_id = :team_id {where} "
            "ORDER BY t.rank DESC, t.id DESC LIMIT :limit"
        )
        parameters = {"q": query, "pool": pool} if pool else {"q": query}
        return _planned_for_this_query(session, statement, {**parameters, "team_id": team_id})
    return _sqlite_ranked(
        session, table=table, team_id=team_id, searched=searched, where=where, glossary=glossary
    )
