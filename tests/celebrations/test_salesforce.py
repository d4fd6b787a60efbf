"""Salesforce closed-won → wins, end to end: the poll kind against a fake Salesforce on
loopback (HTTPS, token endpoint, SOQL query with nextRecordsUrl paging), the fake Slack for
the cards and DMs, a real database."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select, update

from bot.celebrations.ids import SettingsAction, SettingsBlock, WinAction, WinCallback
from bot.celebrations.models import EmailLookup, SalesforceSync
from bot.celebrations.service import SALESFORCE_POLL_KIND
from bot.db import Base
from bot.runtime import build_runtime
from bot.settings import Settings, load_settings
from tests.celebrations.conftest import WINS_CHANNEL
from tests.celebrations.fake_salesforce import FakeSalesforce, private_key_pem
from tests.celebrations.helpers import (
    block_text,
    channel_posts,
    configure,
    home,
    settings_values,
    wins,
)
from tests.harness import BotHarness, HttpResult, bot_environment, http
from tests.slack.fake_slack import FakeSlack

CLIENT_ID = "3MVG9fake.consumer.key"
CLIENT_SECRET = "fake-consumer-secret-1234"
USERNAME = "revops-bot@acme.example"
PASSWORD = "s3cret-Passw0rd"
SECURITY_TOKEN = "TOKENabc123"
QUERY_MORE = "/services/data/v62.0/query/01g"
WEBHOOK_SECRET = "flow-shared-secret-42"


@pytest.fixture(scope="module")
def jwt_key() -> tuple[str, rsa.RSAPrivateKey]:
    return private_key_pem()


@pytest.fixture
def flow() -> str:
    return "jwt"


@pytest.fixture
def api_version() -> str:
    return "62.0"


@pytest.fixture
def salesforce_outage_minutes() -> str:
    return "30"


@pytest.fixture
def salesforce_team() -> str:
    return ""  # SALESFORCE_TEAM_ID unset: the one workspace the bot serves


@pytest.fixture
def fake_salesforce(
    tmp_path: Path, jwt_key: tuple[str, rsa.RSAPrivateKey], monkeypatch: pytest.MonkeyPatch
) -> Iterator[FakeSalesforce]:
    with FakeSalesforce(
        tmp_path,
        client_id=CLIENT_ID,
        username=USERNAME,
        client_secret=CLIENT_SECRET,
        password=PASSWORD + SECURITY_TOKEN,
        security_token=SECURITY_TOKEN,
        jwt_public_key=jwt_key[1].public_key(),
    ) as fake:
        # simple-salesforce speaks HTTPS only: trust the fake's certificate.
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(fake.ca_file))
        fake.add_user("005A", email="alice@example.com", name="Alice Martin")
        yield fake


@pytest.fixture
def bot_env(
    fake_slack: FakeSlack,
    database_url: str,
    fake_salesforce: FakeSalesforce,
    flow: str,
    jwt_key: tuple[str, rsa.RSAPrivateKey],
    salesforce_team: str,
    api_version: str,
    salesforce_outage_minutes: str,
) -> dict[str, str]:
    """flow: "jwt" (connected app, private key), "password" (connected app, OAuth
    username-password), "soap" (no connected app: username, password, security token) or
    "bad-key" (a private key that is no key)."""
    fake_slack.add_channel(channel_id=WINS_CHANNEL, name="wins")
    credentials = (
        {"SALESFORCE_PRIVATE_KEY": jwt_key[0] if flow == "jwt" else "-----BEGIN nonsense"}
        if flow in ("jwt", "bad-key")
        else {"SALESFORCE_PASSWORD": PASSWORD, "SALESFORCE_SECURITY_TOKEN": SECURITY_TOKEN}
    )
    if flow != "soap":  # the SOAP login needs no connected app
        credentials["SALESFORCE_CLIENT_ID"] = CLIENT_ID
    if flow == "password":
        credentials["SALESFORCE_CLIENT_SECRET"] = CLIENT_SECRET
    return bot_environment(
        fake_slack,
        database_url,
        SALESFORCE_LOGIN_URL=fake_salesforce.url,
        SALESFORCE_USERNAME=USERNAME,
        SALESFORCE_API_VERSION=api_version,
        SALESFORCE_OUTAGE_MINUTES=salesforce_outage_minutes,
        SALESFORCE_TEAM_ID=salesforce_team,
        SALESFORCE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        **credentials,
    )


def poll(bot: BotHarness) -> None:
    """One tick of the poll kind, as the clock runs it, then everything it owes delivered."""
    bot.runtime.runner.tick(SALESFORCE_POLL_KIND)
    bot.idle()


def sync_row(bot: BotHarness) -> SalesforceSync:
    with bot.session() as session:
        row = session.get(SalesforceSync, "T1")
        assert row is not None
        session.expunge(row)
        return row


def token_grants(fake: FakeSalesforce) -> list[str]:
    return [r.form["grant_type"][0] for r in fake.calls("/services/oauth2/token")]


# ------------------------------------------------------------------ the happy paths


def test_a_won_opportunity_is_posted_once_with_its_owner_jwt_flow(
    bot: BotHarness, fake_salesforce: FakeSalesforce
) -> None:
    configure(bot)
    fake_salesforce.save_opportunity("006A1", name="ACME — 3 years", amount=12500, currency="EUR")

    poll(bot)
    poll(bot)  # the next tick reads it again (overlap): still one win

    (post,) = channel_posts(bot)
    card = block_text(post)
    assert "ACME — 3 years" in card and "€12,500.00" in card and "<@U1>" in card
    assert "Closed-won in Salesforce" in card
    (win,) = wins(bot)
    assert win.source == "salesforce" and win.source_ref == "salesforce:opportunity:006A1"
    assert token_grants(fake_salesforce) == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
    first = fake_salesforce.queries()[0]
    assert "FROM Opportunity WHERE IsWon = true AND SystemModstamp > " in first
    assert "CurrencyIsoCode" in first and first.endswith("ORDER BY SystemModstamp, Id")
    assert all(
        r.authorization.startswith("Bearer 00DFAKE!")
        for r in fake_salesforce.calls("/services/data/")
    )


@pytest.mark.parametrize("flow", ["password"])
def test_the_username_password_flow_logs_in_with_the_security_token(
    bot: BotHarness, fake_salesforce: FakeSalesforce, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    configure(bot)
    fake_salesforce.save_opportunity("006B1", name="Initech", amount=900, currency="GBP")

    poll(bot)

    (post,) = channel_posts(bot)
    assert "Initech" in block_text(post) and "£900.00" in block_text(post)
    (login,) = fake_salesforce.calls("/services/oauth2/token")
    assert login.form["grant_type"] == ["password"]
    assert login.form["password"] == [PASSWORD + SECURITY_TOKEN]
    # Credentials never reach a log line.
    for secret in (PASSWORD, SECURITY_TOKEN, CLIENT_SECRET):
        assert secret not in caplog.text


@pytest.mark.parametrize("flow", ["soap"])
def test_a_team_without_a_connected_app_logs_in_with_password_and_security_token(
    bot: BotHarness, fake_salesforce: FakeSalesforce, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    configure(bot)
    fake_salesforce.save_opportunity("006W1", name="Small team deal", amount=450, currency="EUR")

    poll(bot)
    poll(bot)  # the kept session serves the next poll: no second login

    (post,) = channel_posts(bot)
    assert "Small team deal" in block_text(post) and "€450.00" in block_text(post)
    (login,) = fake_salesforce.calls("/services/Soap/u/")
    assert login.path == "/services/Soap/u/62.0"
    assert login.form == {"username": [USERNAME], "password": [PASSWORD + SECURITY_TOKEN]}
    assert fake_salesforce.calls("/services/oauth2/token") == []
    sessions = {r.authorization for r in fake_salesforce.calls("/services/data/")}
    (session_id,) = sessions
    for secret in (PASSWORD, SECURITY_TOKEN, session_id.removeprefix("Bearer ")):
        assert secret not in caplog.text


@pytest.mark.parametrize("flow", ["soap"])
@pytest.mark.parametrize("api_version", ["66.0"])
def test_the_soap_login_uses_the_last_version_that_has_it(
    bot: BotHarness, fake_salesforce: FakeSalesforce
) -> None:
    """login() is gone from API 65.0 on: the bot logs in at 64.0 and queries at its version."""
    configure(bot)
    fake_salesforce.save_opportunity("006W2", name="Newer API", amount=1, currency="USD")

    poll(bot)

    assert [r.path for r in fake_salesforce.calls("/services/Soap/u/")] == ["/services/Soap/u/64.0"]
    assert fake_salesforce.calls("/services/data/v66.0/query")
    assert len(channel_posts(bot)) == 1


@pytest.mark.parametrize("flow", ["soap"])
@pytest.mark.parametrize(
    ("org_password", "fault"),
    [
        (PASSWORD + "RESETtoken9", "LOGIN_MUST_USE_SECURITY_TOKEN"),  # the token was reset
        ("changed-Passw0rd" + SECURITY_TOKEN, "INVALID_LOGIN"),  # the password was changed
    ],
)
def test_a_refused_soap_login_tells_an_admin_what_salesforce_said_once(
    bot: BotHarness,
    fake_salesforce: FakeSalesforce,
    caplog: pytest.LogCaptureFixture,
    org_password: str,
    fault: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    configure(bot)
    fake_salesforce.password = org_password
    fake_salesforce.security_token = org_password[-len("RESETtoken9") :]

    poll(bot)
    poll(bot)

    (notice,) = bot.fake.dms_to("UADMIN")
    assert f"login refused: {fault}" in notice["text"]
    assert f"Salesforce: login refused: {fault}" in block_text(home(bot, "UADMIN"))
    assert len(fake_salesforce.calls("/services/Soap/u/")) == 2  # one login a poll, no loop
    assert fake_salesforce.queries() == [] and wins(bot) == []
    for secret in (PASSWORD, SECURITY_TOKEN):
        assert secret not in notice["text"] and secret not in caplog.text


@pytest.mark.parametrize("flow", ["jwt", "password", "soap"])
def test_from_the_first_configuration_to_the_card_in_slack(
    bot: BotHarness, fake_salesforce: FakeSalesforce
) -> None:
    """End to end, from nothing: the environment names Salesforce (each way to log in), an
    admin opens App Home, opens the celebrations settings with its button, picks the channel
    and the won stages (signed HTTP, as Slack sends them); the clock's poll reads the
    opportunity from the fake Salesforce and the card appears in the channel."""
    view = home(bot, "UADMIN")
    bot.action(WinAction.open_settings, view=view, user_id="UADMIN")
    bot.idle()
    modal = bot.fake.calls("views.open")[-1].args["view"]
    assert modal["callback_id"] == WinCallback.settings
    assert any(b["block_id"] == SettingsBlock.salesforce_stages for b in modal["blocks"])
    values = settings_values(WINS_CHANNEL)
    values[SettingsBlock.salesforce_stages] = {SettingsAction.salesforce_stages: "Signed"}
    saved = bot.submit(WinCallback.settings, values, user_id="UADMIN")
    assert saved.status == 200 and not (saved.json or {}).get("errors")
    bot.idle()
    fake_salesforce.save_opportunity(
        "006E2E", name="Initech renewal", amount=48000, currency="EUR", stage="Signed"
    )
    fake_salesforce.save_opportunity("006E2F", name="Not this stage", stage="Closed Won")

    poll(bot)

    (post,) = channel_posts(bot)
    card = block_text(post)
    assert "Initech renewal" in card and "€48,000.00" in card and "<@U1>" in card
    assert "Closed-won in Salesforce" in card
    (win,) = wins(bot)
    assert win.source_ref == "salesforce:opportunity:006E2E" and win.channel_id == WINS_CHANNEL
    assert "Salesforce closed-won opportunities are polled: Signed." in block_text(
        home(bot, "UADMIN")
    )


def test_pages_are_followed_and_a_poll_that_fails_halfway_loses_and_doubles_nothing(
    bot: BotHarness, fake_salesforce: FakeSalesforce
) -> None:
    configure(bot)
    fake_salesforce.page_size = 2
    for number in range(1, 6):
        fake_salesforce.save_opportunity(
            f"006P{number}", name=f"Deal {number}", amount=100 * number
        )
    fake_salesforce.fail_next(QUERY_MORE, status=503)  # the second page fails

    poll(bot)

    assert sorted(w.title for w in wins(bot)) == ["Deal 1", "Deal 2"]  # page 1 is kept
    assert len(channel_posts(bot)) == 2
    with bot.session() as session:
        row = session.get(SalesforceSync, "T1")
        assert row is not None and row.polling_until is None  # the next tick may poll
        assert row.problem is None  # an outage is no admin's problem

    poll(bot)

    titles = sorted(w.title for w in wins(bot))
    assert titles == [f"Deal {n}" for n in range(1, 6)]
    assert len(channel_posts(bot)) == 5
    assert len(fake_salesforce.calls(QUERY_MORE)) >= 3  # pages were followed both times


def test_an_opportunity_won_reopened_and_won_again_is_one_win(
    bot: BotHarness, fake_salesforce: FakeSalesforce
) -> None:
    configure(bot)
    fake_salesforce.save_opportunity("006R1", name="Globex", amount=5000, currency="USD")
    poll(bot)
    fake_salesforce.save_opportunity("006R1", stage="Negotiation", is_won=False)
    poll(bot)
    fake_salesforce.save_opportunity("006R1", stage="Closed Won", is_won=True)
    poll(bot)

    assert len(wins(bot)) == 1
    (post,) = channel_posts(bot)
    assert "Globex" in block_text(post)


def test_two_clocks_polling_at_once_make_one_win(
    bot: BotHarness, fake_salesforce: FakeSalesforce
) -> None:
    configure(bot)
    fake_salesforce.save_opportunity("006C1", name="Hooli", amount=700, currency="USD")
    fake_salesforce.hold_queries()
    first = threading.Thread(target=bot.runtime.runner.tick, args=(SALESFORCE_POLL_KIND,))
    first.start()
    assert fake_salesforce.wait_held()  # the first clock's query is in flight
    bot.runtime.runner.tick(SALESFORCE_POLL_KIND)  # the second clock finds the poll taken
    fake_salesforce.release()
    first.join(timeout=20)
    bot.idle()

    assert len(wins(bot)) == 1 and len(channel_posts(bot)) == 1
    assert len(fake_salesforce.queries()) == 1


def test_the_same_opportunity_read_by_two_polls_is_stored_once(
    bot: BotHarness, fake_salesforce: FakeSalesforce
) -> None:
    """The win's unique key holds even when two processes both read the opportunity (a
    lease that ran out while a slow poll still worked)."""
    configure(bot)
    fake_salesforce.save_opportunity("006L1", name="Pied Piper", amount=300, currency="USD")
    poll(bot)
    with bot.session() as session:
        row = session.get(SalesforceSync, "T1")
        assert row is not None
        row.read_up_to = row.read_up_to.replace(year=2020)  # as if the cursor never moved
    poll(bot)

    assert len(wins(bot)) == 1 and len(channel_posts(bot)) == 1


# ------------------------------------------------------------------ API calls per poll


def calls_of_one_poll(bot: BotHarness, fake: FakeSalesforce) -> list[str]:
    before = len(fake.requests)
    poll(bot)
    return [f"{r.method} {r.path}" for r in fake.requests[before:]]


@pytest.mark.parametrize("flow", ["jwt", "soap"])
def test_api_calls_per_poll(
    bot: BotHarness, fake_salesforce: FakeSalesforce, capsys: pytest.CaptureFixture[str]
) -> None:
    """What a poll costs in Salesforce API calls (README, "API calls per poll"): every
    request the fake receives is counted. Owners come with the query (Owner.Email,
    Owner.Name): no user lookups."""
    configure(bot)
    fake_salesforce.page_size = 2  # Salesforce's pages hold 2,000 records; 2 here
    figures = {}

    first = calls_of_one_poll(bot, fake_salesforce)  # login, then the query
    figures["first poll (login + query)"] = len(first)
    figures["a poll with nothing new"] = len(calls_of_one_poll(bot, fake_salesforce))
    fake_salesforce.save_opportunity("006K1", name="One win", amount=1, currency="USD")
    figures["a poll with one win"] = len(calls_of_one_poll(bot, fake_salesforce))
    fake_salesforce.expire_tokens()
    figures["a poll whose session expired"] = len(calls_of_one_poll(bot, fake_salesforce))
    for number in range(2, 7):
        fake_salesforce.save_opportunity(f"006K{number}", name=f"Win {number}", amount=number)
    pages = calls_of_one_poll(bot, fake_salesforce)  # 5 new + 1 re-read (overlap): 3 pages
    figures["a poll reading 6 records, 2 a page"] = len(pages)
    # Each query looks 5 minutes back from the cursor: what changed then is read again.
    figures["the next poll (the same 6 re-read)"] = len(calls_of_one_poll(bot, fake_salesforce))

    assert figures == {
        "first poll (login + query)": 2,
        "a poll with nothing new": 1,
        "a poll with one win": 1,
        "a poll whose session expired": 3,  # the query refused (401), a login, the query
        "a poll reading 6 records, 2 a page": 3,  # the query and 2 nextRecordsUrl pages
        "the next poll (the same 6 re-read)": 3,
    }
    soap = bot.environment.get("SALESFORCE_CLIENT_ID") is None
    assert first[0] == ("POST /services/Soap/u/62.0" if soap else "POST /services/oauth2/token")
    assert sum("/query" in call for call in pages) == 3
    assert fake_salesforce.calls("/services/data/v62.0/sobjects/") == []  # no owner lookups
    assert len(channel_posts(bot)) == 6 and len(wins(bot)) == 6
    with capsys.disabled():
        print(f"\nSalesforce API calls per poll ({'soap' if soap else 'jwt'}): {figures}")


def test_a_single_currency_org_costs_two_more_calls_once(
    bot: BotHarness, fake_salesforce: FakeSalesforce
) -> None:
    configure(bot)
    fake_salesforce.multi_currency = False

    first = calls_of_one_poll(bot, fake_salesforce)
    second = calls_of_one_poll(bot, fake_salesforce)

    # login, the query refused (no CurrencyIsoCode), the Organization's currency, the query
    assert len(first) == 4 and len(second) == 1


# ------------------------------------------------------------------ owners, amounts, stages


def test_an_unknown_owner_is_named_and_an_admin_told_once(
    bot: BotHarness, fake_salesforce: FakeSalesforce
) -> None:
    configure(bot)
    fake_salesforce.add_user("005Z", email="zoe@partner.example", name="Zoé Nobody")
    fake_salesforce.save_opportunity("006U1", name="Umbrella", amount=10, owner_id="005Z")
    fake_salesforce.save_opportunity("006U2", name="Initech", amount=20, owner_id="005Z")

    poll(bot)

    posts = channel_posts(bot)
    assert len(posts) == 2 and all("Zoé Nobody" in block_text(p) for p in posts)
    (notice,) = bot.fake.dms_to("UADMIN")
    assert "zoe@partner.example" in notice["text"]


def test_a_single_currency_org_gives_its_own_currency_and_is_asked_once(
    bot: BotHarness, fake_salesforce: FakeSalesforce
) -> None:
    configure(bot)
    fake_salesforce.multi_currency = False
    fake_salesforce.org_currency = "CHF"
    fake_salesforce.save_opportunity("006S1", name="Zurich bank", amount=1500)

    poll(bot)
    poll(bot)

    (win,) = wins(bot)
    assert (win.amount, win.currency) == (1500, "CHF")
    assert sync_row(bot).org_currency == "CHF"
    queries = fake_salesforce.queries()
    organization = [q for q in queries if "FROM Organization" in q]
    assert len(organization) == 1  # the second poll knows the org's currency
    assert "CurrencyIsoCode" not in queries[-1]


def test_the_stage_names_an_admin_sets_in_app_home_are_the_ones_that_count(
    bot: BotHarness, fake_salesforce: FakeSalesforce
) -> None:
    home(bot, "UADMIN")
    values = settings_values(WINS_CHANNEL)
    values[SettingsBlock.salesforce_stages] = {
        SettingsAction.salesforce_stages: "Contract Signed, Won – renewal"
    }
    assert bot.submit(WinCallback.settings, values, user_id="UADMIN").status == 200
    bot.idle()
    fake_salesforce.save_opportunity("006T1", name="Signed deal", stage="Contract Signed")
    fake_salesforce.save_opportunity("006T2", name="Standard won", stage="Closed Won")

    poll(bot)

    assert [w.title for w in wins(bot)] == ["Signed deal"]
    polled = block_text(home(bot, "UADMIN"))
    assert (
        "Salesforce closed-won opportunities are polled: Contract Signed, Won – renewal" in polled
    )
    assert "StageName IN ('Contract Signed','Won – renewal')" in fake_salesforce.queries()[0]


def test_a_bad_stage_list_is_a_field_error(bot: BotHarness) -> None:
    home(bot, "UADMIN")
    values = settings_values(WINS_CHANNEL)
    values[SettingsBlock.salesforce_stages] = {
        SettingsAction.salesforce_stages: ", ".join(f"Stage {n}" for n in range(25))
    }
    answer = bot.submit(WinCallback.settings, values, user_id="UADMIN")
    assert answer.status == 200
    assert SettingsBlock.salesforce_stages in answer.json["errors"]


# ------------------------------------------------------------------ tokens and refusals


def test_an_expired_token_logs_in_again_once_and_the_poll_goes_on(
    bot: BotHarness, fake_salesforce: FakeSalesforce
) -> None:
    configure(bot)
    poll(bot)  # logged in, nothing won yet
    fake_salesforce.expire_tokens()
    fake_salesforce.save_opportunity("006E1", name="Stark", amount=42, currency="USD")

    poll(bot)

    assert len(token_grants(fake_salesforce)) == 2
    (post,) = channel_posts(bot)
    assert "Stark" in block_text(post)
    assert bot.fake.dms_to("UADMIN") == []


def test_a_token_refused_again_after_a_new_login_tells_an_admin_once(
    bot: BotHarness, fake_salesforce: FakeSalesforce
) -> None:
    configure(bot)
    poll(bot)
    fake_salesforce.refuse_sessions = True  # e.g. API access taken from the integration user
    fake_salesforce.save_opportunity("006X1", name="Wayne", amount=1, currency="USD")

    poll(bot)
    poll(bot)

    # Poll 2: the kept token refused, one new login. Poll 3: a login, refused, one more. No loop.
    assert len(token_grants(fake_salesforce)) == 1 + 1 + 2
    (notice,) = bot.fake.dms_to("UADMIN")
    assert "Salesforce" in notice["text"] and "401" in notice["text"]
    assert wins(bot) == [] and sync_row(bot).problem
    assert "Salesforce: a new session was refused too (401)" in block_text(home(bot, "UADMIN"))

    fake_salesforce.refuse_sessions = False  # fixed: the win since the last good poll comes
    poll(bot)
    (post,) = channel_posts(bot)
    assert "Wayne" in block_text(post)
    assert sync_row(bot).problem is None and len(bot.fake.dms_to("UADMIN")) == 1


@pytest.mark.parametrize("flow", ["password"])
def test_a_refused_login_tells_an_admin_what_salesforce_said_never_the_secret(
    bot: BotHarness, fake_salesforce: FakeSalesforce, caplog: pytest.LogCaptureFixture
) -> None:
    configure(bot)
    fake_salesforce.password = "rotated-elsewhere"

    poll(bot)
    poll(bot)

    (notice,) = bot.fake.dms_to("UADMIN")
    assert "invalid_grant" in notice["text"] and "authentication failure" in notice["text"]
    assert PASSWORD not in notice["text"] and "invalid_grant" in caplog.text
    for secret in (PASSWORD, SECURITY_TOKEN, CLIENT_SECRET):
        assert secret not in caplog.text
    assert fake_salesforce.queries() == []


@pytest.mark.parametrize("flow", ["bad-key"])
def test_a_private_key_that_is_no_key_is_an_admins_problem_not_a_crash(
    bot: BotHarness, fake_salesforce: FakeSalesforce
) -> None:
    configure(bot)
    poll(bot)
    (notice,) = bot.fake.dms_to("UADMIN")
    assert "login impossible: InvalidKeyError" in notice["text"]
    assert "nonsense" not in notice["text"] and fake_salesforce.requests == []


# ------------------------------------------------------------------ outages


def outage_started(bot: BotHarness, minutes_ago: int) -> datetime:
    """As if the outage had begun `minutes_ago` (the clock cannot be waited out in a test)."""
    with bot.session() as session:
        row = session.get(SalesforceSync, "T1")
        assert row is not None and row.unanswered_since is not None
        row.unanswered_since = datetime.now(UTC) - timedelta(minutes=minutes_ago)
        return row.unanswered_since


def test_an_outage_that_lasts_is_told_once_and_its_end_once_even_across_a_restart(
    bot: BotHarness, fake_salesforce: FakeSalesforce
) -> None:
    configure(bot)
    poll(bot)  # logged in, nothing won yet
    fake_salesforce.down = True
    fake_salesforce.save_opportunity("006O1", name="During the outage", amount=5, currency="USD")

    poll(bot)
    poll(bot)

    assert bot.fake.dms_to("UADMIN") == []  # a short outage is only logged
    assert sync_row(bot).unanswered_since is not None and sync_row(bot).problem is None
    assert "has not answered" not in block_text(home(bot, "UADMIN"))

    since = outage_started(bot, minutes_ago=31)  # SALESFORCE_OUTAGE_MINUTES defaults to 30
    poll(bot)
    poll(bot)

    (notice,) = bot.fake.dms_to("UADMIN")
    stamp = f"<!date^{int(since.timestamp())}^"
    assert notice["text"].startswith(":warning: Salesforce has not answered since " + stamp)
    assert f"Salesforce has not answered since {stamp}" in block_text(home(bot, "UADMIN"))

    # Another process (a restart) finds the outage already told: nothing said again.
    again = BotHarness(
        build_runtime(load_settings(Settings, **bot.environment)), bot.fake, bot.environment
    )
    try:
        again.runtime.runner.tick(SALESFORCE_POLL_KIND)
        again.idle()
    finally:
        again.close()
    assert len(bot.fake.dms_to("UADMIN")) == 1

    fake_salesforce.down = False
    poll(bot)
    poll(bot)

    (post,) = channel_posts(bot)
    assert "During the outage" in block_text(post)
    _outage, back = bot.fake.dms_to("UADMIN")
    assert back["text"].startswith(":white_check_mark: Salesforce answers again")
    assert stamp in back["text"]
    assert "has not answered" not in block_text(home(bot, "UADMIN"))
    row = sync_row(bot)
    assert row.unanswered_since is None and row.outage_told_at is None


@pytest.mark.parametrize("salesforce_outage_minutes", ["1"])
@pytest.mark.parametrize("flow", ["jwt", "soap"])
def test_a_login_answered_by_a_maintenance_page_is_an_outage_not_a_refusal(
    bot: BotHarness, fake_salesforce: FakeSalesforce
) -> None:
    configure(bot)
    fake_salesforce.down = True

    poll(bot)
    assert sync_row(bot).problem is None and bot.fake.dms_to("UADMIN") == []
    outage_started(bot, minutes_ago=2)  # SALESFORCE_OUTAGE_MINUTES=1
    poll(bot)

    (notice,) = bot.fake.dms_to("UADMIN")
    assert "Salesforce has not answered since" in notice["text"]
    assert sync_row(bot).problem is None  # not a credentials problem


# ------------------------------------------------------------------ operators and privacy


def test_an_operator_polls_with_jobs_run(
    bot: BotHarness,
    fake_salesforce: FakeSalesforce,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """README's "Check it works": what `revops-bot jobs run celebrations-salesforce-poll`
    prints when it works, and when Salesforce refuses."""
    configure(bot)
    fake_salesforce.save_opportunity("006J1", name="Soylent", amount=77, currency="USD")

    assert bot.jobs_run(SALESFORCE_POLL_KIND, monkeypatch=monkeypatch) == 0
    bot.idle()
    works = capsys.readouterr()
    assert works.out.startswith("celebrations-salesforce-poll: planned=0")
    assert (
        "INFO bot.celebrations.salesforce_poll salesforce poll works: jwt login as "
        f"{USERNAME}, 1 won opportunity modified since "
    ) in works.err
    assert "salesforce poll: 1 new win(s)" in works.err

    fake_salesforce.refuse_sessions = True
    assert bot.jobs_run(SALESFORCE_POLL_KIND, monkeypatch=monkeypatch) == 0
    refused = capsys.readouterr()
    assert (
        "ERROR bot.celebrations.salesforce_poll salesforce poll refused: a new session was "
        "refused too (401)"
    ) in refused.err
    assert "poll works" not in refused.err

    assert [w.title for w in wins(bot)] == ["Soylent"]
    assert sync_row(bot).last_polled_at is not None


@pytest.mark.parametrize("flow", ["jwt", "password", "soap"])
def test_no_credential_reaches_a_log_line_at_debug_whatever_happens(
    bot: BotHarness,
    fake_salesforce: FakeSalesforce,
    caplog: pytest.LogCaptureFixture,
    jwt_key: tuple[str, rsa.RSAPrivateKey],
) -> None:
    """A login, a poll with a page to follow, an expired session and a new login, then a
    session refused for good: the DEBUG log (urllib3's requests included) names no password,
    token, private key, JWT assertion or access token."""
    caplog.set_level(logging.DEBUG)
    configure(bot)
    fake_salesforce.page_size = 1
    fake_salesforce.save_opportunity("006D1", name="Debug one", amount=1, currency="USD")
    fake_salesforce.save_opportunity("006D2", name="Debug two", amount=2, currency="USD")
    poll(bot)
    fake_salesforce.expire_tokens()
    poll(bot)
    fake_salesforce.refuse_sessions = True
    poll(bot)

    assert len(channel_posts(bot)) == 2 and len(fake_salesforce.issued) >= 3
    assert "salesforce poll refused" in caplog.text  # the log was captured at all
    assertions = [
        r.form["assertion"][0]
        for r in fake_salesforce.calls("/services/oauth2/token")
        if "assertion" in r.form
    ]
    pem_lines = [line for line in jwt_key[0].splitlines() if "-----" not in line]
    secrets = [PASSWORD, SECURITY_TOKEN, CLIENT_SECRET, *pem_lines, *assertions]
    secrets += fake_salesforce.issued
    for secret in secrets:
        assert secret not in caplog.text
        for record in caplog.records:
            assert secret not in str(record.args) and secret not in (record.exc_text or "")


@pytest.mark.parametrize("flow", ["jwt", "password", "soap"])
def test_an_export_holds_no_salesforce_credential_and_erasure_scrubs_the_owner(
    bot: BotHarness,
    fake_salesforce: FakeSalesforce,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    jwt_key: tuple[str, rsa.RSAPrivateKey],
) -> None:
    configure(bot)
    fake_salesforce.save_opportunity("006V1", name="Vandelay", amount=10, currency="USD")
    poll(bot)
    (win,) = wins(bot)
    assert [(w.user_id, w.email) for w in win.winners] == [("U1", "alice@example.com")]

    for user in ("U1", "UADMIN"):
        out = tmp_path / f"{user}.json"
        args = ("privacy", "export", "--team", "T1", "--user", user, "--out", str(out))
        assert bot.cli(*args, monkeypatch=monkeypatch) == 0
        exported = out.read_text()
        pem = jwt_key[0].splitlines()[1]
        for secret in (PASSWORD, SECURITY_TOKEN, CLIENT_SECRET, "00DFAKE!", pem, USERNAME):
            assert secret not in exported
    assert "alice@example.com" in (tmp_path / "U1.json").read_text()  # her own data, yes

    erase = ("privacy", "erase", "--team", "T1", "--user", "U1", "--yes")
    assert bot.cli(*erase, monkeypatch=monkeypatch) == 0

    (win,) = wins(bot)
    (winner,) = win.winners
    assert winner.user_id != "U1" and winner.email != "alice@example.com"
    assert "Alice" not in winner.name


def traces_of(bot: BotHarness, *needles: str) -> list[str]:
    """Every stored value, in every table, that still holds one of the needles."""
    found = []
    with bot.session() as session:
        for name, table in sorted(Base.metadata.tables.items()):
            for row in session.execute(select(table)).mappings():
                for column, value in row.items():
                    text = json.dumps(value, default=str, ensure_ascii=False)
                    found += [f"{name}.{column}: {n}" for n in needles if n.lower() in text.lower()]
    return found


def test_erasure_scrubs_an_owner_first_unknown_then_found_in_slack(
    bot: BotHarness, fake_salesforce: FakeSalesforce, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Zoé owned a win before she was in Slack (named as text, an admin told of her e-mail),
    then joined and won again. Erasing her leaves no e-mail or name of hers anywhere: not on
    the first win, not in the e-mail map, not in the admin's notice."""
    configure(bot)
    fake_salesforce.add_user("005Z", email="zoe@partner.example", name="Zoé Nobody")
    fake_salesforce.save_opportunity("006Z1", name="Before Slack", amount=10, owner_id="005Z")
    poll(bot)
    (notice,) = bot.fake.dms_to("UADMIN")
    assert "zoe@partner.example" in notice["text"]

    bot.fake.add_user(user_id="U9", real_name="Zoé Nobody", email="zoe@partner.example")
    with bot.session() as session:  # a day later, the miss is asked again
        session.execute(
            update(EmailLookup).values(looked_up_at=datetime.now(UTC) - timedelta(days=2))
        )
    fake_salesforce.save_opportunity("006Z2", name="After Slack", amount=20, owner_id="005Z")
    poll(bot)
    assert "<@U9>" in block_text(channel_posts(bot)[-1])
    assert traces_of(bot, "zoe@partner.example", "Zoé Nobody")

    erase = ("privacy", "erase", "--team", "T1", "--user", "U9", "--yes")
    assert bot.cli(*erase, monkeypatch=monkeypatch) == 0

    assert traces_of(bot, "zoe@partner.example", "Zoé Nobody", "U9") == []
    assert all(w.user_id and w.user_id.startswith("X") for win in wins(bot) for w in win.winners)


@pytest.mark.parametrize("salesforce_team", ["TNOPE"])
def test_a_team_setting_naming_no_workspace_is_one_log_line_and_no_query(
    bot: BotHarness, fake_salesforce: FakeSalesforce, caplog: pytest.LogCaptureFixture
) -> None:
    configure(bot)
    fake_salesforce.save_opportunity("006N1", name="Nowhere", amount=1, currency="USD")

    poll(bot)
    poll(bot)

    told = [r for r in caplog.records if "no workspace to post wins to" in r.getMessage()]
    assert len(told) == 1 and "SALESFORCE_TEAM_ID=TNOPE" in told[0].getMessage()
    assert fake_salesforce.requests == [] and wins(bot) == []


# ------------------------------------------------------------------ POST /webhooks/salesforce


def push(bot: BotHarness, body: object, *, secret: str = WEBHOOK_SECRET) -> HttpResult:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {secret}"}
    return http("POST", bot.server.url + "/webhooks/salesforce", raw, headers)


WON = {
    "Id": "006000000000777AAA",
    "Name": "Massive Dynamic",
    "Amount": 2500.5,
    "CurrencyIsoCode": "EUR",
    "StageName": "Closed Won",
    "IsWon": True,
    "OwnerEmail": "alice@example.com",
    "OwnerName": "Alice Martin",
}


def test_a_pushed_won_opportunity_is_one_win_with_the_poll_too(
    bot: BotHarness, fake_salesforce: FakeSalesforce
) -> None:
    configure(bot)

    first, again = push(bot, WON), push(bot, WON)

    assert (first.status, first.json) == (202, {"status": "new_win"})
    assert (again.status, again.json) == (200, {"status": "duplicate"})
    bot.idle()
    (post,) = channel_posts(bot)
    assert "Massive Dynamic" in block_text(post) and "€2,500.50" in block_text(post)
    assert "<@U1>" in block_text(post)
    # The poll reads the same opportunity later: the same win, not a second one.
    fake_salesforce.save_opportunity("006000000000777AAA", name="Massive Dynamic", amount=2500.5)
    poll(bot)
    assert len(wins(bot)) == 1 and len(channel_posts(bot)) == 1


def test_a_pushed_slack_id_beats_the_email_and_posts_at_once(bot: BotHarness) -> None:
    configure(bot)
    answer = push(bot, {**WON, "OwnerSlackId": "U2", "OwnerEmail": "someone@else.example"})
    assert answer.status == 202
    bot.idle()
    (post,) = channel_posts(bot)
    assert "<@U2>" in block_text(post)
    assert bot.fake.calls("users.lookupByEmail") == []


def test_pushes_that_are_not_won_or_not_trusted_or_malformed_store_nothing(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    configure(bot)
    bot.idle()
    counts = bot.row_counts()
    not_won = push(bot, {**WON, "StageName": "Negotiation", "IsWon": False})
    wrong_secret = push(bot, WON, secret="guessed")
    no_auth = http(
        "POST",
        bot.server.url + "/webhooks/salesforce",
        json.dumps(WON).encode(),
        {"Content-Type": "application/json"},
    )
    bad_fields = push(bot, {**WON, "Id": "001-not-an-opportunity", "CurrencyIsoCode": "EURO"})
    not_json = push(bot, b"{not json")
    bad_amount = push(bot, {**WON, "Amount": "lots"})

    assert (not_won.status, not_won.json) == (200, {"status": "not_won"})
    assert [wrong_secret.status, no_auth.status] == [401, 401]
    assert bad_fields.status == 400
    assert {f["field"] for f in bad_fields.json["fields"]} == {"Id", "CurrencyIsoCode"}
    assert [not_json.status, bad_amount.status] == [400, 400]
    for body in ([WON], b"", {"Name": "no id"}, {**WON, "Id": None}, "006"):
        refused = push(bot, body)
        assert refused.status == 400 and refused.json["error"], body
    missing = push(bot, {k: v for k, v in WON.items() if k != "Id"})
    assert [f["field"] for f in missing.json["fields"]] == ["Id"]
    bot.idle()
    assert wins(bot) == [] and channel_posts(bot) == []
    assert bot.row_counts() == counts  # refused or not won: nothing stored anywhere
    (line,) = [r for r in caplog.records if "salesforce push of" in r.getMessage()]
    assert line.getMessage() == ("salesforce push of 006000000000777AAA: not_won, nothing to do")
