"""Listeners are plain functions: called here with a fake `ack` and a fake caller, no Slack, no
database (a refusal in the ack stores nothing: these listeners get no services at all)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from bot.celebrations.handlers import on_settings_submitted, on_win_submitted
from bot.celebrations.ids import SettingsBlock, WinBlock, WinCallback
from bot.errors import UserFacingError
from bot.i18n import translator_for
from bot.slack.middleware import Form
from tests.celebrations.helpers import settings_values
from tests.celebrations.test_manual_win import form
from tests.slack.signing import state_value


class FakeAck:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, **answer: Any) -> None:
        self.calls.append(answer)


def caller(locale: str = "en-US") -> Any:
    member = SimpleNamespace(locale=locale, tz="Europe/Paris")
    return SimpleNamespace(team_id="T1", user_id="U1", member=member, t=translator_for(locale))


def modal(callback_id: str, values: dict[str, Any], private_metadata: str = "") -> Form:
    """A submitted view as Slack sends it (plain strings are text inputs)."""
    state = {
        block: {
            action: value if isinstance(value, dict) else state_value("plain_text_input", value)
            for action, value in actions.items()
        }
        for block, actions in values.items()
    }
    view = {"callback_id": callback_id, "state": {"values": state}}
    return Form({**view, "private_metadata": private_metadata})


def test_field_errors_go_back_in_the_ack_in_the_users_language() -> None:
    ack = FakeAck()
    submitted = modal(
        WinCallback.modal,
        form(winners=[], amount="beaucoup", currency="EUR"),
        private_metadata='{"draft_id": "d1"}',
    )
    on_win_submitted(ack, caller("fr-FR"), submitted, services=None)  # type: ignore[arg-type]
    (answer,) = ack.calls
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {WinBlock.winners, WinBlock.amount}
    assert "Choisissez au moins un gagnant" in answer["errors"][WinBlock.winners]


def test_a_form_whose_metadata_is_stale_is_closed_and_refused() -> None:
    ack = FakeAck()
    submitted = modal(WinCallback.modal, form(winners=["U1"]), private_metadata="not json")
    with pytest.raises(UserFacingError) as refused:
        on_win_submitted(ack, caller(), submitted, services=None)  # type: ignore[arg-type]
    assert ack.calls == [{}]  # the modal closes; the error path says why
    assert "out of date" in refused.value.message


def test_bad_settings_go_back_in_the_ack_before_any_admin_check() -> None:
    ack = FakeAck()
    submitted = modal(WinCallback.settings, settings_values("CWINS", tz="Mars/Olympus"))
    on_settings_submitted(ack, caller(), submitted, services=None, client=None)  # type: ignore[arg-type]
    (answer,) = ack.calls
    assert answer["response_action"] == "errors" and list(answer["errors"]) == [SettingsBlock.tz]
