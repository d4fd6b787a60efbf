"""Choose the docs' confidence rule (knowledge.DOC_RULE) on part of the labelled set.

    python bench/calibrate_deflection.py --on dev,fresh   # SQLite, and PostgreSQL with
                                                          # TEST_DATABASE_URL
    python bench/calibrate_deflection.py --on dev,fresh --learned   # and as docs learn

Only the drafts of bench/data/deflection.yaml in the splits named by --on are read (dev unless
told; DOC_RULE comes from dev and fresh since stop 24): the others (`test`, `fresh2`: "held"
in bench/deflection.py) are never seen here, so bench/deflection.py's figures on them are a
fair measure.

It first prints, per engine, what no rule can pass (`ceiling`): the R@3 of the engine's first
three candidates shown as they come, and how many drafts no doc answers would then get one. On
dev and fresh that is R@3 0.99 for a doc to 98% of the drafts no doc answers: the search finds
the right doc; what is lost is lost to the confidence rule, which must tell a right best doc
from a near miss on the same words ("pipeline coverage per product line" against the coverage
by segment doc).

--learned: every rule is also judged on each split of --on once the docs have learned the
requests of the other splits they answer (deflection.learn: the words of each request a doc
answers join it, as remember_doc does when the team answers with a doc), and must be
acceptable in every condition. Its run at stop 25 (bench/results/deflection.txt): DOC_RULE
offers a wrong doc to 12% and 33% of those drafts once the docs learned; the rule chosen with
--learned keeps that at 0-8% but finds the right doc for 0.57 of the new team's drafts instead
of 0.77. It was not adopted: which of the two matters more is the issue's call (on the held
drafts: R@3 0.41 instead of 0.62 for a new team, 0.44 instead of 0.77 once learned, wrong
offers 0-1 of 38 instead of 6-7 once learned).

How the rule is chosen. Each engine's candidates for each dev draft (knowledge.candidate_docs:
the engine's best docs with their rank and the draft's terms they hold) are computed once,
then every rule of the grid below is applied to them (knowledge.confident). A rule is
*acceptable* when, on the dev half and on every engine measured:
- a doc is offered for at most 10% of the drafts no doc answers (the goal),
- the first doc offered is right at least 90% of the time (goal 85%: a margin),
- the right doc is among the first three for at least 90% of the drafts a doc answers (goal
  80%: a margin).
Of the acceptable rules, the one kept has the best recall (the lowest of the engines'), then
the most acceptable neighbours in the grid (one step on one number), then the deepest
plateau (each number as many steps as possible from a value that is not acceptable): a rule
in the middle of a plateau, not on the edge of a cliff that one new doc could push it over;
then the fewest numbers changed from the rule before.

The first 39 dev drafts could not choose: every rule from the lenient to the strict was
equally right on them (R@3 1.00), and the rule chosen among those ties by the fewest changes
offered fewer wrong docs on the held-out half but found the right one for only 76% of its
drafts. 24 dev drafts were then added (bench/data/deflection.yaml says which), and the rule
chosen again on the 63, first with no wrong offer at all allowed on dev (a margin on that
goal too): held out, no wrong offer but R@3 0.68 on both engines; then with the goal itself
(above), the rule kept. The held-out half was thus read three times while choosing how to
choose (never to set a number): its figures are slightly optimistic, and fresh held-out
drafts would measure the rule afresh.

They did: 60 drafts written blind (`fresh`) got a doc for 10 of their 24 that nothing answers.
The rule was then chosen on dev and fresh (123 drafts): no rule meets the goals there, so the
third tier (precision and wrong offers, recall as high as those allow) chose it. 60 more blind
drafts (`fresh2`) were committed before any rule was measured on them.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import deflection  # noqa: E402
from bot import textsearch  # noqa: E402
from bot.db import session_scope  # noqa: E402
from bot.intake import knowledge  # noqa: E402

# min_matched stops at 3: bm25 gives next to nothing to a word every doc of a base holds, so in
# a team's first docs (a base of one or two) only the matched-words path can offer a doc, and
# needing 4 words would offer nothing to a short draft there ("Releve commission mensuel"
# against the one doc "Relevés de commissions mensuels": tests/intake/test_docs.py). The
# shares go up to 0.6 instead: a stricter share is how 3 words stay safe in a long draft.
# The title step (`titled`), after the grid: shares of the title's terms; 2.0 is off.
TITLE_SHARES = [0.5, 0.6, 0.66, 0.75, 0.8, 1.0, 2.0]
GRID: dict[str, list[Any]] = {
    "close_to_best": [0.5, 0.6, 0.7, 0.8, 0.9],
    "min_matched": [2, 3],
    "min_share": [0.1, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6],
    "min_coverage": [0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7],
    "sqlite": [3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 12.0, 14.0, 16.0, 20.0, 25.0],
    "postgresql": [0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6],
}
MIN_P_AT_1 = 0.90
MIN_R_AT_3 = 0.90
MAX_NONE_OFFERED = 0.10
# When no rule is acceptable with those margins, the goals themselves; then, since showing
# nothing is better than showing a wrong doc, the goals on precision and wrong offers alone
# (the recall is then as high as those allow). (P@1, R@3, none→offer) at each step.
TIERS = [
    (MIN_P_AT_1, MIN_R_AT_3, MAX_NONE_OFFERED),
    (0.85, 0.80, MAX_NONE_OFFERED),
    (0.85, 0.0, MAX_NONE_OFFERED),
]


@dataclass(frozen=True)
class DevDraft:
    answer: str  # "doc:<id>" or "none" (an open request's draft is one no doc answers)
    searched: int
    candidates: list[tuple[str, knowledge.Candidate]]
    title: frozenset[str] = frozenset()  # its title's terms (deflection.draft_title)


def dev_drafts(
    url: str,
    data: dict[str, Any],
    splits: frozenset[str] = deflection.DEV,
    learned_from: frozenset[str] = frozenset(),
) -> list[DevDraft]:
    """The drafts of `splits` with their candidates, the docs having first learned the drafts
    of `learned_from` they answer (deflection.learn), if any."""
    drafts = []
    now = datetime.now(UTC)
    with deflection.built_set(url, data, now) as (factory, keys):
        if learned_from:
            deflection.learn(factory, data, now, learned_from)
        for answer, text in deflection.dev_half(data, splits):
            with session_scope(factory) as session:
                found = knowledge.candidate_docs(
                    session=session, team_id=deflection.TEAM, text=text
                )
            searched = textsearch.query_terms(text)
            drafts.append(
                DevDraft(
                    answer,
                    len(searched),
                    [(f"doc:{keys[doc.id]}", candidate) for doc, candidate in found],
                    knowledge.title_terms(deflection.draft_title(text), searched),
                )
            )
    return drafts


def figures(
    drafts: list[DevDraft], rule: knowledge.ConfidenceRule, dialect: str
) -> tuple[float, float, int]:
    """P@1, R@3 and the share of the drafts no doc answers that were offered one."""
    with_offer = first_right = answerable = found = none_offered = nones = 0
    for draft in drafts:
        by_id = {candidate.id: key for key, candidate in draft.candidates}
        kept = knowledge.confident(
            [candidate for _, candidate in draft.candidates],
            searched=draft.searched,
            dialect=dialect,
            rule=rule,
            title=draft.title,
        )
        shown = [by_id[candidate.id] for candidate in kept[: knowledge.SHOWN_MATCHES]]
        if shown:
            with_offer += 1
            first_right += shown[0] == draft.answer
        if draft.answer == deflection.NONE:
            nones += 1
            none_offered += bool(shown)
        else:
            answerable += 1
            found += draft.answer in shown
    p_at_1 = first_right / with_offer if with_offer else 1.0
    r_at_3 = found / answerable if answerable else 1.0
    return p_at_1, r_at_3, none_offered / nones if nones else 0.0


def ceiling(drafts: list[DevDraft]) -> tuple[float, float]:
    """What no confidence rule can pass: R@3 if the engine's first three candidates were always
    shown, and the share of the drafts no doc answers that then get an offer. The gap between
    this R@3 and a rule's is lost to the rule (a right doc found but not trusted), not to the
    search."""
    answerable = [draft for draft in drafts if draft.answer != deflection.NONE]
    found = sum(
        draft.answer in [key for key, _ in draft.candidates[: knowledge.SHOWN_MATCHES]]
        for draft in answerable
    )
    nones = [draft for draft in drafts if draft.answer == deflection.NONE]
    offered = sum(bool(draft.candidates) for draft in nones)
    return found / len(answerable) if answerable else 1.0, offered / len(nones) if nones else 0.0


def dialect_of(label: str) -> str:
    """The engine of a set of drafts ("sqlite", "postgresql, dev after fresh learned")."""
    return label.split(",")[0]


def rule_of(point: dict[str, Any]) -> knowledge.ConfidenceRule:
    return knowledge.ConfidenceRule(
        close_to_best=point["close_to_best"],
        min_matched=point["min_matched"],
        min_share=point["min_share"],
        min_rank={"sqlite": point["sqlite"], "postgresql": point["postgresql"]},
        min_coverage=point["min_coverage"],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--on", default="dev", help="the splits rules are chosen on, comma-separated (dev)"
    )
    parser.add_argument(
        "--learned",
        action="store_true",
        help="also on docs that learned the other splits of --on (a team's docs over time)",
    )
    args = parser.parse_args()
    splits = frozenset(args.on.split(","))
    data = deflection.load_set()
    engines: dict[str, list[DevDraft]] = {}
    for name, url in deflection.each_backend():
        dialect = "sqlite" if name == "SQLite" else "postgresql"
        engines[dialect] = dev_drafts(url, data, splits)
        if args.learned:
            for split in sorted(splits):
                others = splits - {split}
                engines[f"{dialect}, {split} after {'+'.join(sorted(others))} learned"] = (
                    dev_drafts(url, data, frozenset({split}), learned_from=others)
                )
    for label, drafts in engines.items():
        found, offered = ceiling(drafts)
        print(
            f"{label}: the engine's first three hold the right doc for R@3 {found:.2f};"
            f" shown without a rule, a doc for {offered:.2f} of the drafts no doc answers"
        )
    names = list(GRID)
    results_of = {
        values: [
            figures(drafts, rule_of(dict(zip(names, values, strict=True))), dialect_of(label))
            for label, drafts in engines.items()
        ]
        for values in itertools.product(*GRID.values())
    }
    scores: dict[tuple[Any, ...], tuple[float, float] | None] = {}
    tier = TIERS[-1]
    for min_p1, min_r3, max_wrong in TIERS:
        for values, results in results_of.items():
            acceptable = all(
                p1 >= min_p1 and r3 >= min_r3 and wrong <= max_wrong for p1, r3, wrong in results
            )
            scores[values] = (
                (min(r3 for _, r3, _ in results), min(p1 for p1, _, _ in results))
                if acceptable
                else None
            )
        if any(score is not None for score in scores.values()):
            print(f"acceptable: P@1 >= {min_p1}, R@3 >= {min_r3}, none→offer <= {max_wrong}")
            tier = (min_p1, min_r3, max_wrong)
            break
        print(f"no rule with P@1 >= {min_p1}, R@3 >= {min_r3}, none→offer <= {max_wrong}")

    def neighbours(values: tuple[Any, ...]) -> int:
        count = 0
        for index, name in enumerate(names):
            position = GRID[name].index(values[index])
            for step in (-1, 1):
                if 0 <= position + step < len(GRID[name]):
                    moved = list(values)
                    moved[index] = GRID[name][position + step]
                    count += scores[tuple(moved)] is not None
        return count

    def margin(values: tuple[Any, ...]) -> int:
        """Steps from each number to the nearest unacceptable value (or past the grid's end),
        the nearer side, added up: the depth of the plateau."""
        total = 0
        for index, name in enumerate(names):
            position = GRID[name].index(values[index])
            sides = []
            for step in (-1, 1):
                moved, steps = list(values), 0
                while 0 <= position + (steps + 1) * step < len(GRID[name]):
                    moved[index] = GRID[name][position + (steps + 1) * step]
                    if scores[tuple(moved)] is None:
                        break
                    steps += 1
                sides.append(steps)
            total += min(sides)
        return total

    before = knowledge.DOC_RULE
    before_values = (
        before.close_to_best,
        before.min_matched,
        before.min_share,
        before.min_coverage,
        before.min_rank["sqlite"],
        before.min_rank["postgresql"],
    )
    acceptable = [values for values, score in scores.items() if score is not None]
    print(f"engines: {', '.join(engines)}; drafts chosen on: {len(next(iter(engines.values())))}")
    print(f"rules tried: {len(scores)}, acceptable: {len(acceptable)}")
    if not acceptable:
        print("no acceptable rule: keep the rule before and say so")
        return
    ranked = sorted(
        acceptable,
        key=lambda values: (
            -scores[values][0],  # type: ignore[index]
            -neighbours(values),
            -margin(values),
            sum(a != b for a, b in zip(values, before_values, strict=True)),
            -scores[values][1],  # type: ignore[index]
        ),
    )
    print("best acceptable rules (dev R@3, dev P@1, acceptable neighbours):")
    for values in ranked[:8]:
        score = scores[values]
        assert score is not None
        print(
            f"  {dict(zip(names, values, strict=True))}  R@3 {score[0]:.2f}  P@1 {score[1]:.2f}"
            f"  neighbours {neighbours(values)}  margin {margin(values)}"
        )
    chosen = rule_of(dict(zip(names, ranked[0], strict=True)))
    print(f"chosen: {chosen}")
    for index, name in enumerate(names):
        ok = []
        for value in GRID[name]:
            moved = list(ranked[0])
            moved[index] = value
            ok.append(f"{value}{'+' if scores[tuple(moved)] is not None else '-'}")
        print(f"  {name}: {' '.join(ok)}")
    for label, drafts in engines.items():
        p1, r3, wrong = figures(drafts, chosen, dialect_of(label))
        old = figures(drafts, replace(before), dialect_of(label))
        print(
            f"  {label}: P@1 {p1:.2f} R@3 {r3:.2f} none→offer {wrong:.2f}"
            f"  (DOC_RULE as committed: P@1 {old[0]:.2f} R@3 {old[1]:.2f} none→offer {old[2]:.2f})"
        )
    titled(engines, chosen, tier)


def titled(
    engines: dict[str, list[DevDraft]],
    chosen: knowledge.ConfidenceRule,
    tier: tuple[float, float, float],
) -> None:
    """The second step: with the rule chosen, the share of a draft's title the best doc must
    hold to be offered on its title alone (ConfidenceRule.min_title_share). Kept: the share
    acceptable on the same tier with the best recall, then the fewest wrong offers, then the
    highest share."""
    min_p1, min_r3, max_wrong = tier
    print("title step (min_title_share; over 1 = off): P@1 R@3 none→offer per engine")
    best: tuple[tuple[float, float, float], float] | None = None
    for share in TITLE_SHARES:
        rule = replace(chosen, min_title_share=share)
        results = [figures(drafts, rule, dialect_of(label)) for label, drafts in engines.items()]
        ok = all(p1 >= min_p1 and r3 >= min_r3 and wrong <= max_wrong for p1, r3, wrong in results)
        shown = "; ".join(f"{p1:.2f} {r3:.2f} {wrong:.2f}" for p1, r3, wrong in results)
        print(f"  {share}: {shown}{'' if ok else '  (not acceptable)'}")
        score = (
            min(r3 for _, r3, _ in results),
            -max(wrong for _, _, wrong in results),
            share,
        )
        if ok and (best is None or score > best[0]):
            best = (score, share)
    if best is not None:
        print(f"chosen: min_title_share={best[1]}")


if __name__ == "__main__":
    main()
