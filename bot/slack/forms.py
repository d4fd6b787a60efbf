"""Reading what a user typed or picked in a modal, whatever the input element."""

from __future__ import annotations

from datetime import date
from typing import Any


def submitted_values(view: dict[str, Any]) -> dict[str, Any]:
    """{action_id: value} from a view's state, one plain Python value per input element.

    Text → str (stripped; "" when empty), selects → the option value, multi-selects → list,
    datepicker → date, users/conversations/channels selects → ids, checkboxes → list of values.
    Action ids are unique per view in this bot, so block ids are not needed to read values.

    Slack sends these shapes; anything else (a Slack change, a crafted payload) reads as if
    nothing were entered: a value of the wrong type is None (or "" for text, [] for lists),
    a date that is not YYYY-MM-DD is None, so the form's own checks answer with field errors.
    """
    values: dict[str, Any] = {}
    state = view.get("state") if isinstance(view, dict) else None
    blocks = state.get("values") if isinstance(state, dict) else None
    for block in blocks.values() if isinstance(blocks, dict) else ():
        if not isinstance(block, dict):
            continue
        for action_id, element in block.items():
            values[action_id] = _value_of(element if isinstance(element, dict) else {})
    return values


def _value_of(element: dict[str, Any]) -> Any:
    kind = element.get("type")
    if kind in {"plain_text_input", "url_text_input", "email_text_input", "number_input"}:
        return _text(element.get("value")).strip()
    if kind in {"static_select", "external_select", "radio_buttons"}:
        return _option_value(element.get("selected_option"))
    if kind in {"multi_static_select", "multi_external_select", "checkboxes"}:
        options = [_option_value(option) for option in _list(element.get("selected_options"))]
        return [value for value in options if value is not None]
    if kind == "datepicker":
        return _date(element.get("selected_date"))
    if kind == "timepicker":
        return _id(element.get("selected_time"))
    if kind == "users_select":
        return _id(element.get("selected_user"))
    if kind == "multi_users_select":
        return _ids(element.get("selected_users"))
    if kind == "conversations_select":
        return _id(element.get("selected_conversation"))
    if kind == "channels_select":
        return _id(element.get("selected_channel"))
    if kind == "multi_conversations_select":
        return _ids(element.get("selected_conversations"))
    if kind == "multi_channels_select":
        return _ids(element.get("selected_channels"))
    return element.get("value")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _id(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _ids(value: Any) -> list[str]:
    return [item for item in _list(value) if isinstance(item, str) and item]


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _option_value(option: Any) -> str | None:
    return _id(option.get("value")) if isinstance(option, dict) else None


def _date(picked: Any) -> date | None:
    if not isinstance(picked, str) or len(picked) != len("YYYY-MM-DD"):
        return None
    try:
        return date.fromisoformat(picked)
    except ValueError:
        return None
