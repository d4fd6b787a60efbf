"""Pure rules on a set of wins: totals per currency, the week's top wins, monthly standings.

No database, no Slack: data in, dataclasses out. `service.py` re-exports these so that every
rule of the domain is found from there.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TypeVar

from bot.celebrations.models import WinKind

# Kinds that make someone a seller, a support agent (monthly top performers).
SELLER_KINDS = frozenset({WinKind.deal_signed, WinKind.expansion})
SUPPORT_KINDS = frozenset({WinKind.customer_saved, WinKind.support_case})
# Places shown per category ("podium"); ties on the last place are all shown.
PODIUM = 3


@dataclass(frozen=True)
class Winner:
    """A winner as the rules see them: a Slack user, or a name when nobody matched."""

    user_id: str | None
    name: str = ""

    @property
    def key(self) -> str:
        return self.user_id or f"name:{self.name.casefold()}"


@dataclass(frozen=True)
class WinFact:
    id: int
    kind: str
    title: str
    amount: Decimal | None
    currency: str | None
    winners: tuple[Winner, ...]
    created_at: datetime
    reactions: int = 0
    channel_id: str | None = None
    ts: str | None = None

    @property
    def has_amount(self) -> bool:
        return self.amount is not None and self.currency is not None


@dataclass(frozen=True)
class ExchangeRates:
    """The workspace's exchange-rate setting: without it, currencies are never added up."""

    base: str | None = None
    rates: Mapping[str, Decimal] = field(default_factory=dict)

    def to_base(self, amount: Decimal, currency: str) -> Decimal | None:
        """The amount in the base currency, or None when no rate says how to convert it."""
        if self.base is None:
            return None
        if currency == self.base:
            return amount
        rate = self.rates.get(currency)
        return None if rate is None else amount * rate

    def converts_all(self, wins: Iterable[WinFact]) -> bool:
        return all(
            self.to_base(win.amount, win.currency) is not None
            for win in wins
            if win.amount is not None and win.currency is not None
        )


