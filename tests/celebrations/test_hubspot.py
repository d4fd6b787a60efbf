"""POST /webhooks/hubspot end to end: signed batches, the fake CRM on loopback, the channel."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.celebrations.ids import SettingsAction, SettingsBlock, WinCallback
from bot.celebrations.models import EmailLookup
from tests.celebrations.conftest import HUBSPOT_SECRET
from tests.celebrations.fake_hubspot import FakeHubSpot
from tests.celebrations.helpers import (
    block_text,
    channel_posts,
    configure,
    home,
    settings_values,
    wins,
)
from tests.celebrations.hubspot_signing import batch, deal_stage_event, signed_headers
from tests.harness import BotHarness, HttpResult, http

PATH = "/webhooks/hubspot"


def deliver(
    bot: BotHarness,
    body: str,
    *,
    secret: str = HUBSPOT_SECRET,
    timestamp_ms: int | None = None,
    signed_uri: str | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResult:
    url = bot.server.url + PATH
    signed = signed_headers(secret, uri=signed_uri or url, body=body, timestamp_ms=timestamp_ms)
    return http("POST", url, body.encode(), {**signed, **(headers or {})})


def acme(fake: FakeHubSpot, deal_id: str = "101") -> None:
    fake.add_owner("7", email="alice@example.com", first="Alice", last="Martin")
    fake.add_deal(deal_id, name="ACME — 3 years", amount="12500", currency="EUR", owner_id="7")


def test_a_deal_moved_to_closed_won_is_posted_with_its_owner(
    bot: BotHarness, fake_hubspot: FakeHubSpot
) -> None:
    configure(bot)
    acme(fake_hubspot)

    started = time.perf_counter()
    answer = deliver(bot, batch(deal_stage_event(101)))

    assert answer.status == 200 and answer.json["new_wins"] == 1
    assert time.perf_counter() - started < 2  # HubSpot gives up after 5 s
    bot.idle()  # prepared off the request's thread, then posted
    (post,) = channel_posts(bot)
    card = block_text(post)
    assert "ACME — 3 years" in card and "€12,500.00" in card and "<@U1>" in card
    assert "Closed-won in HubSpot" in card
    deal_call = fake_hubspot.calls("/crm/v3/objects/deals/101")[0]
    assert deal_call.authorization == "Bearer pat-na1-test-token"
    assert "dealname" in ",".join(deal_call.query["properties"])
    assert fake_hubspot.calls("/crm/v3/owners/7")
    (lookup,) = bot.fake.calls("users.lookupByEmail")
    assert lookup.args["email"] == "alice@example.com"
    with bot.session() as session:
        cached = session.get(EmailLookup, ("T1", "alice@example.com"))
        assert cached is not None and cached.user_id == "U1"


def test_a_retried_or_repeated_event_never_posts_twice(
    bot: BotHarness, fake_hubspot: FakeHubSpot
) -> None:
    configure(bot)
    acme(fake_hubspot)
    first = deal_stage_event(101, event_id=555)
    assert deliver(bot, batch(first)).json["new_wins"] == 1
    bot.idle()

    retried = deliver(bot, batch({**first, "attemptNumber": 1}))  # HubSpot's retry
    again = deliver(bot, batch(deal_stage_event(101)))  # the deal moved back and forth
    same_batch_twice = deliver(bot, batch(deal_stage_event(101), deal_stage_event(101)))

    assert [r.status for r in (retried, again, same_batch_twice)] == [200, 200, 200]
    assert retried.json["duplicates"] == 1 and same_batch_twice.json["duplicates"] == 2
    bot.idle()
    assert len(channel_posts(bot)) == 1 and len(wins(bot)) == 1
    assert len(fake_hubspot.calls("/crm/v3/objects/deals/")) == 1


def test_a_bad_signature_gets_401_and_nothing_happens(
    bot: BotHarness, fake_hubspot: FakeHubSpot
) -> None:
    configure(bot)
    acme(fake_hubspot)
    body = batch(deal_stage_event(101))

    wrong_secret = deliver(bot, body, secret="not-the-secret")
    other_uri = deliver(bot, body, signed_uri="https://evil.example.com/webhooks/hubspot")
    tampered = http(
        "POST",
        bot.server.url + PATH,
        body.replace("101", "102").encode(),
        signed_headers(HUBSPOT_SECRET, uri=bot.server.url + PATH, body=body),
    )
    unsigned = http(
        "POST", bot.server.url + PATH, body.encode(), {"Content-Type": "application/json"}
    )

    assert [r.status for r in (wrong_secret, other_uri, tampered, unsigned)] == [401] * 4
    bot.idle()
    assert wins(bot) == [] and fake_hubspot.requests == [] and channel_posts(bot) == []


def test_an_old_timestamp_gets_401_even_when_correctly_signed(
    bot: BotHarness, fake_hubspot: FakeHubSpot
) -> None:
    configure(bot)
    acme(fake_hubspot)
    body = batch(deal_stage_event(101))
    six_minutes_ago = int((time.time() - 6 * 60) * 1000)
    in_the_future = int((time.time() + 6 * 60) * 1000)

    old = deliver(bot, body, timestamp_ms=six_minutes_ago)
    future = deliver(bot, body, timestamp_ms=in_the_future)

    assert (old.status, future.status) == (401, 401)
    bot.idle()
    assert wins(bot) == [] and fake_hubspot.requests == []


def test_a_batch_with_bad_events_still_processes_the_others(
    bot: BotHarness, fake_hubspot: FakeHubSpot
) -> None:
    configure(bot)
    acme(fake_hubspot, "101")
    fake_hubspot.add_deal("103", name="Globex expansion", amount="900", currency="USD")
    body = batch(
        {"eventId": "not-a-number", "subscriptionType": "deal.propertyChange"},  # malformed
        deal_stage_event(101),
        deal_stage_event(404404),  # gone from the CRM: cannot be celebrated
        deal_stage_event(102, stage="appointmentscheduled"),  # not a won stage
        deal_stage_event(103),
    )

    answer = deliver(bot, body)

    assert answer.status == 200
    assert answer.json["new_wins"] == 3 and answer.json["ignored"] == 1
    assert [bad["index"] for bad in answer.json["invalid"]] == [0]
    bot.idle()
    posts = channel_posts(bot)
    texts = " ".join(block_text(post) for post in posts)
    assert len(posts) == 2
    assert "ACME — 3 years" in texts and "Globex expansion" in texts and "$900.00" in texts
    expected = {"101": "posted", "404404": "failed", "103": "posted"}
    assert {w.hubspot_deal_id: w.post_state for w in wins(bot)} == expected


def test_the_public_url_behind_a_proxy_is_what_is_signed(
    bot: BotHarness, fake_hubspot: FakeHubSpot
) -> None:
    configure(bot)
    acme(fake_hubspot)
    public = "https://revops.example.com/webhooks/hubspot"
    answer = deliver(
        bot,
        batch(deal_stage_event(101)),
        signed_uri=public,
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "revops.example.com"},
    )
    assert answer.status == 200 and answer.json["new_wins"] == 1


def test_an_unknown_owner_email_posts_the_name_and_tells_an_admin_once(
    bot: BotHarness, fake_hubspot: FakeHubSpot
) -> None:
    configure(bot)
    fake_hubspot.add_owner("9", email="zoe@partner.example", first="Zoé", last="Nobody")
    fake_hubspot.add_deal("201", name="Initech", amount="5000", currency="GBP", owner_id="9")
    fake_hubspot.add_deal("202", name="Umbrella", amount="7000", currency="GBP", owner_id="9")

    deliver(bot, batch(deal_stage_event(201)))
    bot.idle()
    deliver(bot, batch(deal_stage_event(202)))
    bot.idle()
    posts = channel_posts(bot)

    assert len(posts) == 2
    assert all("Zoé Nobody" in block_text(post) for post in posts)
    assert all("<@" not in block_text(post).split("Congratulations")[1][:20] for post in posts)
    (notice,) = bot.fake.dms_to("UADMIN")
    assert "zoe@partner.example" in notice["text"] and "Initech" in notice["text"]


def test_a_crm_outage_is_retried_later_not_lost(
    bot: BotHarness, fake_hubspot: FakeHubSpot, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(bot)
    acme(fake_hubspot)
    fake_hubspot.fail_next("/crm/v3/objects/deals/101", status=503, times=4)  # beyond the retries

    assert deliver(bot, batch(deal_stage_event(101))).status == 200
    bot.idle()
    (win,) = wins(bot)
    assert win.post_state == "preparing" and win.problem and channel_posts(bot) == []

    # When the retry is due, the clock's tick (here an operator's `jobs run`) posts it.
    later = win.prepare_after
    assert bot.jobs_run("celebrations-win-post", monkeypatch=monkeypatch, now=later) == 0
    (post,) = channel_posts(bot)
    assert "ACME — 3 years" in block_text(post)


def test_the_won_stages_an_admin_sets_are_the_ones_that_post(
    bot: BotHarness, fake_hubspot: FakeHubSpot
) -> None:
    """A custom pipeline: "contractsigned" is won, HubSpot's default "closedwon" is not."""
    home(bot, "UADMIN")
    values = settings_values("CWINS")
    values[SettingsBlock.won_stages] = {SettingsAction.won_stages: "contractsigned"}
    assert bot.submit(WinCallback.settings, values, user_id="UADMIN").status == 200
    bot.idle()
    assert "gazette every" in block_text(bot.fake.home_of("UADMIN") or {})
    acme(fake_hubspot, "101")
    fake_hubspot.add_deal("102", name="Initech — pilot", amount="900", currency="EUR", owner_id="7")

    default_stage = deliver(bot, batch(deal_stage_event(101, "closedwon")))
    custom_stage = deliver(bot, batch(deal_stage_event(102, "contractsigned")))

    assert (default_stage.json["new_wins"], default_stage.json["ignored"]) == (0, 1)
    assert custom_stage.json["new_wins"] == 1
    bot.idle()
    (post,) = channel_posts(bot)
    assert "Initech — pilot" in block_text(post)
    assert len(wins(bot)) == 1
    assert fake_hubspot.calls("/crm/v3/objects/deals/101") == []


def test_ten_redeliveries_at_once_post_one_card(bot: BotHarness, fake_hubspot: FakeHubSpot) -> None:
    """HubSpot redelivers a batch it thinks timed out, ten times at once: one win, one deal
    fetched, one card."""
    configure(bot)
    acme(fake_hubspot)
    body = batch(deal_stage_event(101, event_id=777))
    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(lambda _: deliver(bot, body), range(10)))
    bot.idle()
    assert [a.status for a in answers] == [200] * 10
    assert sorted(a.json["new_wins"] for a in answers) == [0] * 9 + [1]
    assert len(channel_posts(bot)) == 1 and len(wins(bot)) == 1
    assert len(fake_hubspot.calls("/crm/v3/objects/deals/")) == 1
