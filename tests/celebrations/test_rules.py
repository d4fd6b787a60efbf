"""Pure rules: rankings with shared ties, totals per currency, amounts, settings, windows."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from bot.celebrations.ranking import (
    ExchangeRates,
    WinFact,
    Winner,
    best_cases,
    monthly_standings,
    shared_ranks,
    summarise_week,
    top_sellers,
    top_support_agents,
    top_wins,
    totals_per_currency,
)
from bot.celebrations.rules import (
    AmountProblem,
    gazette_week,
    is_known_currency,
    parse_amount,
    parse_settings_form,
    parse_win_form,
    previous_month,
)
from bot.scheduling.cadence import local_days_window

DAY = datetime(2026, 10, 14, tzinfo=UTC)


def win(
    n: int,
    who: str | tuple[str, ...],
    amount: str | None = None,
    currency: str | None = None,
    kind: str = "deal_signed",
    reactions: int = 0,
) -> WinFact:
    people = (who,) if isinstance(who, str) else who
    return WinFact(
        id=n,
        kind=kind,
        title=f"win {n}",
        amount=Decimal(amount) if amount else None,
        currency=currency,
        winners=tuple(Winner(p) for p in people),
        created_at=DAY.replace(hour=n % 24),
        reactions=reactions,
    )


def places(ranking) -> list[tuple[int, str | None]]:  # type: ignore[no-untyped-def]
    return [(s.rank, s.winner.user_id if s.winner else s.win.id) for s in ranking.standings]


# ---------------------------------------------------------------- ranking


def test_shared_ranks_share_ties_and_keep_every_tied_last_place() -> None:
    scores = {"a": (10,), "b": (10,), "c": (7,), "d": (5,), "e": (5,), "f": (1,)}
    assert shared_ranks(scores, podium=3) == [(1, "a"), (1, "b"), (3, "c")]
    assert shared_ranks({"a": (3,), "b": (2,), "c": (2,), "d": (2,)}, podium=2) == [
        (1, "a"),
        (2, "b"),
        (2, "c"),
        (2, "d"),
    ]
    assert shared_ranks({}) == []


def test_sellers_rank_by_amount_then_count_per_currency_without_rates() -> None:
    wins = [
        win(1, "U1", "1000", "EUR"),
        win(2, "U2", "600", "EUR"),
        win(3, "U2", "400", "EUR"),  # U2: €1,000 in two deals beats U1's one deal
        win(4, "U3", "5000", "USD"),
        win(5, "U4", None, None),  # no amount: counted, never summed
    ]
    eur, usd = top_sellers(wins, ExchangeRates())
    assert (eur.currency, places(eur)) == ("EUR", [(1, "U2"), (2, "U1")])
    assert eur.standings[0].amount == Decimal("1000") and eur.standings[0].count == 2
    assert (usd.currency, places(usd)) == ("USD", [(1, "U3")])


def test_sellers_are_ranked_in_one_currency_when_rates_convert_every_amount() -> None:
    rates = ExchangeRates(base="EUR", rates={"USD": Decimal("0.5")})
    (ranking,) = top_sellers([win(1, "U1", "1000", "EUR"), win(2, "U2", "3000", "USD")], rates)
    assert ranking.currency == "EUR"
    assert places(ranking) == [(1, "U2"), (2, "U1")]
    assert ranking.standings[0].amount == Decimal("1500")
    # A currency without a rate: back to one ranking per currency.
    assert len(top_sellers([win(1, "U1", "1", "EUR"), win(2, "U2", "1", "GBP")], rates)) == 2


def test_sellers_without_any_amount_rank_by_deals_and_shared_deals_count_for_each() -> None:
    (ranking,) = top_sellers([win(1, ("U1", "U2")), win(2, "U1")], ExchangeRates())
    assert ranking.currency is None and places(ranking) == [(1, "U1"), (2, "U2")]


def test_support_agents_and_best_cases_share_ties_and_disappear_without_data() -> None:
    wins = [
        win(1, "U1", kind="support_case", reactions=4),
        win(2, "U2", kind="customer_saved", reactions=4),
        win(3, "U3", kind="other", reactions=1),
    ]
    (support,) = top_support_agents(wins)
    assert places(support) == [(1, "U1"), (1, "U2")]
    (cases,) = best_cases(wins)
    assert places(cases) == [(1, 1), (1, 2), (3, 3)]
    assert top_sellers(wins, ExchangeRates()) == []  # no seller wins: category left out
    assert best_cases([win(9, "U1")]) == []
    assert [r.category for r in monthly_standings(wins, ExchangeRates())] == [
        "support",
        "best_cases",
    ]


def test_totals_are_per_currency_and_converted_only_when_every_currency_has_a_rate() -> None:
    wins = [win(1, "U1", "10", "EUR"), win(2, "U1", "5.5", "EUR"), win(3, "U2", "7", "USD")]
    assert totals_per_currency(wins) == {"EUR": Decimal("15.5"), "USD": Decimal("7")}
    plain = summarise_week(wins, ExchangeRates())
    assert (plain.count, plain.total_in_base) == (3, None)
    rates = ExchangeRates(base="EUR", rates={"USD": Decimal("2")})
    assert summarise_week(wins, rates).total_in_base == Decimal("29.5")
    assert summarise_week(wins, ExchangeRates(base="GBP")).total_in_base is None


def test_top_wins_compare_sizes_only_when_they_can_be() -> None:
    one_currency = [win(1, "U1", "10", "EUR"), win(2, "U1", "30", "EUR"), win(3, "U1")]
    assert [w.id for w in top_wins(one_currency, ExchangeRates())] == [2, 1, 3]
    mixed = [win(1, "U1", "10", "EUR"), win(2, "U1", "30", "USD"), win(3, "U1", "20", "EUR")]
    assert [w.id for w in top_wins(mixed, ExchangeRates())] == [3, 2, 1]  # newest first
    rates = ExchangeRates(base="EUR", rates={"USD": Decimal("0.1")})
    assert [w.id for w in top_wins(mixed, rates)] == [3, 1, 2]


# ---------------------------------------------------------------- amounts and forms


@pytest.mark.parametrize(
    ("text", "locale", "amount"),
    [
        ("12500", "en-US", "12500"),
        ("12,500.50", "en-US", "12500.50"),
        ("12 500,50", "fr-FR", "12500.50"),
        ("12\u202f500,50", "fr-FR", "12500.50"),
        ("0", None, "0"),
    ],
)
def test_amounts_are_read_in_the_users_locale(text: str, locale: str | None, amount: str) -> None:
    assert parse_amount(text, locale=locale) == Decimal(amount)


@pytest.mark.parametrize("text", ["lots", "12,5", "NaN", "Infinity", "-3", "1e13", "€5"])
def test_bad_amounts_are_refused(text: str) -> None:
    with pytest.raises(AmountProblem):
        parse_amount(text, locale="en-US")


def test_currencies_come_from_babels_iso_4217_list() -> None:
    assert is_known_currency("eur") and is_known_currency("JPY") and is_known_currency("CHF")
    assert not is_known_currency("XYZ") and not is_known_currency("XXX")


def test_the_win_form_needs_a_currency_with_an_amount() -> None:
    form, errors = parse_win_form(
        winners=["U1", "U1", "U2"],
        kind="nonsense",
        title=" Deal ",
        amount="",
        currency="EUR",
        message="",
        locale=None,
    )
    assert errors == {} and form is not None
    assert (form.winners, form.kind, form.title, form.currency) == (
        ("U1", "U2"),
        "other",
        "Deal",
        None,
    )
    _, errors = parse_win_form(
        winners=[], kind="deal_signed", title="", amount="5", currency="", message="", locale=None
    )
    assert set(errors) == {"winners", "title", "currency"}


def test_settings_form_checks_zone_stages_portal_currency_and_rates() -> None:
    base = {
        "channel_id": "C1",
        "weekday": "4",
        "hour": "16",
        "tz": "Europe/Paris",
        "top_performers": True,
        "won_stages": "closedwon contractsigned",
        "portal_id": "62515",
        "base_currency": "eur",
        "exchange_rates": "USD=0.92; gbp: 1.17",
    }
    change, errors = parse_settings_form(**base)
    assert errors == {} and change is not None
    assert change.won_stages == ("closedwon", "contractsigned")
    assert change.rates == {"USD": Decimal("0.92"), "GBP": Decimal("1.17")}
    assert change.base_currency == "EUR" and change.portal_id == "62515"
    _, errors = parse_settings_form(**{**base, "base_currency": "", "tz": "Nowhere/City"})
    assert set(errors) == {"tz", "base_currency"}  # rates without a base
    _, errors = parse_settings_form(**{**base, "exchange_rates": "USD=0"})
    assert set(errors) == {"exchange_rates"}
    change, _ = parse_settings_form(**{**base, "won_stages": "", "exchange_rates": ""})
    assert change is not None and change.won_stages == ("closedwon",)


# ---------------------------------------------------------------- time windows


def test_the_gazette_covers_the_seven_days_before_its_day() -> None:
    friday = datetime(2026, 11, 20, 15, tzinfo=UTC)
    assert gazette_week(due_at=friday, tz="Europe/Paris") == (
        date(2026, 11, 13),
        date(2026, 11, 19),
    )
    # 23:30 UTC Sunday is already Monday in Tokyo.
    late = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)
    assert gazette_week(due_at=late, tz="Asia/Tokyo") == (date(2026, 11, 16), date(2026, 11, 22))


def test_top_performers_cover_the_previous_month_in_the_local_zone() -> None:
    assert previous_month(due_at=datetime(2026, 1, 2, 8, tzinfo=UTC), tz="UTC") == (
        date(2025, 12, 1),
        date(2025, 12, 31),
    )
    start, end = local_days_window(
        start=date(2026, 10, 1), end=date(2026, 10, 31), tz="Europe/Paris"
    )
    assert start == datetime(2026, 9, 30, 22, tzinfo=UTC)  # summer time
    assert end == datetime(2026, 10, 31, 23, tzinfo=UTC)  # winter time from 25 October
