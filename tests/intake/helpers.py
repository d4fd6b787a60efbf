"""Drive intake the way people do in Slack: the command, the modal, the card's buttons."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.intake import configuration, report
from bot.intake.ids import Block, Callback
from bot.intake.models import IntakeRequest
from bot.intake.state import RequestRef
from tests.harness import BotHarness
from tests.slack.fake_slack import Call
from tests.slack.signing import state_value

INTAKE_CHANNEL = "CINTAKE"
REVOPS_GROUP = "SREVOPS"
MANAGERS_GROUP = "SMANAGERS"
REVOPS_MEMBER = "U3"
TEAM_LEAD = "ULEAD"
TEAM_TZ = "Europe/Paris"


def set_up_intake(bot: BotHarness, *, capacity: int = 20, **overrides: Any) -> None:
    """An intake channel the bot is in, a RevOps group with Rita, a team lead (via the service)."""
    fake = bot.fake
    fake.add_user(user_id=REVOPS_MEMBER, real_name="Rita RevOps", tz="Europe/Paris", locale="en-US")
    fake.add_user(user_id=TEAM_LEAD, real_name="Lea Lead", tz="Europe/Paris", locale="en-US")
    fake.add_channel(channel_id=INTAKE_CHANNEL, name="revops-intake")
    fake.add_usergroup(usergroup_id=REVOPS_GROUP, handle="revops", users=[REVOPS_MEMBER])
    fake.add_usergroup(usergroup_id=MANAGERS_GROUP, handle="managers", users=["U2"])
    form = configuration.SettingsForm(
        intake_channel_id=INTAKE_CHANNEL,
        revops_usergroup_id=REVOPS_GROUP,
        who_may_file=overrides.get("who_may_file", "everyone"),
        filer_usergroup_ids=overrides.get("filer_usergroup_ids", []),
        team_lead_id=TEAM_LEAD,
        capacity=str(capacity),
        sla=str(overrides.get("sla", 1)),
        reminder=str(overrides.get("reminder", 3)),
        auto_close=str(overrides.get("auto_close", 10)),
        holidays=overrides.get("holidays", ""),
        rollouts=overrides.get("rollouts", ""),
        tz=overrides.get("tz", TEAM_TZ),
    )
    checked = configuration.check_settings(form)
    assert not checked.errors, checked.errors
    with bot.session() as session:
        configuration.save_settings(
            session=session,
            team_id="T1",
            checked=checked,
            revops_member_ids=frozenset({REVOPS_MEMBER}),
            now=datetime.now(UTC),
        )
        report.schedule_run_report(
            session=session,
            team_id="T1",
            channel_id=INTAKE_CHANNEL,
            tz=overrides.get("tz", TEAM_TZ),
            now=datetime.now(UTC),
        )


def filing_values(
    *,
    title: str = "Pipeline by region dashboard",
    need: str = "To prepare the quarterly business review with the sales managers",
    impact: str = "slows_team",
    beneficiary: str = "my_team",
    category: str = "report",
    wished_date: str | None = None,
    link: str = "",
    rollout: str | None = None,
) -> dict[str, dict[str, Any]]:
    values: dict[str, dict[str, Any]] = {
        Block.request_title: {Block.request_title: title},
        Block.need: {Block.need: need},
        Block.impact: {Block.impact: state_value("radio_buttons", impact)},
        Block.beneficiary: {Block.beneficiary: state_value("static_select", beneficiary)},
        Block.category: {Block.category: state_value("static_select", category)},
        Block.wished_date: {Block.wished_date: state_value("datepicker", wished_date)},
        Block.link: {Block.link: link},
    }
    if rollout is not None:
        values[Block.rollout] = {Block.rollout: state_value("static_select", rollout)}
    return values


def last_view(bot: BotHarness, method: str = "views.open", count: int = 1) -> dict[str, Any]:
    calls = bot.fake.wait_for(method, count=count)
    return dict(calls[-1].response["view"])


def open_filing(bot: BotHarness, *, user: str = "U1", text: str = "") -> dict[str, Any]:
    before = len(bot.fake.calls("views.open"))
    response = bot.command("/revops-request", text, user=user)
    assert response.status == 200
    return last_view(bot, count=before + 1)


def submit(
    bot: BotHarness,
    callback: str,
    view: dict[str, Any],
    values: dict[str, Any],
    *,
    user: str = "U1",
    retry_num: int | None = None,
):  # type: ignore[no-untyped-def]
    from tests.slack import signing

    built = signing.view_submission(
        callback,
        values,
        view_id=view["id"],
        private_metadata=view.get("private_metadata", ""),
        user_id=user,
        hash_=view.get("hash"),
    )
    return bot.post_slack(built, retry_num=retry_num)


def file_request(bot: BotHarness, *, user: str = "U1", **fields: Any) -> IntakeRequest:
    """File through the modal; returns the stored request once its card is posted. When the
    modal first shows open requests it may duplicate (or docs), the requester files anyway
    (submits again), as a requester who needs their own request does."""
    view = open_filing(bot, user=user)
    cards_before = len(card_posts(bot))
    values = filing_values(**fields)
    response = submit(bot, Callback.file, view, values, user=user)
    assert response.json["response_action"] == "update", response.json
    offered = response.json["view"]
    if offered.get("callback_id") == Callback.file:
        shown = {**view, "private_metadata": offered["private_metadata"]}
        response = submit(bot, Callback.file, shown, values, user=user)
        assert response.json["response_action"] == "update", response.json
    bot.idle()  # the card posted and its ts stored
    assert len(card_posts(bot)) > cards_before
    with bot.session() as session:
        return session.scalars(
            select(IntakeRequest).order_by(IntakeRequest.id.desc()).limit(1)
        ).one()


def card_posts(bot: BotHarness) -> list[Call]:
    return [
        call
        for call in bot.fake.calls("chat.postMessage", ok=True)
        if call.args.get("channel") == INTAKE_CHANNEL and not call.args.get("thread_ts")
    ]


def value(request_id: int, *, home: bool = False) -> str:
    return RequestRef(request_id=request_id, home=home).model_dump_json()


def click(
    bot: BotHarness,
    action_id: str,
    request: IntakeRequest,
    *,
    user: str = REVOPS_MEMBER,
    channel: str = INTAKE_CHANNEL,
    **kwargs: Any,
):  # type: ignore[no-untyped-def]
    message = {"type": "message", "ts": request.card_ts or "1.0", "user": "UBOT1", "text": ""}
    kwargs.setdefault("message", message)
    return bot.action(action_id, value(request.id), user_id=user, channel_id=channel, **kwargs)


def reload(bot: BotHarness, request_id: int) -> IntakeRequest:
    with bot.session() as session:
        request = session.get(IntakeRequest, request_id)
        assert request is not None
        return request


def dm_texts(bot: BotHarness, user: str) -> list[str]:
    return [message.get("text", "") for message in bot.fake.dms_to(user)]


def wait_for_dm(bot: BotHarness, user: str, contains: str) -> str:
    """Once the bot is idle: the text of the first DM to `user` that contains `contains`."""
    bot.idle()
    texts = dm_texts(bot, user)
    found = next((text for text in texts if contains in text), None)
    assert found is not None, f"no DM to {user} contains {contains!r}: {texts}"
    return found


def blocks_text(blocks: list[dict[str, Any]]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def card_of(bot: BotHarness, request: IntakeRequest) -> dict[str, Any]:
    request = reload(bot, request.id)
    return next(m for m in bot.fake.messages(INTAKE_CHANNEL) if m["ts"] == request.card_ts)


def open_modal(
    bot: BotHarness,
    action_id: str,
    request: IntakeRequest,
    *,
    user: str = REVOPS_MEMBER,
    **kwargs: Any,
) -> dict[str, Any]:
    before = len(bot.fake.calls("views.open"))
    assert click(bot, action_id, request, user=user, **kwargs).status == 200
    return last_view(bot, count=before + 1)


def note(text: str) -> dict[str, dict[str, Any]]:
    return {Block.note: {Block.note: text}}


def act(
    bot: BotHarness,
    action_id: str,
    callback: str,
    request: IntakeRequest,
    values: dict[str, Any],
    *,
    user: str = REVOPS_MEMBER,
):  # type: ignore[no-untyped-def]
    """Click a card button, then submit the modal it opened; returns the submission answer."""
    view = open_modal(bot, action_id, request, user=user)
    return submit(bot, callback, view, values, user=user)


def accept_values(*, hours: str = "", size: str | None = "M", assignee: str = REVOPS_MEMBER):  # type: ignore[no-untyped-def]
    values: dict[str, Any] = {
        Block.hours: {Block.hours: hours},
        Block.assignee: {Block.assignee: state_value("users_select", assignee)},
    }
    if size:
        values[Block.size] = {Block.size: state_value("static_select", size)}
    return values


def card_updates(bot: BotHarness, request: IntakeRequest) -> list[Call]:
    ts = reload(bot, request.id).card_ts
    return [c for c in bot.fake.calls("chat.update", ok=True) if c.args.get("ts") == ts]


def thread_posts(bot: BotHarness, request: IntakeRequest) -> list[Call]:
    ts = reload(bot, request.id).card_ts
    return [c for c in bot.fake.calls("chat.postMessage", ok=True) if c.args.get("thread_ts") == ts]


def team_today() -> date:
    """Today in the team's zone: ETAs are counted from it."""
    return datetime.now(ZoneInfo(TEAM_TZ)).date()


def working_days_from_now(days: int, *, hour: int = 10) -> datetime:
    """A moment `days` working days after today (UTC), for `revops-bot jobs run --now`."""
    from bot.intake.priority import Calendar

    target = Calendar().working_day_after(datetime.now(UTC).date(), days)
    return datetime(target.year, target.month, target.day, hour, tzinfo=UTC)