def totals_per_currency(wins: Iterable[WinFact]) -> dict[str, Decimal]:
    """Won amounts added up per currency, never across currencies; sorted by currency code."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for win in wins:
        if win.amount is not None and win.currency is not None:
            totals[win.currency] += win.amount
    return dict(sorted(totals.items()))


def total_in_base(totals: Mapping[str, Decimal], rates: ExchangeRates) -> Decimal | None:
    """One grand total in the base currency, only when every currency has a rate."""
    if not totals or rates.base is None:
        return None
    converted = [rates.to_base(amount, currency) for currency, amount in totals.items()]
    if any(value is None for value in converted):
        return None
    return sum((value for value in converted if value is not None), Decimal(0))


@dataclass(frozen=True)
class WeekSummary:
    count: int
    totals: dict[str, Decimal]
    total_in_base: Decimal | None
    base_currency: str | None
    top: list[WinFact]


def comparable_value(
    wins: Sequence[WinFact], rates: ExchangeRates
) -> Callable[[WinFact], Decimal | None]:
    """How wins compare by size: in the base currency when every amount converts, else by raw
    amount when all amounts share one currency, else not at all (None)."""
    currencies = {win.currency for win in wins if win.has_amount}
    if currencies and rates.converts_all(wins):
        return lambda win: rates.to_base(win.amount, win.currency) if win.has_amount else None  # type: ignore[arg-type]
    if len(currencies) == 1:
        return lambda win: win.amount if win.has_amount else None
    return lambda win: None


def top_wins(wins: Sequence[WinFact], rates: ExchangeRates, *, limit: int = 5) -> list[WinFact]:
    """The biggest wins first when amounts can be compared (see `comparable_value`); wins that
    cannot be compared follow, newest first."""
    value = comparable_value(wins, rates)
    sized = [win for win in wins if value(win) is not None]
    unsized = [win for win in wins if value(win) is None]
    sized.sort(key=lambda win: (-(value(win) or Decimal(0)), win.created_at, win.id))
    unsized.sort(key=lambda win: (win.created_at, win.id), reverse=True)
    return (sized + unsized)[:limit]


def summarise_week(
    wins: Sequence[WinFact], rates: ExchangeRates, *, top_limit: int = 5
) -> WeekSummary:
    """The gazette's wins line: how many, totals per currency (one converted total on top only
    when the exchange-rate setting covers every currency), and the top wins."""
    totals = totals_per_currency(wins)
    grand = total_in_base(totals, rates) if len(totals) > 1 else None
    return WeekSummary(
        count=len(wins),
        totals=totals,
        total_in_base=grand,
        base_currency=rates.base if grand is not None else None,
        top=top_wins(wins, rates, limit=top_limit),
    )


# ---------------------------------------------------------------- standings

K = TypeVar("K", bound=Hashable)


def shared_ranks(
    scores: Mapping[K, tuple[Decimal | int, ...]], *, podium: int = PODIUM
) -> list[tuple[int, K]]:
    """Competition ranking ("1, 1, 3"): equal scores share a place, nobody is dropped from a
    tie, and only places up to `podium` are kept. Higher scores rank first."""
    ordered = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    ranked: list[tuple[int, K]] = []
    previous: tuple[Decimal | int, ...] | None = None
    place = 0
    for position, (key, score) in enumerate(ordered, start=1):
        if score != previous:
            place, previous = position, score
        if place > podium:
            break
        ranked.append((place, key))
    return ranked


@dataclass(frozen=True)
class Standing:
    rank: int
    winner: Winner | None = None  # sellers, support agents
    win: WinFact | None = None  # best cases; for a person, the win their citation names
    amount: Decimal | None = None
    count: int = 0


@dataclass(frozen=True)
class Ranking:
    category: str  # "sellers" | "support" | "best_cases"
    currency: str | None
    standings: list[Standing]


def _credited(wins: Iterable[WinFact], kinds: frozenset[WinKind]) -> list[tuple[Winner, WinFact]]:
    """Every winner of a win is credited with all of it: a shared deal counts for each seller."""
    return [(winner, win) for win in wins if win.kind in kinds for winner in win.winners]


def _cited(
    credited: Iterable[tuple[Winner, WinFact]], size: Callable[[WinFact], Decimal | None]
) -> dict[str, WinFact]:
    """The win each person's citation names: their biggest by `size`, else (no amounts) the one
    with the most reactions; the earliest of equals, so the choice is stable."""

    def weight(win: WinFact) -> tuple[Decimal, int, float, int]:
        return (size(win) or Decimal(-1), win.reactions, -win.created_at.timestamp(), -win.id)

    cited: dict[str, WinFact] = {}
    for winner, win in credited:
        best = cited.get(winner.key)
        if best is None or weight(win) > weight(best):
            cited[winner.key] = win
    return cited


def top_sellers(wins: Sequence[WinFact], rates: ExchangeRates) -> list[Ranking]:
    """Top sellers by won amount, then by number of deals (deal signed, expansion), each
    cited by their biggest deal (in the ranking's currency).

    - Every amount converts (exchange-rate setting): one ranking in the base currency.
    - Otherwise one ranking per currency: amounts in different currencies are never added.
    - No amounts at all: one ranking by number of deals.
    Ties are shared; no seller wins → no ranking.
    """
    credited = _credited(wins, SELLER_KINDS)
    if not credited:
        return []
    people = {winner.key: winner for winner, _ in credited}
    with_amount = [(w, win) for w, win in credited if win.has_amount]
    if with_amount and rates.converts_all(win for _, win in credited):
        totals: dict[str, Decimal] = defaultdict(Decimal)
        counts: dict[str, int] = defaultdict(int)
        for winner, win in credited:
            counts[winner.key] += 1
            if win.has_amount:
                totals[winner.key] += rates.to_base(win.amount, win.currency) or Decimal(0)  # type: ignore[arg-type]
        scores = {key: (totals[key], counts[key]) for key in counts}
        cited = _cited(
            credited,
            lambda win: rates.to_base(win.amount, win.currency) if win.has_amount else None,  # type: ignore[arg-type]
        )
        return [_ranking("sellers", rates.base, scores, people, cited, by_amount=True)]
    if with_amount:
        rankings = []
        for currency in sorted({win.currency for _, win in with_amount if win.currency}):
            totals = defaultdict(Decimal)
            counts = defaultdict(int)
            for winner, win in with_amount:
                if win.currency == currency and win.amount is not None:
                    totals[winner.key] += win.amount
                    counts[winner.key] += 1
            scores = {key: (totals[key], counts[key]) for key in counts}
            in_currency = [(w, win) for w, win in with_amount if win.currency == currency]
            cited = _cited(in_currency, lambda win: win.amount)
            rankings.append(_ranking("sellers", currency, scores, people, cited, by_amount=True))
        return rankings
    counts = defaultdict(int)
    for winner, _ in credited:
        counts[winner.key] += 1
    by_count = {key: (n,) for key, n in counts.items()}
    return [_ranking("sellers", None, by_count, people, _cited(credited, lambda win: None))]


def _ranking(
    category: str,
    currency: str | None,
    scores: Mapping[str, tuple[Decimal | int, ...]],
    people: Mapping[str, Winner],
    cited: Mapping[str, WinFact],
    *,
    by_amount: bool = False,
) -> Ranking:
    """Scores are (amount, count) when ranked `by_amount`, else (count,); `cited` is the win
    each person's short citation names."""
    standings = []
    for rank, key in shared_ranks(scores):
        score = scores[key]
        standings.append(
            Standing(
                rank=rank,
                winner=people[key],
                win=cited.get(key),
                amount=Decimal(score[0]) if by_amount else None,
                count=int(score[-1]),
            )
        )
    return Ranking(category=category, currency=currency, standings=standings)


def top_support_agents(wins: Sequence[WinFact]) -> list[Ranking]:
    """Top support agents by number of support wins (customer saved, support case of the week),
    each cited by their case with the most reactions; ties shared; none → no ranking."""
    credited = _credited(wins, SUPPORT_KINDS)
    if not credited:
        return []
    people = {winner.key: winner for winner, _ in credited}
    counts: dict[str, int] = defaultdict(int)
    for winner, _ in credited:
        counts[winner.key] += 1
    scores = {key: (n,) for key, n in counts.items()}
    return [_ranking("support", None, scores, people, _cited(credited, lambda win: None))]


def best_cases(wins: Sequence[WinFact]) -> list[Ranking]:
    """The month's best cases: posted wins with the most reactions (at least one); ties shared."""
    scores = {win.id: (win.reactions,) for win in wins if win.reactions > 0}
    if not scores:
        return []
    by_id = {win.id: win for win in wins}
    standings = [
        Standing(rank=rank, win=by_id[win_id], count=scores[win_id][0])
        for rank, win_id in shared_ranks(scores)
    ]
    return [Ranking(category="best_cases", currency=None, standings=standings)]


def monthly_standings(wins: Sequence[WinFact], rates: ExchangeRates) -> list[Ranking]:
    """Every category of the monthly top performers; a category without data is left out."""
    return [*top_sellers(wins, rates), *top_support_agents(wins), *best_cases(wins)]
