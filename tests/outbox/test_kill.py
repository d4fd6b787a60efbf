"""A process killed between the commit and the send: what the change owed goes out once on
restart. Real `revops-bot serve` processes, SIGKILL, the fake Slack on loopback.

The card's post is held by the fake Slack while the process dies; then either it never reached
Slack ("drop": the restart posts it) or Slack did post it ("do": the restart finds it by its
message metadata and does not post it again). Either way: one card, one receipt.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.db import build_engine, session_factory, session_scope
from bot.intake import configuration
from bot.intake.ids import Callback
from bot.intake.models import IntakeRequest
from bot.scheduling.models import Delivery, DeliveryStatus
from bot.workspaces.service import ensure_workspace
from tests.harness import BOT_TOKEN, SIGNING_SECRET, eventually, http
from tests.intake.helpers import INTAKE_CHANNEL, filing_values
from tests.slack import signing
from tests.slack.fake_slack import FakeSlack
from tests.slack.signing import SlackSigner

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """`revops-bot serve --no-scheduler` in its own process group, on a free port."""

    def __init__(self, fake: FakeSlack, database_url: str, tmp: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            "PATH": os.environ["PATH"],
            "HOME": os.environ.get("HOME", "/tmp"),
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": fake.url,
            "DATABASE_URL": database_url,
            "PORT": str(self.port),
            "WEB_THREADS": "4",
            "LOG_FORMAT": "json",
        }
        self.log = (tmp / f"serve-{self.port}.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--no-scheduler"],
            env=env,
            cwd=tmp,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        eventually(self.ready, timeout=30, what=f"serve answers /readyz on {self.url}")

    def ready(self) -> bool:
        assert self.process.poll() is None, "serve exited"
        try:
            return http("GET", self.url + "/readyz").status == 200
        except OSError:  # not listening yet
            return False

    def post(self, built: tuple[str, str]) -> int:
        body, content_type = built
        headers = SlackSigner(SIGNING_SECRET).headers(body, content_type=content_type)
        return http("POST", self.url + "/slack/events", body.encode(), headers).status

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        self.log.close()


@pytest.fixture
def intake_ready(database_url: str, fake_slack: FakeSlack) -> Iterator[str]:
    fake_slack.add_channel(channel_id=INTAKE_CHANNEL, name="revops-intake")
    engine = build_engine(database_url)
    form = configuration.SettingsForm(
        intake_channel_id=INTAKE_CHANNEL,
        revops_usergroup_id=None,
        who_may_file="everyone",
        filer_usergroup_ids=[],
        team_lead_id=None,
        capacity="20",
        sla="1",
        reminder="3",
        auto_close="10",
        holidays="",
        rollouts="",
        tz="Europe/Paris",
    )
    with session_scope(session_factory(engine)) as session:
        ensure_workspace(session=session, team_id="T1")
        configuration.save_settings(
            session=session,
            team_id="T1",
            checked=configuration.check_settings(form),
            revops_member_ids=frozenset(),
            now=datetime.now(UTC),
        )
    engine.dispose()
    yield database_url


def cards(fake: FakeSlack) -> list[dict[str, object]]:
    return [m for m in fake.messages(INTAKE_CHANNEL) if str(m.get("text", "")).startswith("REQ-1:")]


@pytest.mark.parametrize("slack_got_it", [False, True], ids=["lost-with-the-process", "posted"])
def test_a_process_killed_between_commit_and_send_sends_once_on_restart(
    intake_ready: str, fake_slack: FakeSlack, tmp_path: Path, slack_got_it: bool
) -> None:
    fake = fake_slack
    fake.hold("chat.postMessage", then="do" if slack_got_it else "drop")
    first = Server(fake, intake_ready, tmp_path)
    try:
        assert (
            first.post(signing.slash_command("/revops-request", trigger_id=fake.new_trigger_id()))
            == 200
        )
        fake.wait_for("views.open", timeout=30, predicate=lambda call: call.ok)
        view = fake.calls("views.open", ok=True)[-1].response["view"]  # type: ignore[index]
        status = first.post(
            signing.view_submission(
                Callback.file,
                filing_values(),
                view_id=view["id"],
                private_metadata=view.get("private_metadata", ""),
                user_id="U1",
            )
        )
        assert status == 200
        # The request and what it owes are committed; the card's post and the receipt's (two
        # lanes of the outbox, side by side) are under way.
        eventually(
            lambda: fake.held_count("chat.postMessage") >= 2,
            timeout=30,
            what="the card's and the receipt's posts reach the fake Slack",
        )
        first.kill()
    finally:
        first.stop()
    fake.release("chat.postMessage")
    # The held call of the dead process gets its fate (done or dropped) as it leaves the hold.
    eventually(
        lambda: fake.held_count("chat.postMessage") == 0, what="the held post leaves the hold"
    )
    if slack_got_it:
        eventually(lambda: cards(fake), what="the fake Slack posts the held card")
    assert len(cards(fake)) == (1 if slack_got_it else 0)

    engine = build_engine(intake_ready)
    with session_scope(session_factory(engine)) as session:
        (request,) = session.scalars(select(IntakeRequest)).all()
        card_row = session.scalars(select(Delivery).where(Delivery.kind == "intake-card")).one()
        assert card_row.status == DeliveryStatus.sending  # claimed by the dead process

    second = Server(fake, intake_ready, tmp_path)  # its start-up sweep takes the dead claims
    try:
        eventually(
            lambda: cards(fake) and [m for m in fake.dms_to("U1") if "REQ-1" in m["text"]],
            timeout=30,
            what="the restarted process posts the card and the receipt",
        )
        eventually(
            lambda: fake.home_of("U1") is not None,
            timeout=30,
            what="the restarted process publishes U1's Home tab",
        )

        def card_ts_recorded() -> bool:  # the card's lane records it; Home's is another lane
            with session_scope(session_factory(engine)) as session:
                stored = session.get(IntakeRequest, request.id)
                return stored is not None and stored.card_ts is not None

        eventually(card_ts_recorded, timeout=30, what="the restarted process records the card")
    finally:
        second.stop()
    assert len(cards(fake)) == 1
    assert len([m for m in fake.dms_to("U1") if "REQ-1" in m["text"]]) == 1
    with session_scope(session_factory(engine)) as session:
        stored = session.get(IntakeRequest, request.id)
        assert stored is not None and stored.card_ts == cards(fake)[0]["ts"]
    engine.dispose()
