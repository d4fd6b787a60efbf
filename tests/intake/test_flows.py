"""End-to-end flows through the modals: roll-out boost, settings that move ETAs, filer groups
and team lead, picking a known doc and deflecting the next filer, the run report's figures,
and a double-clicked Start. Days are fixed with time-machine (Monday 1 March 2027)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine
from sqlalchemy import select

from bot.i18n import translator_for
from bot.intake.ids import Action, Block, Callback
from bot.intake.models import (
    IntakeRequest,
    IntakeSettings,
    KnowledgeDoc,
    RequestEvent,
    Rollout,
    Status,
)
from bot.intake.priority import Calendar
from bot.intake.views_country import country_select
from bot.intake.views_text import day
from bot.scheduling.service import holidays_of
from bot.workspaces.models import Workspace
from tests.harness import BotHarness
from tests.intake.helpers import (
    INTAKE_CHANNEL,
    MANAGERS_GROUP,
    REVOPS_GROUP,
    REVOPS_MEMBER,
    TEAM_LEAD,
    accept_values,
    act,
    blocks_text,
    card_posts,
    click,
    dm_texts,
    file_request,
    filing_values,
    note,
    open_filing,
    open_modal,
    reload,
    set_up_intake,
    submit,
    wait_for_dm,
)
from tests.intake.test_docs import doc_values
from tests.intake.test_home import open_home
from tests.slack.signing import state_value

EN = translator_for("en-US")
MONDAY = date(2027, 3, 1)


def at(day_: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(day_.year, day_.month, day_.day, hour, minute, tzinfo=UTC)


def shown(days: int, *, holidays: tuple[date, ...] = ()) -> str:
    return day(EN, Calendar.of(holidays).working_day_after(MONDAY, days))


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(at(MONDAY), tick=True) as traveller:
        yield traveller


def settings_values(**changes: Any) -> dict[str, Any]:
    """What the settings modal submits (each field as Slack sends it)."""
    fields: dict[str, Any] = {
        "channel": INTAKE_CHANNEL,
        "revops_group": REVOPS_GROUP,
        "who": "everyone",
        "filer_groups": [],
        "team_lead": TEAM_LEAD,
        "tz": "Europe/Paris",
        "capacity": "20",
        "holidays": "",
        "rollouts": "",
        "country": None,
        "subdivision": "",
        "worked_holidays": "",
    }
    fields.update(changes)
    return {
        Block.channel: {Block.channel: state_value("conversations_select", fields["channel"])},
        Block.revops_group: {
            Block.revops_group: state_value("static_select", fields["revops_group"])
        },
        Block.who_may_file: {Block.who_may_file: state_value("radio_buttons", fields["who"])},
        Block.filer_groups: {
            Block.filer_groups: state_value("multi_static_select", fields["filer_groups"])
        },
        Block.team_lead: {Block.team_lead: state_value("users_select", fields["team_lead"])},
        Block.tz: {Block.tz: state_value("static_select", fields["tz"])},
        Block.capacity: {Block.capacity: fields["capacity"]},
        Block.sla: {Block.sla: "1"},
        Block.reminder: {Block.reminder: "3"},
        Block.auto_close: {Block.auto_close: "10"},
        Block.holidays: {Block.holidays: fields["holidays"]},
        Block.rollouts: {Block.rollouts: fields["rollouts"]},
        Block.country: {Block.country: state_value("static_select", fields["country"])},
        Block.subdivision: {Block.subdivision: fields["subdivision"]},
        Block.worked_holidays: {Block.worked_holidays: fields["worked_holidays"]},
    }


def open_settings(bot: BotHarness) -> dict[str, Any]:
    home = open_home(bot, "UADMIN")
    before = len(bot.fake.calls("views.update"))
    bot.action(Action.open_settings, view=home, user_id="UADMIN")
    calls = bot.fake.wait_for("views.update", count=before + 1)
    view = dict(calls[-1].response["view"])
    assert view["callback_id"] == Callback.settings
    return view


def queue_showing(bot: BotHarness, text: str) -> str:
    """Rita's Home tab, opened once the bot is done with the earlier moves: it shows `text`."""
    bot.idle()
    home = blocks_text(open_home(bot, REVOPS_MEMBER)["blocks"])
    assert text in home, home
    return home


