"""Listeners are module-level functions of what the middleware puts in the context: a unit test
calls one with a fake `ack`, caller and client, no Bolt, no HTTP."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.i18n import translator_for
from bot.projects import handlers, state, submissions
from bot.projects.ids import ProjectAction, ProjectView
from bot.projects.validation import StatusAction
from bot.slack.middleware import Form


@dataclass
class Recorder:
    """A fake `ack`, or a fake WebClient method: remembers how it was called."""

    calls: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)


@dataclass
class FakeCaller:
    user_id: str = "U1"
    team_id: str = "T1"
    t: Any = field(default_factory=lambda: translator_for("en-US"))


class FakeClient:
    def __init__(self) -> None:
        self.views_update = Recorder()


def test_a_status_change_without_its_reason_is_refused_on_the_form_before_anything_else() -> None:
    ack = Recorder()
    view = {
        "callback_id": ProjectView.status,
        "private_metadata": state.dump(state.StatusMeta(p=1, action=StatusAction.abandon)),
        "state": {"values": {}},
    }

    # No services: the listener must refuse before it reads or writes anything.
    submissions.on_status(ack, FakeCaller(), Form(view), services=None)  # type: ignore[arg-type]

    (answer,) = ack.calls
    assert answer["response_action"] == "errors" and set(answer["errors"]) == {"reason"}


def test_add_a_milestone_slot_rebuilds_the_open_modal() -> None:
    ack, client = Recorder(), FakeClient()
    view = {"id": "V1", "hash": "h1", "private_metadata": state.dump(state.CreateMeta())}

    handlers.on_add_slot(
        ack,
        {"action_id": ProjectAction.add_milestone_slot},
        FakeCaller(),  # type: ignore[arg-type]
        Form(view),
        client,  # type: ignore[arg-type]
    )

    assert ack.calls == [{}]
    (update,) = client.views_update.calls
    assert (update["view_id"], update["hash"]) == ("V1", "h1")
    assert '"milestones":2' in update["view"]["private_metadata"]
    block_ids = {block.get("block_id") for block in update["view"]["blocks"]}
    assert {"milestones.0.name", "milestones.1.name"} <= block_ids
