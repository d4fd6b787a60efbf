"""Action, block and callback ids of the celebrations domain: one place, no string drift."""

from __future__ import annotations

from enum import StrEnum


class WinCallback(StrEnum):
    modal = "celebrations_win_modal"
    settings = "celebrations_settings_modal"


class WinAction(StrEnum):
    # Inputs of the win modal (action ids double as what forms.submitted_values returns).
    winners = "win_winners"
    kind = "win_kind"
    win_title = "win_title"
    amount = "win_amount"
    currency = "win_currency"
    message = "win_message"
    # Home tab buttons.
    open_settings = "celebrations_open_settings"
    new_win = "celebrations_new_win"
    check_channel = "celebrations_check_channel"


class WinBlock(StrEnum):
    winners = "win_winners_block"
    kind = "win_kind_block"
    win_title = "win_title_block"
    amount = "win_amount_block"
    currency = "win_currency_block"
    message = "win_message_block"


class SettingsAction(StrEnum):
    channel = "celebrations_channel"
    weekday = "celebrations_gazette_weekday"
    hour = "celebrations_gazette_hour"
    tz = "celebrations_gazette_tz"
    top_performers = "celebrations_top_performers"
    won_stages = "celebrations_won_stages"
    portal_id = "celebrations_portal_id"
    salesforce_stages = "celebrations_salesforce_stages"
    base_currency = "celebrations_base_currency"
    exchange_rates = "celebrations_exchange_rates"


class SettingsBlock(StrEnum):
    channel = "celebrations_channel_block"
    weekday = "celebrations_weekday_block"
    hour = "celebrations_hour_block"
    tz = "celebrations_tz_block"
    top_performers = "celebrations_top_performers_block"
    won_stages = "celebrations_won_stages_block"
    portal_id = "celebrations_portal_id_block"
    salesforce_stages = "celebrations_salesforce_stages_block"
    base_currency = "celebrations_base_currency_block"
    exchange_rates = "celebrations_exchange_rates_block"