def test_a_roll_out_request_gets_its_boost_in_the_queue_and_the_eta(
    bot: BotHarness, clock: Any
) -> None:
    set_up_intake(bot, capacity=20, rollouts="E-signature")
    plain = file_request(bot, title="Plain report")
    act(bot, Action.accept, Callback.accept, plain, accept_values(hours="4", size=None))
    wait_for_dm(bot, "U1", f"Expected by {shown(1)}")
    with bot.session() as session:
        rollout_id = session.scalars(select(Rollout.id)).one()

    view = open_filing(bot, user="U2")
    rollout_block = next(b for b in view["blocks"] if b.get("block_id") == Block.rollout)
    assert "E-signature" in blocks_text([rollout_block])
    values = filing_values(
        title="E-signature template",
        need="Contracts sent for signature from the new tool",
        rollout=str(rollout_id),
    )
    submit(bot, Callback.file, view, values, user="U2")
    bot.idle()
    assert len(card_posts(bot)) == 2
    boosted = reload(bot, 2)
    assert boosted.rollout_id == rollout_id
    assert "Roll-out: E-signature" in blocks_text(card_posts(bot)[-1].args["blocks"])

    # Same impact, same beneficiary, filed the same day: the roll-out's boost puts it first.
    queue = queue_showing(bot, "E-signature template")
    assert queue.index("E-signature template") < queue.index("Plain report")
    assert "Score 34.5" in queue and "Score 19.5" in queue  # 15 × 1.3 + 15, and 15 × 1.3
    act(bot, Action.accept, Callback.accept, boosted, accept_values(hours="4", size=None))
    bot.idle()
    assert reload(bot, boosted.id).eta_told == Calendar().working_day_after(MONDAY, 1)
    moved = wait_for_dm(bot, "U1", "more important work came first")
    assert f"moves to {shown(2)} (was {shown(1)})" in moved
    assert "1 of them for a tool roll-out (to protect its adoption)" in moved
    queue = queue_showing(bot, f"ETA {shown(1)}")
    assert f"ETA {shown(1)}" in queue and f"ETA {shown(2)}" in queue
    assert queue.index(f"ETA {shown(1)}") < queue.index(f"ETA {shown(2)}")


def test_capacity_and_holidays_changed_in_the_modal_move_etas_and_tell_requesters(
    bot: BotHarness, clock: Any
) -> None:
    set_up_intake(bot, capacity=20)
    request = file_request(bot, title="Pipeline report")
    act(bot, Action.accept, Callback.accept, request, accept_values(hours="8", size=None))
    wait_for_dm(bot, "U1", f"Expected by {shown(2)}")  # 8 h at 4 h a day

    view = open_settings(bot)
    saved = submit(bot, Callback.settings, view, settings_values(capacity="10"), user="UADMIN")
    assert saved.status == 200 and not saved.body
    moved = wait_for_dm(bot, "U1", "moved to")  # a capacity cut: neutral, nobody came first
    assert f"moved to {shown(4)} (was {shown(2)})" in moved
    assert "more important" not in moved

    tuesday = Calendar().working_day_after(MONDAY, 1)
    view = open_settings(bot)
    holiday = settings_values(capacity="10", holidays=tuesday.isoformat())
    submit(bot, Callback.settings, view, holiday, user="UADMIN")
    later = wait_for_dm(bot, "U1", f"moved to {shown(4, holidays=(tuesday,))}")
    assert f"(was {shown(4)})" in later
    assert reload(bot, request.id).eta_told == Calendar.of([tuesday]).working_day_after(MONDAY, 4)


