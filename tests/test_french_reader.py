"""End to end, a French workspace reads counts, numbers and dates the French way: the plural
forms of its language ("1 demande ouverte", not "1 ouvertes"), a decimal comma and a space
before the percent sign ("12,5 %", not "12.5%"), a date in words ("14 déc. 2026", not ISO)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from bot.workspaces.models import Workspace
from tests.harness import BotHarness
from tests.intake.helpers import REVOPS_MEMBER, blocks_text, file_request, set_up_intake
from tests.intake.test_home import open_home
from tests.projects.helpers import (
    PROJECT_CHANNEL,
    TUESDAY,
    create_project,
    next_weekday,
    push_kpis,
    today,
    webhook_token,
)
from tests.projects.test_flash_report import _report_on_monday
from tests.slack.fake_slack import FakeSlack


@pytest.fixture(autouse=True)
def channels(fake_slack: FakeSlack) -> None:
    fake_slack.add_channel(channel_id=PROJECT_CHANNEL, name="cpq-rollout")
    fake_slack.add_channel(channel_id="CREPORT", name="revops-flash")


def _french_workspace(bot: BotHarness) -> None:
    with bot.session() as session:
        workspace = session.get(Workspace, "T1")
        assert workspace is not None
        workspace.default_locale = "fr-FR"  # channel posts are read by everyone: French here


def test_the_run_queue_counts_one_open_request_in_the_singular(bot: BotHarness) -> None:
    set_up_intake(bot)
    bot.fake.add_user(
        user_id=REVOPS_MEMBER, real_name="Rita RevOps", tz="Europe/Paris", locale="fr-FR"
    )
    file_request(bot, user="U2", title="Tableau du pipeline")
    home = blocks_text(open_home(bot, REVOPS_MEMBER)["blocks"])
    assert "*File du run* : 1 demande ouverte" in home
    assert "ouvertes" not in home


def test_the_flash_report_writes_kpis_and_its_date_the_french_way(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_project(bot)  # Win rate, in %, baseline 20, target 30
    _french_workspace(bot)
    body = {"values": [{"project": "CPQ roll-out", "kpi": "Win rate", "value": 12.5}]}
    assert push_kpis(bot, body, token=webhook_token(bot), key="fr-1").status == 200
    tuesday = next_weekday(TUESDAY, after=today())
    shown = _report_on_monday(bot, monkeypatch, tuesday)
    monday = tuesday + timedelta(days=6)
    months = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct."]
    months += ["nov.", "déc."]
    assert f"semaine du {monday.day} {months[monday.month - 1]} {monday.year}" in (shown), shown
    assert monday.isoformat() not in shown
    assert "• Win rate 12,5\u00a0% → 30\u00a0%" in shown
    assert "12.5" not in shown
    assert re.search(r"1 actif · 0 en dérive · 0 à risque · 0 point d'étape manqué", shown)
