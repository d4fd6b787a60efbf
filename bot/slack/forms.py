"""Reading what a user typed or picked in a modal, whatever the input element."""

from __future__ import annotations

from datetime import date
from typing import Any


def submitted_values(view: dict[str, Any]) -> dict[str, Any]:
    """{action_id: value} from a view's state, one plain Python value per input element.

    Text → str (stripped; "" when empty), selects → the option value, multi-selects → list,
    datepicker → date, users/conversations/channels selects → ids, checkboxes → list of values.
    Action ids are unique per view in this bot, so block ids are not needed to read values.
    """
    values: dict[str, Any] = {}
    for block in (view.get("state") or {}).get("values", {}).values():
        for action_id, element in block.items():
            values[action_id] = _value_of(element)
    return values


def _value_of(element: dict[str, Any]) -> Any:
    kind = element.get("type")
    if kind in {"plain_text_input", "url_text_input", "email_text_input", "number_input"}:
        return (element.get("value") or "").strip()
    if kind in {"static_select", "external_select", "radio_buttons"}:
        option = element.get("selected_option")
        return option["value"] if option else None
    if kind in {"multi_static_select", "multi_external_select", "checkboxes"}:
        return [option["value"] for option in element.get("selected_options") or []]
    if kind == "datepicker":
        picked = element.get("selected_date")
        return date.fromisoformat(picked) if picked else None
    if kind == "timepicker":
        return element.get("selected_time")
    if kind == "users_select":
        return element.get("selected_user")
    if kind == "multi_users_select":
        return list(element.get("selected_users") or [])
    if kind == "conversations_select":
        return element.get("selected_conversation")
    if kind == "channels_select":
        return element.get("selected_channel")
    if kind == "multi_conversations_select":
        return list(element.get("selected_conversations") or [])
    if kind == "multi_channels_select":
        return list(element.get("selected_channels") or [])
    return element.get("value")