def test_the_teams_country_makes_its_public_holidays_days_off_unless_the_admin_works_them(
    bot: BotHarness, clock: Any
) -> None:
    easter_monday = date(2027, 3, 29)  # a public holiday in France, the 20th working day
    assert Calendar().working_day_after(MONDAY, 20) == easter_monday
    set_up_intake(bot, capacity=20)
    request = file_request(bot, title="Territory plan")
    act(bot, Action.accept, Callback.accept, request, accept_values(hours="80", size=None))
    wait_for_dm(bot, "U1", f"Expected by {shown(20)}")  # 80 h at 4 h a day

    view = open_settings(bot)
    country = next(b for b in view["blocks"] if b.get("block_id") == Block.country)
    assert "initial_option" not in country["element"]  # no country chosen yet
    names = [o["text"]["text"] for g in country["element"]["option_groups"] for o in g["options"]]
    assert "France (FR)" in names and "Germany (DE)" in names and len(names) > 100
    # A crafted value the list does not hold, a region of no country, a region France lacks:
    refused = submit(bot, Callback.settings, view, settings_values(country="XX"), user="UADMIN")
    assert refused.json["errors"] == {
        Block.country: "XX is not a country we know: pick one from the list."
    }
    refused = submit(bot, Callback.settings, view, settings_values(subdivision="CA"), user="UADMIN")
    assert refused.json["errors"] == {Block.subdivision: "Pick the country of this region first."}
    refused = submit(
        bot, Callback.settings, view, settings_values(country="FR", subdivision="ZZ"), user="UADMIN"
    )
    assert refused.json["errors"][Block.subdivision].startswith(
        "ZZ is not a region of FR we know; its regions: "
    )

    saved = submit(bot, Callback.settings, view, settings_values(country="FR"), user="UADMIN")
    assert saved.status == 200 and not saved.body
    moved = wait_for_dm(bot, "U1", "moved to")
    assert f"moved to {shown(20, holidays=(easter_monday,))} (was {shown(20)})" in moved
    assert reload(bot, request.id).eta_told == date(2027, 3, 30)

    reopened = open_settings(bot)
    country = next(b for b in reopened["blocks"] if b.get("block_id") == Block.country)
    assert country["element"]["initial_option"]["value"] == "FR"
    worked = settings_values(country="FR", worked_holidays="2027-03-29")
    submit(bot, Callback.settings, reopened, worked, user="UADMIN")
    wait_for_dm(bot, "U1", f"now expected by {shown(20)}")  # the team works Easter Monday
    assert reload(bot, request.id).eta_told == easter_monday


def test_filer_groups_team_lead_and_zone_are_saved_from_the_modal(bot: BotHarness) -> None:
    set_up_intake(bot)
    open_home(bot, REVOPS_MEMBER)  # the bot has met Rita, who works from Paris
    with bot.session() as session:
        settings = session.get(IntakeSettings, "T1")
        assert settings is not None
        settings.tz = None  # never chosen: the modal proposes the admin's own zone
    view = open_settings(bot)
    zone = next(b for b in view["blocks"] if b.get("block_id") == Block.tz)
    assert zone["element"]["initial_option"]["value"] == "Europe/London"  # UADMIN's Slack zone
    assert "Europe/Paris" in blocks_text([zone])  # where Rita works

    restricted = settings_values(
        who="usergroups", filer_groups=[MANAGERS_GROUP], team_lead="UADMIN", tz="Europe/Paris"
    )
    assert submit(bot, Callback.settings, view, restricted, user="UADMIN").status == 200
    bot.idle()
    assert _saved_tz(bot) == "Europe/Paris"  # saved after the modal closed
    with bot.session() as session:
        settings = session.get(IntakeSettings, "T1")
        assert settings is not None
        assert (settings.who_may_file, settings.filer_usergroup_ids) == (
            "usergroups",
            [MANAGERS_GROUP],
        )
        assert (settings.team_lead_id, settings.tz) == ("UADMIN", "Europe/Paris")

    reopened = open_settings(bot)
    filers = next(b for b in reopened["blocks"] if b.get("block_id") == Block.filer_groups)
    assert [o["value"] for o in filers["element"]["initial_options"]] == [MANAGERS_GROUP]
    lead = next(b for b in reopened["blocks"] if b.get("block_id") == Block.team_lead)
    assert lead["element"]["initial_user"] == "UADMIN"

    bot.command("/revops-request", "Export my accounts", user="U1")
    (refusal,) = bot.fake.wait_for("response_url")
    assert (
        f"<!subteam^{MANAGERS_GROUP}>" in refusal.args["text"] and "<@U2>" in refusal.args["text"]
    )


def _saved_tz(bot: BotHarness) -> str | None:
    with bot.session() as session:
        settings = session.get(IntakeSettings, "T1")
        return settings.tz if settings else None


