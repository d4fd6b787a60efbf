"""Service rules against a real database (SQLite file or PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine

from bot.celebrations import service, service_posting
from bot.celebrations.models import CelebrationSettings, PostState, Win, WinSource
from bot.celebrations.rules import DealDetails
from bot.celebrations.schemas import HubSpotEvent, WinIn
from bot.db import session_factory, session_scope
from bot.workspaces.service import ensure_workspace

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)


def test_a_portal_maps_to_its_workspace_else_to_the_only_one(engine: Engine) -> None:
    factory = session_factory(engine)
    with session_scope(factory) as session:
        assert service.team_for_portal(session=session, portal_id="62515") is None  # nobody yet
        ensure_workspace(session=session, team_id="T1")
    with session_scope(factory) as session:
        assert service.team_for_portal(session=session, portal_id="62515") == "T1"  # the default
        ensure_workspace(session=session, team_id="T2")
    with session_scope(factory) as session:
        assert service.team_for_portal(session=session, portal_id="62515") is None  # ambiguous
        session.add(
            CelebrationSettings(
                team_id="T2", hubspot_portal_id="62515", won_stages=[], exchange_rates={}
            )
        )
    with session_scope(factory) as session:
        assert service.team_for_portal(session=session, portal_id="62515") == "T2"
        assert service.team_for_portal(session=session, portal_id="999") is None


def test_a_source_ref_is_recorded_once(engine: Engine) -> None:
    factory = session_factory(engine)
    new = service.NewWin(
        kind="deal_signed",
        title="",
        source=WinSource.hubspot,
        source_ref=service.hubspot_source_ref(portal_id="1", deal_id="42"),
        hubspot_deal_id="42",
    )
    with session_scope(factory) as session:
        first, created = service.record_win(session=session, team_id="T1", new=new, now=NOW)
        assert created and first.post_state == PostState.preparing
    with session_scope(factory) as session:
        again, created_again = service.record_win(session=session, team_id="T1", new=new, now=NOW)
        assert not created_again and again.id == first.id


def test_preparation_is_leased_retried_with_backoff_then_given_up(engine: Engine) -> None:
    factory = session_factory(engine)
    new = service.NewWin(
        kind="deal_signed",
        title="",
        source=WinSource.hubspot,
        source_ref="hubspot:1:deal:7",
        hubspot_deal_id="7",
    )
    with session_scope(factory) as session:
        win, _ = service.record_win(session=session, team_id="T1", new=new, now=NOW)
        win_id = win.id
    now = NOW
    for attempt in range(1, service_posting.MAX_PREPARE_ATTEMPTS + 1):
        with session_scope(factory) as session:
            (claimed,) = service_posting.claim_wins_to_prepare(session=session, now=now)
            assert claimed.deal_id == "7"
            # Leased: a second worker finds nothing to take.
            assert service_posting.claim_wins_to_prepare(session=session, now=now) == []
            state = service_posting.preparation_failed(
                session=session, win_id=win_id, problem="HTTP 503", now=now, permanent=False
            )
            win = session.get_one(Win, win_id)
            expected = (
                PostState.failed
                if attempt == service_posting.MAX_PREPARE_ATTEMPTS
                else PostState.preparing
            )
            assert state == expected
            if win.prepare_after is not None:
                assert win.prepare_after - now == min(
                    timedelta(seconds=30) * 2 ** (attempt - 1), timedelta(minutes=30)
                )
                now = win.prepare_after


def test_a_prepared_deal_takes_the_crm_details_and_its_owner(engine: Engine) -> None:
    factory = session_factory(engine)
    new = service.NewWin(
        kind="deal_signed",
        title="",
        source=WinSource.hubspot,
        source_ref="hubspot:1:deal:8",
        hubspot_deal_id="8",
    )
    with session_scope(factory) as session:
        win, _ = service.record_win(session=session, team_id="T1", new=new, now=NOW)
        session.add(
            CelebrationSettings(team_id="T1", base_currency="EUR", won_stages=[], exchange_rates={})
        )
    deal = DealDetails(
        name="ACME", amount=Decimal("10"), currency=None, owner_email="A@X.IO", owner_name="Ann"
    )
    with session_scope(factory) as session:
        done = service_posting.complete_preparation(
            session=session, win_id=win.id, deal=deal, resolved={"a@x.io": "U9"}
        )
        assert (done.title, done.currency, done.post_state) == ("ACME", "EUR", PostState.ready)
        assert [(w.user_id, w.email, w.name) for w in done.winners] == [("U9", "a@x.io", "Ann")]


def test_the_rules_listeners_and_webhooks_rely_on(engine: Engine) -> None:
    factory = session_factory(engine)
    # A Slack id beats the e-mail: the e-mail of such a winner is never looked up.
    win_in = WinIn.model_validate(
        {
            "winners": [{"slack_id": "U1", "email": "alice@example.com"}, {"email": "B@x.io"}],
            "kind": "expansion",
            "title": "Globex",
            "source": "salesforce",
            "external_id": "opp-1",
        }
    )
    new = service.webhook_win(win_in)
    assert [(w.user_id, w.email) for w in new.winners] == [("U1", None), (None, "b@x.io")]
    assert new.source_ref == "webhook:salesforce:opp-1"
    # The modal's identity: the offered win's, else the opened modal's.
    assert service.manual_source_ref(draft_id="d1", offered_ref="") == "slack:d1"
    assert service.manual_source_ref(draft_id="d1", offered_ref="rollout:7") == "rollout:7"
    # Why the bot cannot post.
    assert service.channel_problem(exists=True, is_member=True) is None
    assert service.channel_problem(exists=True, is_member=False) == "not_in_channel"
    assert service.channel_problem(exists=False, is_member=False) == "channel_not_found"

    with session_scope(factory) as session:
        ensure_workspace(session=session, team_id="T1")
        session.add(
            CelebrationSettings(
                team_id="T1", channel_id="CWINS", won_stages=["signed"], exchange_rates={}
            )
        )
    event = {
        "eventId": 1,
        "portalId": 62515,
        "subscriptionType": "deal.propertyChange",
        "objectId": 42,
        "propertyName": "dealstage",
        "propertyValue": "signed",
    }
    with session_scope(factory) as session:
        first = service.record_hubspot_event(
            session=session, event=HubSpotEvent.model_validate(event), now=NOW
        )
        again = service.record_hubspot_event(
            session=session, event=HubSpotEvent.model_validate({**event, "eventId": 2}), now=NOW
        )
        other = service.record_hubspot_event(
            session=session,
            event=HubSpotEvent.model_validate({**event, "propertyValue": "closedwon"}),
            now=NOW,
        )
        amount = service.record_hubspot_event(
            session=session,
            event=HubSpotEvent.model_validate({**event, "propertyName": "amount"}),
            now=NOW,
        )
    assert first == (service.HubSpotOutcome.new_win, "T1")
    assert again == (service.HubSpotOutcome.duplicate, "T1")
    assert other == (service.HubSpotOutcome.ignored, "T1")  # not this workspace's won stage
    assert amount == (service.HubSpotOutcome.ignored, None)

    with session_scope(factory) as session:
        joins = [
            service.is_celebration_channel_join(
                session=session, team_id="T1", channel_id=channel, user_id=user, bot_user_id="UB"
            )
            for channel, user in [("CWINS", "UB"), ("CWINS", "U2"), ("C1", "UB")]
        ]
    assert joins == [True, False, False]
