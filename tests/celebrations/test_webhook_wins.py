"""POST /webhooks/wins end to end: bearer token per workspace, pydantic body, exactly once."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from bot.scheduling.models import Delivery
from bot.workspaces.service import issue_webhook_token
from tests.celebrations.helpers import block_text, channel_posts, configure, wins
from tests.harness import BotHarness, HttpResult, http


def token_for(bot: BotHarness, team_id: str = "T1") -> str:
    with bot.session() as session:
        return issue_webhook_token(
            session=session, team_id=team_id, created_by="UADMIN", now=datetime.now(UTC)
        )


def post(bot: BotHarness, body: Any, token: str | None, *, raw: bytes | None = None) -> HttpResult:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    data = raw if raw is not None else json.dumps(body).encode()
    return http("POST", bot.server.url + "/webhooks/wins", data, headers)


def a_win(**changes: Any) -> dict[str, Any]:
    body = {
        "winners": [{"email": "bruno@example.com"}, {"slack_id": "U1"}],
        "kind": "expansion",
        "title": "Globex adds 200 seats",
        "amount": 48000,
        "currency": "usd",
        "message": "Upsell after the QBR",
        "source": "salesforce",
        "external_id": "opp-0061",
    }
    body.update(changes)
    return body


def test_a_win_from_another_tool_is_posted_with_winners_by_email_and_id(bot: BotHarness) -> None:
    configure(bot)
    answer = post(bot, a_win(), token_for(bot))

    assert answer.status == 202 and answer.json["status"] == "accepted"
    bot.idle()  # bruno@example.com is looked up off the request's thread, then posted
    (card,) = [block_text(p) for p in channel_posts(bot)]
    assert "Globex adds 200 seats" in card and "$48,000.00" in card
    assert "<@U2>" in card and "<@U1>" in card  # bruno@example.com is U2
    assert "Reported by an integration" in card


def test_a_bad_or_missing_token_gets_401(bot: BotHarness) -> None:
    configure(bot)
    token_for(bot)
    answers = [
        post(bot, a_win(), None),
        post(bot, a_win(), "rvb_not-a-real-token"),
        post(bot, a_win(), "xoxb-test"),
    ]
    assert [a.status for a in answers] == [401, 401, 401]
    assert answers[0].json == {"error": "missing or invalid bearer token"}
    bot.idle()
    assert wins(bot) == [] and channel_posts(bot) == []


def test_a_bad_body_gets_400_listing_each_bad_field(bot: BotHarness) -> None:
    configure(bot)
    token = token_for(bot)
    answer = post(
        bot,
        a_win(amount="lots", currency="XYZ", kind="bragging", title="", winners=[{"name": "x"}]),
        token,
    )
    assert answer.status == 400 and answer.json["error"] == "invalid request body"
    fields = {item["field"] for item in answer.json["fields"]}
    assert {"amount", "currency", "kind", "title", "winners.0"} <= fields

    negative = post(bot, a_win(amount=-10), token)
    assert negative.status == 400
    assert [f["field"] for f in negative.json["fields"]] == ["amount"]
    assert "negative" in negative.json["fields"][0]["problem"]

    no_currency = post(bot, a_win(currency=None), token)
    assert no_currency.status == 400
    assert no_currency.json["fields"] == [
        {"field": "currency", "problem": "Value error, an amount needs its currency"}
    ]
    missing_currency = post(bot, {k: v for k, v in a_win().items() if k != "currency"}, token)
    assert [f["field"] for f in missing_currency.json["fields"]] == ["currency"]

    not_json = post(bot, None, token, raw=b"{not json")
    assert not_json.status == 400 and not_json.json["fields"][0]["field"] == "(body)"
    bot.idle()
    assert wins(bot) == [] and channel_posts(bot) == []


def test_a_replayed_external_id_never_posts_twice(bot: BotHarness) -> None:
    configure(bot)
    token = token_for(bot)
    first = post(bot, a_win(), token)
    bot.idle()

    replay = post(bot, a_win(), token)
    replay_changed = post(bot, a_win(title="Globex adds 200 seats (edited)"), token)

    assert first.status == 202
    assert (replay.status, replay.json["status"]) == (200, "duplicate")
    assert replay.json["win_id"] == first.json["win_id"] == replay_changed.json["win_id"]
    other_source = post(bot, a_win(source="zapier"), token)  # another tool, another id space
    assert other_source.status == 202
    bot.idle()
    assert len(channel_posts(bot)) == 2


def test_a_winner_nobody_in_slack_has_is_named_and_an_admin_is_told_once(
    bot: BotHarness,
) -> None:
    configure(bot)
    token = token_for(bot)
    stranger = [{"email": "jane.doe@agency.example"}]
    post(bot, a_win(winners=stranger, external_id="a"), token)
    bot.idle()
    post(bot, a_win(winners=stranger, external_id="b", title="Second one"), token)
    bot.idle()

    posts = channel_posts(bot)
    assert len(posts) == 2
    assert all("Congratulations Jane Doe!" in block_text(p) for p in posts)
    (notice,) = bot.fake.dms_to("UADMIN")
    assert "jane.doe@agency.example" in notice["text"]
    assert len(bot.fake.calls("users.lookupByEmail")) == 1  # the miss is cached


def test_a_title_with_slack_markup_is_shown_as_text_and_pings_nobody(bot: BotHarness) -> None:
    configure(bot)
    post(bot, a_win(title="<!channel> Globex <https://evil.example|signs>"), token_for(bot))
    bot.idle()
    (card,) = channel_posts(bot)
    assert card["text"].startswith(
        ":tada: &lt;!channel&gt; Globex &lt;https://evil.example|signs&gt;"
    )
    assert "<!channel>" not in card["text"] and "<!channel>" not in block_text(card)
    assert "&lt;!channel&gt; Globex" in block_text(card)


def test_ten_redeliveries_at_once_post_one_card(bot: BotHarness) -> None:
    """A tool that retries eagerly sends the same win ten times at once: one win, one card,
    and every answer names it."""
    configure(bot)
    token = token_for(bot)
    body = a_win(winners=[{"slack_id": "U1"}])  # ready at once: its card owed with it
    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(lambda _: post(bot, body, token), range(10)))
    bot.idle()
    assert sorted(a.status for a in answers) == [200] * 9 + [202]
    assert len({a.json["win_id"] for a in answers}) == 1
    assert len(channel_posts(bot)) == 1 and len(wins(bot)) == 1
    with bot.session() as session:
        owed = session.scalars(select(Delivery).where(Delivery.kind == "celebrations-win-post"))
        assert [row.status for row in owed] == ["sent"]
