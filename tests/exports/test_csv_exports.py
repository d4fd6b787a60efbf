"""CSV exports: from the command line (documented columns, UTF-8, ISO dates, raw numbers,
erased members only as their pseudonym, a spreadsheet option) and from App Home (the file by
DM through the outbox, once); 100,000 requests streamed in bounded memory."""

from __future__ import annotations

import csv
import hashlib
import io
import tracemalloc
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert

from bot.celebrations.models import Win, WinWinner
from bot.exports.columns import COLUMNS, ExportKind, header
from bot.exports.ids import ExportAction, ExportBlock, ExportView
from bot.intake.ids import Action, Callback
from bot.intake.models import IntakeRequest
from bot.privacy.pseudonyms import is_pseudonym
from bot.slack import sender
from bot.workspaces.models import Workspace
from tests.harness import BotHarness
from tests.intake.helpers import accept_values, act, file_request, set_up_intake, submit
from tests.intake.test_home import open_home
from tests.projects.helpers import PROJECT_CHANNEL, create_project, push_kpis, webhook_token
from tests.slack.fake_slack import FakeSlack, UploadedFile
from tests.slack.signing import state_value


@pytest.fixture(autouse=True)
def channels(fake_slack: FakeSlack) -> None:
    fake_slack.add_channel(channel_id=PROJECT_CHANNEL, name="cpq-rollout")


def export(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, kind: str, *more: str
) -> tuple[str, list[dict[str, str]]]:
    out = tmp_path / f"{kind}.csv"
    assert (
        bot.cli("export", kind, "--team", "T1", "--out", str(out), *more, monkeypatch=monkeypatch)
        == 0
    )
    raw = out.read_bytes().decode("utf-8")
    return raw, list(csv.DictReader(io.StringIO(raw.removeprefix("\ufeff"))))


