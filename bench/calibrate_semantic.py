"""Choose the semantic fusion's numbers (meaning.SEMANTIC_RULE) on the dev half of the set.

    python bench/calibrate_semantic.py     # SQLite, and PostgreSQL with TEST_DATABASE_URL

Needs the semantic extra. Only the drafts marked `split: dev` are read. For each engine and
dev draft, the full-text engine's candidates, the docs knowledge.DOC_RULE keeps, and the
nearest docs in meaning are computed once; every (min_cosine, margin) of the grid is applied
to them with meaning.fused. A rule is acceptable when, on every engine, a doc is offered for at
most 10% of the dev drafts no doc answers and the first doc offered is right at least 90% of
the time. Of those, the one kept has the best dev R@3 (the lowest of the engines'), then the
fewest wrong offers, then the highest min_cosine (the fewest semantic-only offers). If none
beats full-text alone on dev, fusion stays off by default (SEMANTIC_MATCHING=false anyway).
"""

from __future__ import annotations

import itertools
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import deflection  # noqa: E402
from bot import semantic, textsearch  # noqa: E402
from bot.db import session_scope  # noqa: E402
from bot.intake import knowledge, meaning  # noqa: E402

COSINES = [round(0.40 + 0.025 * step, 3) for step in range(23)]  # 0.40 .. 0.95
MARGINS = [0.0, 0.02, 0.05, 0.1, 0.2, 1.0]
FOUND = [0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 1.0]
MIN_P_AT_1 = 0.90
MAX_NONE_OFFERED = 0.10


@dataclass(frozen=True)
class DevDraft:
    answer: str
    confident: list[int]
    engine: list[int]
    nearest: list[tuple[int, float]]


def dev_drafts(url: str, data: dict[str, Any]) -> tuple[list[DevDraft], dict[int, str]]:
    drafts = []
    with deflection.built_set(url, data, datetime.now(UTC)) as (factory, keys):
        for answer, text in deflection.dev_half(data):
            with session_scope(factory) as session:
                found = knowledge.candidate_docs(
                    session=session, team_id=deflection.TEAM, text=text
                )
                kept = knowledge.confident(
                    [candidate for _, candidate in found],
                    searched=len(textsearch.query_terms(text)),
                    dialect=session.get_bind().dialect.name,
                )
                nearest = meaning.nearest_docs(session=session, team_id=deflection.TEAM, text=text)
            drafts.append(
                DevDraft(
                    answer,
                    [candidate.id for candidate in kept],
                    [candidate.id for _, candidate in found],
                    nearest,
                )
            )
    return drafts, {row_id: f"doc:{key}" for row_id, key in keys.items()}


def figures(
    drafts: list[DevDraft], keys: dict[int, str], rule: meaning.SemanticRule | None
) -> tuple[float, float, float]:
    """P@1, R@3, none→offer on the dev drafts (rule None: full-text alone)."""
    with_offer = first_right = answerable = found = none_offered = nones = 0
    for draft in drafts:
        ids = (
            draft.confident
            if rule is None
            else meaning.fused(draft.confident, draft.engine, draft.nearest, rule)
        )
        shown = [keys.get(row_id, str(row_id)) for row_id in ids[: knowledge.SHOWN_MATCHES]]
        if shown:
            with_offer += 1
            first_right += shown[0] == draft.answer
        if draft.answer == deflection.NONE:
            nones += 1
            none_offered += bool(shown)
        else:
            answerable += 1
            found += draft.answer in shown
    return (
        first_right / with_offer if with_offer else 1.0,
        found / answerable if answerable else 1.0,
        none_offered / nones if nones else 0.0,
    )


def main() -> None:
    semantic.configure(True)
    if not semantic.enabled():
        print("the semantic extra is not installed: pip install 'revops-bot[semantic]'")
        return
    data = deflection.load_set()
    engines = {name: dev_drafts(url, data) for name, url in deflection.each_backend()}
    for name, (drafts, keys) in engines.items():
        p1, r3, wrong = figures(drafts, keys, None)
        print(f"{name}: full-text alone on dev: P@1 {p1:.2f} R@3 {r3:.2f} none→offer {wrong:.2f}")
    scored = []
    for cosine, margin, found in itertools.product(COSINES, MARGINS, FOUND):
        rule = meaning.SemanticRule(cosine, margin, found)
        results = [figures(drafts, keys, rule) for drafts, keys in engines.values()]
        if all(p1 >= MIN_P_AT_1 and wrong <= MAX_NONE_OFFERED for p1, _, wrong in results):
            scored.append(
                (
                    min(r3 for _, r3, _ in results),
                    -max(wrong for _, _, wrong in results),
                    cosine + found,
                    -margin,
                    rule,
                    results,
                )
            )
    print(
        f"rules tried: {len(COSINES) * len(MARGINS) * len(FOUND)}, acceptable on dev: {len(scored)}"
    )
    scored.sort(key=lambda item: item[:4], reverse=True)
    for r3, _, _, _, rule, results in scored[:8]:
        shown = "; ".join(
            f"{name} P@1 {p1:.2f} R@3 {r3_:.2f} none→offer {wrong:.2f}"
            for name, (p1, r3_, wrong) in zip(engines, results, strict=True)
        )
        print(f"  {rule}  min R@3 {r3:.2f}  ({shown})")
    if scored:
        print(f"chosen: {scored[0][4]}")


if __name__ == "__main__":
    main()
