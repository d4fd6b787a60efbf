"""The query builder: words, terms and stems, and queries no draft can turn into syntax."""

from __future__ import annotations

import math
import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from bot import textsearch

FTS5_QUERY = re.compile(r'("[a-z0-9]+"( OR "[a-z0-9]+")*)?')
TSQUERY = re.compile(r"([a-z0-9]+( \| [a-z0-9]+)*)?")
HOSTILE = [
    "",
    "a",
    "é",
    '"',
    '"pipeline',
    "pipeline*",
    "* OR *",
    "NEAR(pipeline dashboard, 2)",
    "pipeline NEAR dashboard",
    "title:pipeline",
    "^pipeline",
    "pipeline AND NOT dashboard",
    "'; DROP TABLE intake_docs; --",
    "1' OR '1'='1",
    "pipeline & !dashboard | (region:*)",
    "-- /* */ ;",
    "x" * 3000,
    "pipeline " * 400,
    "\x00\u200b\ufeff",
]


def test_words_are_folded_and_terms_drop_stop_words_short_words_and_numbers() -> None:
    assert textsearch.words("Prévisions DU Pipe!") == ["previsions", "du", "pipe"]
    assert textsearch.terms("The pipeline, le pipeline et les 12 comptes de Q4") == [
        "pipeline",
        "comptes",
        "q4",
    ]


def test_empty_and_one_letter_drafts_search_nothing() -> None:
    for draft in ("", "   ", "a", "é", "x y z", "?!", "12 34", "the and les des"):
        assert textsearch.query_terms(draft) == []
        assert textsearch.fts5_query(textsearch.query_terms(draft)) == ""


def test_word_forms_and_accents_share_a_stem() -> None:
    same = [
        ("reports", "report"),
        ("dashboards", "dashboard"),
        ("relevés", "releve"),
        ("commissions", "commission"),
        ("opportunités", "opportunite"),
        ("status", "status"),
    ]
    for one, other in same:
        assert textsearch.stem_set(one) & textsearch.stem_set(other), (one, other)
    # The old keyword matcher mangled a final "s": "status" is still "status".
    assert "status" in textsearch.stems("status")


def test_the_words_shown_are_the_drafts_own_with_their_accents() -> None:
    wanted = textsearch.stem_set("releve commission")
    assert textsearch.matched_words("Relevés de commissions, mars", wanted) == [
        "Relevés",
        "commissions",
    ]


def test_hostile_drafts_become_plain_quoted_terms() -> None:
    for draft in HOSTILE:
        searched = textsearch.query_terms(draft)
        assert len(searched) <= textsearch.MAX_QUERY_TERMS
        assert FTS5_QUERY.fullmatch(textsearch.fts5_query(searched)), draft
        assert TSQUERY.fullmatch(textsearch.tsquery_text(searched)), draft
    assert textsearch.fts5_query(textsearch.query_terms("NEAR(pipeline*)")) == (
        '"near" OR "pipelin" OR "pipe" OR "pip"'  # "pipe": the glossary's synonym
    )


def test_the_glossary_searches_the_other_languages_word_both_ways() -> None:
    assert textsearch.expanded("rapports") == ("rapports", "report", "rapport", "reporting")
    assert "rapport" in textsearch.expanded("reports")
    assert textsearch.term_stems("fusionner") >= {"merg", "fusion"}
    assert textsearch.tsquery_text(["couverture", "pipe"]) == (
        "couverture | coverage | pipe | pipeline"
    )
    assert textsearch.expanded("zebra") == ("zebra",)  # not in the glossary: itself only


@settings(max_examples=300, derandomize=True)
@given(st.text(max_size=3500))
def test_any_text_gives_a_query_of_quoted_letters_and_digits(draft: str) -> None:
    searched = textsearch.query_terms(draft)
    assert FTS5_QUERY.fullmatch(textsearch.fts5_query(searched))
    assert TSQUERY.fullmatch(textsearch.tsquery_text(searched))
    assert all(len(term) >= 2 and not term.isdigit() for term in searched)


def test_rarest_first_takes_rare_terms_alone_and_common_ones_in_pairs() -> None:
    estimates = {"clari": 20.0, "forecast": 3000.0, "pipeline": 2500.0, "semaine": 800.0}
    groups = textsearch.rarest_first(estimates, rows=10_000, budget=400)
    assert groups[0] == ("clari",)  # rare: every row holding it is ranked
    assert all(len(group) >= 2 for group in groups[1:])  # common: only together
    assert ("semaine", "pipeline") in groups  # 800 × 2500 / 10,000 = 200 rows expected
    expected = sum(10_000 * math.prod(estimates[t] / 10_000 for t in group) for group in groups)
    assert expected <= 400


def test_rarest_first_searches_something_even_over_budget() -> None:
    assert textsearch.rarest_first({"pipeline": 5000.0}, rows=10_000, budget=400) == [("pipeline",)]
    both = textsearch.rarest_first({"deal": 9000.0, "won": 8000.0}, rows=10_000, budget=400)
    assert both == [("won", "deal")]  # 7,200 rows expected: the rarest pair, over budget
    assert textsearch.rarest_first({}, rows=10_000, budget=400) == []


def test_rarest_first_is_every_term_alone_when_they_fit() -> None:
    estimates = {"quota": 10.0, "attainment": 5.0, "bookings": 30.0}
    assert sorted(textsearch.rarest_first(estimates, rows=10_000, budget=400)) == [
        ("attainment",),
        ("bookings",),
        ("quota",),
    ]


@given(st.text(max_size=200) | st.text(st.characters(max_codepoint=127), max_size=200))
def test_folding_ascii_text_takes_a_short_cut_to_the_same_result(text: str) -> None:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    assert textsearch.fold(text) == "".join(
        char for char in decomposed if not unicodedata.combining(char)
    )