def test_a_doc_answered_in_the_modal_is_picked_again_and_deflects_the_next_filer(
    bot: BotHarness,
) -> None:
    set_up_intake(bot)
    first = file_request(bot, title="Pipeline by region dashboard")
    act(bot, Action.answer_doc, Callback.answer_doc, first, doc_values())
    wait_for_dm(bot, "U1", "already has an answer")

    # The next similar request: offered the doc, U2 files anyway (submitting a second time).
    filing = open_filing(bot, user="U2")
    values = filing_values(title="Regional pipeline numbers")
    offered = submit(bot, Callback.file, filing, values, user="U2")
    assert "pipeline-by-region" in blocks_text(offered.json["view"]["blocks"])
    metadata = offered.json["view"]["private_metadata"]
    submit(bot, Callback.file, {**filing, "private_metadata": metadata}, values, user="U2")
    bot.idle()
    assert len(card_posts(bot)) == 2
    second = reload(bot, 2)
    # The team answers it with the same doc: it is in the modal's list; picking it is enough.
    view = open_modal(bot, Action.answer_doc, second)
    picker = next(b for b in view["blocks"] if b.get("block_id") == Block.doc_pick)
    (option,) = picker["element"]["options"]
    assert option["text"]["text"].startswith("https://bi.example.com/dashboards/")
    picked = {
        Block.doc_pick: {Block.doc_pick: state_value("static_select", option["value"])},
        Block.doc_url: {Block.doc_url: ""},
        Block.doc_summary: {Block.doc_summary: "Same dashboard, filter by region."},
    }
    answer = submit(bot, Callback.answer_doc, view, picked, user=REVOPS_MEMBER)
    assert answer.status == 200 and not answer.body
    bot.idle()
    assert reload(bot, second.id).status == Status.answered_doc
    assert "pipeline-by-region" in blocks_text(
        [b for m in bot.fake.dms_to("U2") for b in m.get("blocks", [])]
    )
    with bot.session() as session:
        doc = session.scalars(select(KnowledgeDoc)).one()
        assert doc.times_used == 2 and doc.summary == "Same dashboard, filter by region."

    # A third person types a similar request: the doc is offered before anything is filed.
    view = open_filing(bot, user="UADMIN")
    shown_docs = submit(
        bot,
        Callback.file,
        view,
        filing_values(title="Dashboard with the pipeline per region", need="For my QBR"),
        user="UADMIN",
    )
    assert shown_docs.json["response_action"] == "update"
    offered = blocks_text(shown_docs.json["view"]["blocks"])
    assert "Does this answer it?" in offered and "pipeline-by-region" in offered
    assert len(card_posts(bot)) == 2  # nothing filed for the third person


