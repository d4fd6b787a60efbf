"""Docs and open requests near a draft in meaning (the semantic extra, bot.semantic), fused
with full-text.

Only called when bot.semantic.enabled(). Each doc's vector is written with the doc
(knowledge.remember_doc; a request's with the request, filing.file_request); a row written
while semantic matching was off, or by another model, has none, and gets it at the first
search that reads it (`_nearest` computes and stores it in the search's own transaction):
turning the setting on needs no backfill step.

Fusion. The full-text engine's confident rows (knowledge.confident) are kept as they are; a
row the engine missed, or found without confidence, is added when its cosine with the draft
reaches the rule's min_cosine (min_cosine_found for one the engine found) and is within its
margin of the best row's cosine. The rows offered are ordered by reciprocal rank fusion
(1/(RRF_K + rank) summed over the full-text candidates' order and the cosine order). The
numbers (SEMANTIC_RULE for docs, watching.REQUEST_SEMANTIC_RULE for open requests) are chosen
by bench/calibrate_semantic.py on the drafts of bench/data/deflection.yaml split dev and fresh;
bench/deflection.py measures them on the others (test and fresh2).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, String, cast, literal_column, select, type_coerce
from sqlalchemy.orm import Session

from bot import semantic
from bot.intake.models import IntakeRequest, KnowledgeDoc

CANDIDATES = 10
RRF_K = 60

_cache_lock = threading.Lock()


@dataclass(frozen=True)
class _Kept:
    """A table's vectors for one team, as last read: each row's (version, blob), and the rows
    (in `ids` order) stacked in one matrix, rebuilt only when a row or a version changes."""

    rows: dict[int, tuple[str, bytes]]
    ids: tuple[int, ...]
    matrix: Any  # numpy.ndarray, imported at first use only (bot.semantic)


# (database, team, table) -> what was last read
_cache: dict[tuple[str, str, str], _Kept] = {}


@dataclass(frozen=True)
class SemanticRule:
    """min_cosine: a row the full-text engine did not find; min_cosine_found: one it found
    without confidence (its words and its meaning agree: less cosine is needed)."""

    min_cosine: float
    margin: float
    min_cosine_found: float = 1.0


# Chosen by `bench/calibrate_semantic.py --on dev,fresh` (its docstring says how; bench/results/
# deflection.txt has its output): on those 123 drafts, adding a doc by meaning alone from a
# cosine of 0.475 up, or a doc the engine found without confidence from 0.5 up, made no wrong
# offer and raised R@3 from 0.77 to 0.79 (a lower cosine did make wrong offers); 0.5 keeps a
# step of 0.025 to spare. Measured on the drafts it never read by bench/deflection.py.
SEMANTIC_RULE = SemanticRule(min_cosine=0.5, margin=0.0, min_cosine_found=0.5)


def doc_text(doc: KnowledgeDoc) -> str:
    """What a doc's vector is computed from: what it is about and what it answered."""
    return f"{doc.summary} {doc.keywords}"


def request_text(request: IntakeRequest) -> str:
    """What a request's vector is computed from (filing.file_request writes it)."""
    return f"{request.title} {request.need}"


def nearest_docs(
    *, session: Session, team_id: str, text: str, limit: int = CANDIDATES
) -> list[tuple[int, float]]:
    """(doc id, cosine) of the team's docs nearest the draft, best first; [] when off."""
    versions = session.execute(
        select(KnowledgeDoc.id, _version(session, KnowledgeDoc, KnowledgeDoc.times_used))
        .where(KnowledgeDoc.team_id == team_id)
        .order_by(KnowledgeDoc.id.desc())
        .limit(semantic.SCAN_ROWS)
    ).all()
    return _nearest(session, team_id, KnowledgeDoc, doc_text, versions, text, limit)


def nearest_requests(
    *, session: Session, team_id: str, text: str, statuses: Sequence[str], limit: int = CANDIDATES
) -> list[tuple[int, float]]:
    """(request id, cosine) of the team's requests in `statuses` nearest the draft, best
    first; [] when off."""
    versions = session.execute(
        select(IntakeRequest.id, _version(session, IntakeRequest))
        .where(IntakeRequest.team_id == team_id, IntakeRequest.status.in_(statuses))
        .order_by(IntakeRequest.id.desc())
        .limit(semantic.SCAN_ROWS)
    ).all()
    return _nearest(session, team_id, IntakeRequest, request_text, versions, text, limit)


