"""Action, block and callback ids of the intake domain, in one place (all prefixed `intake_`)."""

from __future__ import annotations

from enum import StrEnum

COMMAND = "/revops-request"


class Shortcut(StrEnum):
    from_message = "request_from_message"  # fixed in config/manifest.yml


class Callback(StrEnum):
    file = "intake_file"
    ask_why = "intake_ask_why"
    answer_question = "intake_answer_question"
    answer_doc = "intake_answer_doc"
    self_service = "intake_self_service"
    decline = "intake_decline"
    accept = "intake_accept"
    done = "intake_done"
    settings = "intake_settings"


class Action(StrEnum):
    # the card (and the queue in App Home)
    ask_why = "intake_ask_why"
    answer_doc = "intake_answer_doc"
    self_service = "intake_self_service"
    decline = "intake_decline"
    accept = "intake_accept"
    start = "intake_start"
    done = "intake_done"
    # the requester
    new_request = "intake_new_request"
    answer_question = "intake_answer_question"
    withdraw = "intake_withdraw"
    solved_yes = "intake_solved_yes"
    solved_no = "intake_solved_no"
    # inside the filing modal (typing in the title or need inputs dispatches their block ids)
    deflected = "intake_deflected"
    follow = "intake_follow"  # one per request offered: intake_follow_<id>
    # the card: merge a possible duplicate
    merge = "intake_merge"
    # App Home
    queue_page = "intake_queue_page"
    open_settings = "intake_open_settings"


# Every card button is handled by the same code whether it was clicked on the card in the
# intake channel or in a RevOps member's queue in App Home.
CARD_ACTIONS = (
    Action.ask_why,
    Action.answer_doc,
    Action.self_service,
    Action.decline,
    Action.accept,
    Action.start,
    Action.done,
)


class Block(StrEnum):
    # filing modal
    request_title = "intake_title"
    need = "intake_need"
    impact = "intake_impact"
    beneficiary = "intake_beneficiary"
    category = "intake_category"
    wished_date = "intake_wished_date"
    rollout = "intake_rollout"
    link = "intake_link"
    docs = "intake_docs"
    duplicates = "intake_duplicates"
    # challenge and work modals
    note = "intake_note"
    doc_url = "intake_doc_url"
    doc_pick = "intake_doc_pick"
    doc_summary = "intake_doc_summary"
    share_channel = "intake_share_channel"
    share_message = "intake_share_message"
    size = "intake_size"
    hours = "intake_hours"
    assignee = "intake_assignee"
    # settings modal
    channel = "intake_channel"
    revops_group = "intake_revops_group"
    who_may_file = "intake_who_may_file"
    filer_groups = "intake_filer_groups"
    team_lead = "intake_team_lead"
    tz = "intake_tz"
    capacity = "intake_capacity"
    sla = "intake_sla"
    reminder = "intake_reminder"
    auto_close = "intake_auto_close"
    holidays = "intake_holidays"
    country = "intake_country"
    subdivision = "intake_subdivision"
    worked_holidays = "intake_worked_holidays"
    rollouts = "intake_rollouts"


# Inputs use the same id for the block and its element: `submitted_values` reads action ids.
Input = Block