def test_the_run_report_and_app_home_give_both_medians(
    bot: BotHarness, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_up_intake(bot, capacity=20)
    quick = file_request(bot, title="Quick one")
    declined = file_request(bot, title="Not for us")
    slow = file_request(bot, title="Slow one")
    clock.move_to(at(MONDAY, 12))  # 2 h after filing
    act(bot, Action.accept, Callback.accept, quick, accept_values(hours="3", size=None))
    clock.move_to(at(MONDAY, 14))  # 4 h
    act(bot, Action.decline, Callback.decline, declined, note("Not run work."))
    clock.move_to(at(date(2027, 3, 3)))  # Wednesday: 48 h
    act(bot, Action.accept, Callback.accept, slow, accept_values(hours="5", size=None))
    bot.idle()
    assert reload(bot, slow.id).status == Status.accepted
    clock.move_to(at(date(2027, 3, 3), 10, 5))
    act(bot, Action.done, Callback.done, quick, note("Done."))  # 2 days after filing
    clock.move_to(at(date(2027, 3, 5)))  # Friday: 4 days after filing
    act(bot, Action.done, Callback.done, slow, note("Done too."))
    bot.idle()
    assert reload(bot, slow.id).status == Status.done

    # A Home tab opened once the bot is idle is rendered after the last move.
    home = blocks_text(open_home(bot, REVOPS_MEMBER)["blocks"])
    assert "Closed: *3*" in home
    expected = (
        "Requests in: *3*",
        "Closed: *3* (delivered: 2)",
        "Median time to first response: *4 h*",  # of 2 h, 4 h and 48 h
        "Median time to done: *3 days*",  # of 2 and 4 days
        "Run hours spent: *8 h* of 20 h capacity",
    )
    for figure in expected:
        assert figure in home, figure

    posts = len(bot.fake.messages(INTAKE_CHANNEL))
    report_time = datetime(2027, 3, 8, 8, tzinfo=UTC)  # Monday 09:00 in Paris
    assert bot.jobs_run("intake-run-report", monkeypatch=monkeypatch, now=report_time) == 0
    report = next(
        m for m in bot.fake.messages(INTAKE_CHANNEL)[posts:] if "Weekly run report" in m["text"]
    )
    for figure in expected:
        assert figure in blocks_text(report["blocks"]), figure


def test_a_double_clicked_start_changes_nothing_the_second_time(bot: BotHarness) -> None:
    set_up_intake(bot)
    request = file_request(bot)
    act(bot, Action.accept, Callback.accept, request, accept_values())
    bot.idle()
    assert reload(bot, request.id).status == Status.accepted
    click(bot, Action.start, request)
    click(bot, Action.start, request)
    (refusal,) = bot.fake.wait_for("response_url")
    assert refusal.args["text"] == "REQ-1 is already in progress: nothing was changed."
    wait_for_dm(bot, "U1", "Work started")
    bot.idle()
    assert len([t for t in dm_texts(bot, "U1") if "Work started" in t]) == 1
    with bot.session() as session:
        moves = session.scalars(
            select(RequestEvent.to_status).where(RequestEvent.request_id == request.id)
        ).all()
    assert moves == [Status.new, Status.accepted, Status.in_progress]
    assert reload(bot, request.id).assignee_id == REVOPS_MEMBER


def test_requests_filed_before_the_team_chose_its_channel_get_their_cards_when_it_does(
    bot: BotHarness,
) -> None:
    """Nothing is lost while an admin has not finished the setup: the requester is told the
    team is still setting up, and the cards follow, oldest first, once a channel is chosen."""
    fake = bot.fake
    fake.add_user(user_id=REVOPS_MEMBER, real_name="Rita RevOps", locale="en-US")
    fake.add_user(user_id=TEAM_LEAD, real_name="Lea Lead", locale="en-US")
    fake.add_channel(channel_id=INTAKE_CHANNEL, name="revops-intake")
    fake.add_usergroup(usergroup_id=REVOPS_GROUP, handle="revops", users=[REVOPS_MEMBER])
    for title, need in (("First request", "Churn by segment"), ("Second request", "Bookings")):
        view = open_filing(bot)
        assert submit(bot, Callback.file, view, filing_values(title=title, need=need)).status == 200
    bot.idle()
    assert fake.messages(INTAKE_CHANNEL) == []
    receipts = [text for text in dm_texts(bot, "U1") if "We got your request" in text]
    assert len(receipts) == 2
    receipt_blocks = blocks_text(fake.dms_to("U1")[0]["blocks"])
    assert "still setting the bot up" in receipt_blocks

    view = open_settings(bot)
    assert submit(bot, Callback.settings, view, settings_values(), user="UADMIN").status == 200
    bot.idle()
    cards = [m["text"] for m in fake.messages(INTAKE_CHANNEL) if m["text"].startswith("REQ-")]
    assert cards == ["REQ-1: First request (New)", "REQ-2: Second request (New)"]
    with bot.session() as session:
        assert all(r.card_ts for r in session.scalars(select(IntakeRequest)))
    # Saving the settings again posts nothing more.
    view = open_settings(bot)
    assert submit(bot, Callback.settings, view, settings_values(), user="UADMIN").status == 200
    bot.idle()
    assert len([m for m in fake.messages(INTAKE_CHANNEL) if m["text"].startswith("REQ-")]) == 2


def test_a_region_adds_its_own_public_holidays_and_french_admins_read_country_names(
    bot: BotHarness,
) -> None:
    """US and California: César Chávez Day (March 31) is a day off in California only; the
    region is saved with the library's spelling, and shown back; a French admin picks
    "États-Unis"."""
    set_up_intake(bot)
    view = open_settings(bot)
    values = settings_values(country="US", subdivision="ca")
    assert submit(bot, Callback.settings, view, values, user="UADMIN").status == 200
    with bot.session() as session:
        workspace = session.get(Workspace, "T1")
        assert workspace is not None
        assert (workspace.holiday_country, workspace.holiday_subdivision) == ("US", "CA")
        days_off = holidays_of(session=session, team_id="T1", around=date(2027, 3, 1))
    assert date(2027, 3, 31) in days_off and date(2027, 7, 5) in days_off  # CA, and national
    reopened = open_settings(bot)
    region = next(b for b in reopened["blocks"] if b.get("block_id") == Block.subdivision)
    assert region["element"]["initial_value"] == "CA"

    # The same select for a French admin: names in French, grouped by their initial.
    french = country_select(translator_for("fr-FR"), "US").to_dict()["element"]
    assert french["initial_option"]["text"]["text"] == "États-Unis (US)"
    e_group = next(g for g in french["option_groups"] if g["label"]["text"] == "E")
    assert "Espagne (ES)" in [o["text"]["text"] for o in e_group["options"]]