def _version(session: Session, model: type[KnowledgeDoc] | type[IntakeRequest], *more: Any) -> Any:
    """What tells one version of a row from another, for the vectors kept per process.

    PostgreSQL: `xmin`, the transaction that wrote this version of the row; every write gives
    a new one, and so does a row inserted again under an id already used (after TRUNCATE ...
    RESTART IDENTITY: the test suite does it, an operator reloading a database could).
    SQLite has no such column: the row's creation time (SQLite may give a deleted row's id to
    a new row), whether a vector is stored (an erasure clears it, with the text it came from),
    and `more` (a doc's times_used, which each of its writes bumps).
    One string made by the database: this is read for every row at every search, and turning
    10,000 creation times into Python datetimes took 44 ms of it."""
    if session.get_bind().dialect.name == "postgresql":
        return literal_column(f"{model.__tablename__}.xmin").cast(String)
    parts: list[ColumnElement[str]] = [
        type_coerce(model.created_at, String),
        cast(model.semantic_vector.is_(None), String),
        *(cast(part, String) for part in more),
    ]
    version = parts[0]
    for part in parts[1:]:
        version = version.concat("|").concat(part)
    return version


def _nearest(
    session: Session,
    team_id: str,
    model: type[KnowledgeDoc] | type[IntakeRequest],
    text_of: Callable[[Any], str],
    versions: Sequence[Any],
    text: str,
    limit: int,
) -> list[tuple[int, float]]:
    """The rows nearest the draft among `versions` ((id, *version) rows, newest first).

    Reading every row's blob costs far more than the scan (352 ms p50 over 10,000 docs on
    SQLite): the vectors are kept per process by row and version (`_version`), and only new
    or changed rows are read. A vector computed here changes its row's version: the row is
    read once more at the next search."""
    query = semantic.vectors([text])
    if query is None or not versions:
        return []
    key = (
        session.get_bind().engine.url.render_as_string(hide_password=True),
        team_id,
        model.__tablename__,
    )
    version_of: dict[int, str] = dict(versions)
    ids = tuple(version_of)
    with _cache_lock:
        kept = _cache.get(key)
    if (
        kept is None
        or kept.ids != ids
        or any(kept.rows[row_id][0] != version for row_id, version in version_of.items())
    ):
        kept = _read(session, model, text_of, version_of, kept)
        with _cache_lock:
            _cache[key] = kept
    # Stacking 10,000 blobs into a matrix cost more than the scan itself: it is done above only
    # when a row changed, not at every keystroke.
    return semantic.best(query[0], kept.matrix, list(ids), limit)


def _read(
    session: Session,
    model: type[KnowledgeDoc] | type[IntakeRequest],
    text_of: Callable[[Any], str],
    version_of: dict[int, str],
    before: _Kept | None,
) -> _Kept:
    """The vectors of the rows in `version_of`: those kept before at the same version, the
    others read (or computed, `_filled`)."""
    known = dict(before.rows) if before else {}
    stale = [
        row_id for row_id, version in version_of.items() if known.get(row_id, (None,))[0] != version
    ]
    for start in range(0, len(stale), 500):
        read = session.execute(
            select(model.id, model.semantic_vector).where(model.id.in_(stale[start : start + 500]))
        ).all()
        blobs = _filled(session, read, model, text_of)
        for (row_id, _), blob in zip(read, blobs, strict=True):
            known[row_id] = (version_of[row_id], blob)
    ids = tuple(version_of)
    kept = {row_id: known[row_id] for row_id in ids}
    return _Kept(kept, ids, semantic.from_blobs([kept[row_id][1] for row_id in ids]))


def _filled(
    session: Session,
    rows: Sequence[Any],
    model: type[KnowledgeDoc] | type[IntakeRequest],
    text_of: Callable[[Any], str],
) -> list[bytes]:
    """The rows' vectors, computing (and storing) those written while semantic matching was off
    or by another model (semantic.is_current)."""
    missing = [row_id for row_id, blob in rows if not semantic.is_current(blob)]
    computed: dict[int, bytes] = {}
    if missing:
        objects: list[KnowledgeDoc | IntakeRequest] = list(
            session.scalars(select(model).where(model.id.in_(missing)))
        )
        found = semantic.vectors([text_of(item) for item in objects])
        assert found is not None
        for item, vector in zip(objects, found, strict=True):
            item.semantic_vector = computed[item.id] = vector.tobytes()
        session.flush()
    return [computed.get(row_id, blob) for row_id, blob in rows]


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
