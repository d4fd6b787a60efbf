"""Choose the semantic fusion's numbers (meaning.SEMANTIC_RULE, watching.REQUEST_SEMANTIC_RULE).

    python bench/calibrate_semantic.py     # SQLite, and PostgreSQL with TEST_DATABASE_URL

    python bench/calibrate_semantic.py --on dev,fresh --rows requests   # open requests

Needs the semantic extra. Only the drafts of the splits named by --on are read (dev unless
told). For each engine and draft, the full-text engine's candidates, the rows its confidence
rule keeps (knowledge.DOC_RULE; watching.REQUEST_RULE for open requests), and the nearest rows
in meaning are computed once; every (min_cosine, margin, min_cosine_found) of the grid is
applied to them with meaning.fused. A rule is acceptable when, on every engine, something is
offered for at most 10% of the drafts nothing answers and the first offer is right at least
90% of the time. The best have the highest R@3 (the lowest of the engines'), then the fewest
wrong offers. Of those as good as the best, the one kept has the lowest cosines whose step
below is as good too: the most offers by meaning alone that cost nothing on these drafts,
with a step to spare. (Before stop 24 the highest cosine was kept instead: with this set,
whose drafts the glossary mostly covers, that offered nothing by meaning alone, not even a
French draft sharing no word with its English doc.)
"""

from __future__ import annotations

import argparse
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
from bot.intake import knowledge, meaning, watching  # noqa: E402

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


def dev_drafts(
    url: str, data: dict[str, Any], splits: frozenset[str], rows: str
) -> tuple[list[DevDraft], dict[int, str]]:
    """Each draft's answer, the full-text candidates, those the confidence rule keeps, and
    the nearest rows in meaning: of the docs (rows "docs") or of the open requests."""
    drafts = []
    prefix = "doc:" if rows == "docs" else "request:"
    with deflection.built_set(url, data, datetime.now(UTC)) as (factory, doc_keys):
        keys = doc_keys if rows == "docs" else deflection.request_keys(factory, data)
        for answer, text in deflection.dev_half(data, splits, prefix):
            with session_scope(factory) as session:
                if rows == "docs":
                    found = knowledge.candidate_docs(
                        session=session, team_id=deflection.TEAM, text=text
                    )
                    candidates = [candidate for _, candidate in found]
                    searched = textsearch.query_terms(text)
                    kept = knowledge.confident(
                        candidates,
                        searched=len(searched),
                        dialect=session.get_bind().dialect.name,
                        title=knowledge.title_terms(deflection.draft_title(text), searched),
                    )
                    nearest = meaning.nearest_docs(
                        session=session, team_id=deflection.TEAM, text=text
                    )
                else:
                    duplicates = watching.duplicate_candidates(
                        session=session, team_id=deflection.TEAM, text=text
                    )
                    candidates = duplicates.candidates if duplicates else []
                    kept = duplicates.kept if duplicates else []
                    nearest = duplicates.nearest if duplicates else []
            drafts.append(
                DevDraft(
                    answer,
                    [candidate.id for candidate in kept],
                    [candidate.id for candidate in candidates],
                    nearest,
                )
            )
    return drafts, {row_id: f"{prefix}{key}" for row_id, key in keys.items()}


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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--on", default="dev", help="the splits rules are chosen on, comma-separated (dev)"
    )
    parser.add_argument(
        "--rows",
        choices=["docs", "requests"],
        default="docs",
        help="the docs offered (meaning.SEMANTIC_RULE) or the open requests to follow "
        "(watching.REQUEST_SEMANTIC_RULE)",
    )
    arguments = parser.parse_args()
    splits = frozenset(arguments.on.split(","))
    semantic.configure(True)
    if not semantic.enabled():
        print("the semantic extra is not installed: pip install 'revops-bot[semantic]'")
        return
    data = deflection.load_set()
    engines = {
        name: dev_drafts(url, data, splits, arguments.rows)
        for name, url in deflection.each_backend()
    }
    for name, (drafts, keys) in engines.items():
        p1, r3, wrong = figures(drafts, keys, None)
        print(
            f"{name}: full-text alone on {','.join(sorted(splits))}: "
            f"P@1 {p1:.2f} R@3 {r3:.2f} none→offer {wrong:.2f}"
        )
    scored: dict[tuple[float, float, float], tuple[float, float, list[Any]]] = {}
    for cosine, margin, found in itertools.product(COSINES, MARGINS, FOUND):
        rule = meaning.SemanticRule(cosine, margin, found)
        results = [figures(drafts, keys, rule) for drafts, keys in engines.values()]
        if all(p1 >= MIN_P_AT_1 and wrong <= MAX_NONE_OFFERED for p1, _, wrong in results):
            best_r3 = min(r3 for _, r3, _ in results)
            scored[(cosine, margin, found)] = (best_r3, max(w for _, _, w in results), results)
    print(f"rules tried: {len(COSINES) * len(MARGINS) * len(FOUND)}, acceptable: {len(scored)}")
    if not scored:
        print("no acceptable rule: fusion adds nothing by default")
        return
    top = max((r3, -wrong) for r3, wrong, _ in scored.values())
    ties = {values for values, (r3, wrong, _) in scored.items() if (r3, -wrong) == top}

    def step_down(values: tuple[float, float, float], index: int, grid: list[float]) -> bool:
        """The rule one step lower on this number is a tie too (at the grid's end, unknown)."""
        position = grid.index(values[index])
        if position == 0:
            return False
        lower = list(values)
        lower[index] = grid[position - 1]
        return tuple(lower) in ties

    # The lowest cosines among the ties that keep a step of margin (each number on its own,
    # where any tie does): the most offers by meaning (drafts sharing no word with their row,
    # across languages) that cost nothing on the drafts chosen on, with one step to spare;
    # then the narrowest margin.
    safe = [values for values in ties if step_down(values, 0, COSINES)] or list(ties)
    safe = [values for values in safe if step_down(values, 2, FOUND)] or safe
    chosen = min(safe, key=lambda values: (values[0] + values[2], values[1]))
    print(f"best: min R@3 {top[0]:.2f}, none→offer {-top[1]:.2f}; rules as good: {len(ties)}")
    for name, (p1, r3, wrong) in zip(engines, scored[chosen][2], strict=True):
        print(f"  {name}: P@1 {p1:.2f} R@3 {r3:.2f} none→offer {wrong:.2f}")
    for index, label in ((0, "min_cosine"), (2, "min_cosine_found")):
        grid = COSINES if index == 0 else FOUND
        marks = []
        for value in grid:
            moved = list(chosen)
            moved[index] = value
            marks.append(f"{value}{'=' if tuple(moved) in ties else '-'}")
        print(f"  {label}: {' '.join(marks)}  (= as good as the best)")
    print(f"chosen: {meaning.SemanticRule(*chosen)}")


if __name__ == "__main__":
    main()
