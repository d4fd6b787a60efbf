"""How a user is recognised in text: whole ids, whole e-mails in any case."""

from __future__ import annotations

from bot.privacy.matching import ERASED_TEXT, Needles

ALICE = Needles("U1", frozenset({"alice@example.com"}))


def test_an_id_matches_only_whole() -> None:
    assert ALICE.in_text("ask <@U1>") and ALICE.in_text("U1 leads") and ALICE.in_text('["U1"]')
    assert not ALICE.in_text("ask <@U10>") and not ALICE.in_text("XU1") and not ALICE.in_text("")
    assert ALICE.scrub("<@U1> and <@U10>", alias="XABC") == "<@XABC> and <@U10>"


def test_an_email_matches_whole_in_any_case() -> None:
    assert ALICE.in_text("write to Alice@Example.COM.")
    assert ALICE.in_text("<mailto:alice@example.com|alice@example.com>")
    assert not ALICE.in_text("malice@example.com") and not ALICE.in_text("alice@example.com.au")
    assert ALICE.scrub("mail Alice@example.com.", alias="X") == f"mail {ERASED_TEXT}."


def test_a_folded_copy_is_scrubbed_into_the_same_folded_text() -> None:
    assert ALICE.scrub("pilot with <@u1>", alias="XAB12", folded=True) == "pilot with <@xab12>"


def test_keywords_that_name_the_user() -> None:
    stops = Needles("UERASE", frozenset({"erin.jones@example.com"})).keyword_stops()
    assert {"uerase", "erin", "jones", "jone"} <= stops and "example" not in stops
