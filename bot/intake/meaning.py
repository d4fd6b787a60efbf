"""Docs near a draft in meaning (the semantic extra, bot.semantic), fused with full-text.

Only called when bot.semantic.enabled(). Each doc's vector is written with the doc
(knowledge.remember_doc; a request's with the request, filing.file_request); a row written
while semantic matching was off has none, and gets it at the first search that reads it
(`nearest` computes and stores it in the search's own transaction): turning the setting on
needs no backfill step.

Fusion. The full-text engine's confident docs (knowledge.confident) are kept as they are; a
doc the engine missed, or found without confidence, is added when its cosine with the draft
reaches SEMANTIC_RULE.min_cosine and is within SEMANTIC_RULE.margin of the best doc's cosine.
The docs offered are ordered by reciprocal rank fusion (1/(RRF_K + rank) summed over the
full-text candidates' order and the cosine order). The numbers are chosen on the dev half of
bench/data/deflection.yaml only (bench/calibrate_semantic.py); bench/deflection.py measures
the held-out half.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import semantic
from bot.intake.models import KnowledgeDoc

CANDIDATES = 10
RRF_K = 60

_cache_lock = threading.Lock()
# (database, team) -> {doc id: (times_used, vector blob)}
_cache: dict[tuple[str, str], dict[int, tuple[int, bytes]]] = {}


@dataclass(frozen=True)
class SemanticRule:
    """min_cosine: a doc the full-text engine did not find; min_cosine_found: one it found
    without confidence (its words and its meaning agree: less cosine is needed)."""

    min_cosine: float
    margin: float
    min_cosine_found: float = 1.0


# Chosen by bench/calibrate_semantic.py on the dev half only: no rule of its grid that adds a
# doc the engine was not confident of kept the goals on dev (a doc for at most 10% of the
# drafts nothing answers, P@1 0.90) *and* raised dev R@3 above full-text's 0.95 (the best,
# R@3 0.97, offered a doc for 3/24 drafts nothing answers). So the rule kept adds a doc only at
# a cosine of 0.95 (a near-copy of a known doc): with this model, semantic matching reorders
# the engine's confident docs and adds next to nothing. Measured on the held-out half by
# bench/deflection.py (bench/results/deflection.txt).
SEMANTIC_RULE = SemanticRule(min_cosine=0.95, margin=0.0, min_cosine_found=1.0)


def doc_text(doc: KnowledgeDoc) -> str:
    """What a doc's vector is computed from: what it is about and what it answered."""
    return f"{doc.summary} {doc.keywords}"


def nearest_docs(
    *, session: Session, team_id: str, text: str, limit: int = CANDIDATES
) -> list[tuple[int, float]]:
    """(doc id, cosine) of the team's docs nearest the draft, best first; [] when off."""
    query = semantic.vectors([text])
    if query is None:
        return []
    # Reading every doc's blob costs far more than the scan (352 ms p50 over 10,000 docs on
    # SQLite): the vectors are kept per process by (id, times_used), which every write of a
    # doc bumps (knowledge.remember_doc), and only new or changed ones are read.
    versions = session.execute(
        select(KnowledgeDoc.id, KnowledgeDoc.times_used)
        .where(KnowledgeDoc.team_id == team_id)
        .order_by(KnowledgeDoc.id.desc())
        .limit(semantic.SCAN_ROWS)
    ).all()
    key = (session.get_bind().engine.url.render_as_string(hide_password=True), team_id)
    with _cache_lock:
        known = dict(_cache.get(key, {}))
    stale = [row_id for row_id, used in versions if known.get(row_id, (None,))[0] != used]
    for start in range(0, len(stale), 500):
        rows = session.execute(
            select(KnowledgeDoc.id, KnowledgeDoc.semantic_vector).where(
                KnowledgeDoc.id.in_(stale[start : start + 500])
            )
        ).all()
        blobs = _filled(session, rows, KnowledgeDoc, doc_text)
        used_by_id = dict(versions)
        for (row_id, _), blob in zip(rows, blobs, strict=True):
            known[row_id] = (used_by_id[row_id], blob)
    ids = [row_id for row_id, _ in versions]
    with _cache_lock:
        _cache[key] = {row_id: known[row_id] for row_id in ids}
    return semantic.best(
        query[0], semantic.from_blobs([known[row_id][1] for row_id in ids]), ids, limit
    )


def _filled(
    session: Session,
    rows: Sequence[Any],
    model: type[KnowledgeDoc],
    text_of: Callable[[KnowledgeDoc], str],
) -> list[bytes]:
    """The rows' vectors, computing (and storing) those written while semantic matching was off."""
    missing = [row_id for row_id, blob in rows if blob is None]
    computed: dict[int, bytes] = {}
    if missing:
        objects = list(session.scalars(select(model).where(model.id.in_(missing))))
        found = semantic.vectors([text_of(item) for item in objects])
        assert found is not None
        for item, vector in zip(objects, found, strict=True):
            item.semantic_vector = computed[item.id] = vector.tobytes()
        session.flush()
    return [blob if blob is not None else computed[row_id] for row_id, blob in rows]


def fused(
    confident_ids: list[int],
    engine_ids: list[int],
    nearest: list[tuple[int, float]],
    rule: SemanticRule | None = None,
) -> list[int]:
    """The doc ids to offer, best first (see the module docstring); SEMANTIC_RULE unless told."""
    rule = rule or SEMANTIC_RULE
    best = nearest[0][1] if nearest else 0.0
    found = set(engine_ids)
    close = [
        row_id
        for row_id, cosine in nearest
        if cosine >= (rule.min_cosine_found if row_id in found else rule.min_cosine)
        and cosine >= best - rule.margin
    ]
    offered = list(dict.fromkeys([*confident_ids, *close]))
    score = dict.fromkeys(offered, 0.0)
    for order in (engine_ids, [row_id for row_id, _ in nearest]):
        for rank, row_id in enumerate(order):
            if row_id in score:
                score[row_id] += 1 / (RRF_K + rank + 1)
    return sorted(offered, key=lambda row_id: -score[row_id])