def test_requests_export_has_the_documented_columns_raw_values_and_no_erased_name(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    set_up_intake(bot)
    first = file_request(bot, user="U1", title="Pipeline, by region")
    file_request(bot, user="U2", title="Churn dashboard")
    act(bot, Action.accept, Callback.accept, first, accept_values(hours="7.5", size=None))
    bot.idle()
    erase = ["privacy", "erase", "--team", "T1", "--user", "U2", "--yes"]
    assert bot.cli(*erase, monkeypatch=monkeypatch) == 0

    raw, rows = export(bot, monkeypatch, tmp_path, "requests")
    assert raw.splitlines()[0].split(",") == [c.name for c in COLUMNS[ExportKind.requests]]
    assert [row["reference"] for row in rows] == ["REQ-1", "REQ-2"]
    alice, erased = rows
    assert (alice["title"], alice["requester"], alice["requester_name"]) == (
        "Pipeline, by region",  # quoted in the file, whole in the spreadsheet
        "U1",
        "Alice Martin",
    )
    assert (alice["status"], alice["impact"], alice["estimate_hours"]) == (
        "accepted",
        "slows_team",
        "7.5",
    )
    created = datetime.fromisoformat(alice["created"])
    assert created.tzinfo is not None and alice["created"].endswith("Z")
    assert datetime.fromisoformat(alice["accepted"]) >= created
    assert alice["eta_given"] and len(alice["eta_given"]) == 10  # an ISO day
    assert (alice["done"], alice["eta_met"]) == ("", "")
    assert is_pseudonym(erased["requester"]) and erased["requester_name"] == ""
    assert "U2" not in raw and "Bruno" not in raw


def test_projects_kpis_and_wins_exports(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    create_project(bot)  # Win rate, %, baseline 20, target 30
    body = {"values": [{"project": "CPQ roll-out", "kpi": "Win rate", "value": 1212.5}]}
    assert push_kpis(bot, body, token=webhook_token(bot), key="csv-1").status == 200
    with bot.session() as session:
        win = Win(
            team_id="T1",
            kind="deal_signed",
            title="ACME renewal",
            amount=Decimal("12500.50"),
            currency="EUR",
            source="slack",
            source_ref="csv-test",
            created_at=datetime(2026, 11, 30, 15, tzinfo=UTC),
        )
        win.winners = [
            WinWinner(team_id="T1", position=0, user_id="U1", name="Alice Martin"),
            WinWinner(team_id="T1", position=1, email="sam@example.com", name="Sam Seller"),
        ]
        session.add(win)

    _, projects = export(bot, monkeypatch, tmp_path, "projects")
    (project,) = projects
    assert list(project) == header(ExportKind.projects, kpi_columns=1)
    assert (project["project"], project["owner"], project["phase"], project["status"]) == (
        "CPQ roll-out",
        "U1",
        "pilot",
        "active",
    )
    assert (project["kpi1_name"], project["kpi1_unit"], project["kpi1_baseline"]) == (
        "Win rate",
        "%",
        "20",
    )
    assert (project["kpi1_target"], project["kpi1_latest"]) == ("30", "1212.5")

    _, kpis = export(bot, monkeypatch, tmp_path, "kpis")
    (value,) = kpis
    assert (value["project"], value["kpi"], value["value"], value["source"]) == (
        "CPQ roll-out",
        "Win rate",
        "1212.5",
        "webhook",
    )

    _, wins = export(
        bot, monkeypatch, tmp_path, "wins", "--from", "2026-11-30", "--to", "2026-11-30"
    )
    (row,) = wins
    assert row == {
        "date": "2026-11-30T15:00:00Z",
        "winners": "U1 sam@example.com",
        "winner_names": "Alice Martin / Sam Seller",
        "title": "ACME renewal",
        "amount": "12500.50",
        "currency": "EUR",
        "source": "slack",
        "kind": "deal_signed",
    }
    _, none = export(bot, monkeypatch, tmp_path, "wins", "--from", "2026-12-01")
    assert none == []


def test_the_spreadsheet_option_follows_the_workspaces_decimal_comma(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    create_project(bot)
    body = {"values": [{"project": "CPQ roll-out", "kpi": "Win rate", "value": 12.5}]}
    assert push_kpis(bot, body, token=webhook_token(bot), key="csv-2").status == 200
    raw, _ = export(bot, monkeypatch, tmp_path, "kpis", "--excel")
    assert raw.startswith("\ufeffproject,kpi,")  # English: commas, decimal points
    assert ",12.5," in raw
    with bot.session() as session:
        workspace = session.get(Workspace, "T1")
        assert workspace is not None
        workspace.default_locale = "fr-FR"
    raw, _ = export(bot, monkeypatch, tmp_path, "kpis", "--excel")
    assert raw.startswith("\ufeffproject;kpi;unit;value;")
    assert ";12,5;" in raw
    plain, _ = export(bot, monkeypatch, tmp_path, "kpis")
    assert not plain.startswith("\ufeff") and ",12.5," in plain  # programs get plain CSV


def test_a_bad_period_or_workspace_is_refused_in_one_line(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    set_up_intake(bot)
    assert bot.cli("export", "wins", "--team", "T9", monkeypatch=monkeypatch) == 2
    assert capsys.readouterr().err.strip() == "revops-bot: unknown workspace T9 (known: T1)"
    args = ["export", "wins", "--team", "T1", "--from", "2026-12-02", "--to", "2026-12-01"]
    assert bot.cli(*args, monkeypatch=monkeypatch) == 2
    assert "--to 2026-12-01 is before --from 2026-12-02" in capsys.readouterr().err
    with pytest.raises(SystemExit) as refused:
        bot.cli("export", "wins", "--team", "T1", "--from", "yesterday", monkeypatch=monkeypatch)
    assert refused.value.code == 2
    assert "not an ISO 8601 date: 'yesterday'" in capsys.readouterr().err


def _many_requests(bot: BotHarness, count: int, *, first: int = 0) -> None:
    """`count` delivered requests, numbered from `first + 1` (bulk inserted: test data)."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with bot.session() as session:
        for chunk in range(first, first + count, 5000):
            session.execute(
                insert(IntakeRequest),
                [
                    {
                        "team_id": "T1",
                        "number": n + 1,
                        "requester_id": f"U{n % 50}",
                        "title": f"Request number {n + 1}, with a comma",
                        "need": "x" * 200,
                        "impact": "slows_team",
                        "beneficiary": "my_team",
                        "category": "report",
                        "status": "done",
                        "created_at": start + timedelta(minutes=n),
                        "touched_at": start + timedelta(minutes=n),
                        "estimate_hours": 1.5,
                    }
                    for n in range(chunk, min(chunk + 5000, first + count))
                ],
            )


def _export_peak(bot: BotHarness, monkeypatch: pytest.MonkeyPatch, out: Path) -> int:
    tracemalloc.start()
    try:
        args = ["export", "requests", "--team", "T1", "--out", str(out)]
        assert bot.cli(*args, monkeypatch=monkeypatch) == 0
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_an_export_streams_its_rows_in_memory_that_does_not_grow_with_them(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Ten times the rows, about the same peak: rows are read and written a batch at a time.
    (bench/exports.py measures 100,000 requests.)"""
    set_up_intake(bot)
    _many_requests(bot, 3_000)
    small = _export_peak(bot, monkeypatch, tmp_path / "small.csv")
    _many_requests(bot, 27_000, first=3_000)
    out = tmp_path / "large.csv"
    large = _export_peak(bot, monkeypatch, out)
    with out.open(encoding="utf-8", newline="") as written:
        assert sum(1 for _ in csv.reader(written)) == 30_001
    assert out.stat().st_size > 3_000_000
    assert large < small * 1.5 + 1_000_000, f"{small / 1e6:.1f} MB → {large / 1e6:.1f} MB"


def _submit_export(bot: BotHarness, view: dict[str, Any], **values: Any) -> Any:
    state = {
        ExportBlock.kind: {
            ExportBlock.kind: state_value("static_select", values.get("kind", "requests"))
        },
        ExportBlock.start: {ExportBlock.start: state_value("datepicker", values.get("start"))},
        ExportBlock.end: {ExportBlock.end: state_value("datepicker", values.get("end"))},
        ExportBlock.excel: {ExportBlock.excel: state_value("checkboxes", values.get("excel", []))},
    }
    return submit(bot, ExportView.export, view, state, user="UADMIN")


def test_an_admin_exports_from_home_and_gets_the_file_by_dm_once(bot: BotHarness) -> None:
    set_up_intake(bot)
    file_request(bot, user="U1", title="Pipeline by region")
    home = open_home(bot, "UADMIN")
    assert ExportAction.open in str(home["blocks"])
    assert ExportAction.open not in str(open_home(bot, "U1")["blocks"])  # admins only

    opened = len(bot.fake.calls("views.open"))
    bot.action(ExportAction.open, view=home, user_id="UADMIN")
    modal = dict(bot.fake.wait_for("views.open", count=opened + 1)[-1].response["view"])
    refused = _submit_export(bot, modal, start="2026-12-02", end="2026-12-01")
    assert refused.json["errors"] == {ExportBlock.end: "The last day comes before the first."}
    assert _submit_export(bot, modal, kind="requests").status == 200
    bot.idle()
    (upload,) = [f for f in bot.fake.uploaded_files if f.filename.endswith(".csv")]
    assert upload.filename == "revops-requests-T1.csv"
    assert upload.initial_comment == "Your export: 1 row."
    assert upload.channel_id == "DUADMIN"
    text = upload.content.decode("utf-8")
    assert text.startswith("reference,title,requester,") and "Pipeline by region" in text
    bot.idle()
    assert len([f for f in bot.fake.uploaded_files if f.filename.endswith(".csv")]) == 1


def _home_export(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> tuple[dict[str, int], UploadedFile]:
    """An admin's App Home export of the requests, delivered by DM through the outbox, traced:
    what the process holds more than before the submission when the upload starts (the
    export made), and how much more its memory peaks during the upload."""
    home = open_home(bot, "UADMIN")
    opened = len(bot.fake.calls("views.open"))
    bot.action(ExportAction.open, view=home, user_id="UADMIN")
    modal = dict(bot.fake.wait_for("views.open", count=opened + 1)[-1].response["view"])
    uploads = len(bot.fake.uploaded_files)
    measured: dict[str, int] = {}

    def traced_upload(client: Any, channel: str, upload: Any) -> str:
        at_start = tracemalloc.get_traced_memory()[0]
        measured["held"] = at_start - measured["before"]
        tracemalloc.reset_peak()
        try:
            return real_upload(client, channel, upload)
        finally:
            measured["upload_peak"] = tracemalloc.get_traced_memory()[1] - at_start

    real_upload = sender.stream_upload
    monkeypatch.setattr(sender, "stream_upload", traced_upload)
    tracemalloc.start()
    try:
        measured["before"] = tracemalloc.get_traced_memory()[0]
        assert _submit_export(bot, modal, kind="requests").status == 200
        bot.idle(timeout=180)  # 30,000 rows, traced: slow on a loaded machine
    finally:
        tracemalloc.stop()
    (upload,) = bot.fake.uploaded_files[uploads:]
    return measured, upload


def test_a_home_export_streams_its_rows_to_slack_without_holding_them(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A 3 MB export: its rows are written to a temporary file a batch at a time (it spills
    to disk past 1 MiB) and uploaded from there in blocks, never held whole in memory. The
    file Slack got is byte for byte the CLI's export, sent once."""
    set_up_intake(bot)
    bot.fake.keep_upload_bytes = False  # the fake keeps a digest: its memory is not the bot's
    _many_requests(bot, 30_000)
    measured, upload = _home_export(bot, monkeypatch)
    out = tmp_path / "cli.csv"
    args = ["export", "requests", "--team", "T1", "--out", str(out)]
    assert bot.cli(*args, monkeypatch=monkeypatch) == 0
    assert (upload.size, upload.sha256) == (
        out.stat().st_size,
        hashlib.sha256(out.read_bytes()).hexdigest(),
    )
    assert upload.size > 3_000_000 and upload.channel_id == "DUADMIN"
    assert upload.initial_comment == "Your export: 30,000 rows."
    assert measured["held"] < 1_500_000, measured  # at most the 1 MiB spool, not 3 MB
    assert measured["upload_peak"] < 1_000_000, measured
    bot.idle()
    assert len([f for f in bot.fake.uploaded_files if f.filename.endswith(".csv")]) == 1
