"""Intake's listeners are module-level functions of what the middleware puts in the context: a
unit test calls one with a fake `ack`, caller and client, no Bolt and no HTTP."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.i18n import translator_for
from bot.intake import handlers_team
from bot.intake.ids import Block, Callback
from bot.intake.state import ModalRef, dump
from bot.slack.middleware import Form
from tests.slack.signing import state_value


@dataclass
class Recorder:
    """A fake `ack`: remembers how it was called."""

    calls: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)


@dataclass
class FakeCaller:
    user_id: str = "U3"
    team_id: str = "T1"
    t: Any = field(default_factory=lambda: translator_for("fr-FR"))


def accept_view(hours: str) -> dict[str, Any]:
    return {
        "id": "V1",
        "callback_id": Callback.accept,
        "private_metadata": dump(ModalRef(request_id=7)),
        "state": {
            "values": {
                Block.hours: {Block.hours: {"type": "plain_text_input", "value": hours}},
                Block.assignee: {Block.assignee: state_value("users_select", "U3")},
            }
        },
    }


def test_an_estimate_that_is_no_number_is_refused_on_its_field_in_the_users_language() -> None:
    ack = Recorder()
    # No services and no client: the refusal comes before anything is read or written.
    handlers_team.on_accept(
        ack,
        FakeCaller(),  # type: ignore[arg-type]
        Form(accept_view("a lot")),
        services=None,  # type: ignore[arg-type]
        client=None,  # type: ignore[arg-type]
    )
    (answer,) = ack.calls
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == [Block.hours]
    assert "heures" in answer["errors"][Block.hours]
