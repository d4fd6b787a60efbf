"""Block Kit of the new-project modal: the basics, the roll-out table, then KPI and milestone
slots that grow one at a time ("Add a KPI"). Data in, dict out: no database, no network.

Slack keeps what was typed when the modal is rebuilt with the same block and action ids, which
are the field paths ("kpis.0.target") the validation rules report problems on.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    CheckboxesElement,
    DatePickerElement,
    ExternalDataSelectElement,
    RadioButtonsElement,
    StaticSelectElement,
    TimePickerElement,
    UserMultiSelectElement,
    UserSelectElement,
)

from bot.i18n import Translator
from bot.projects import state
from bot.projects.ids import ProjectAction, ProjectView
from bot.projects.modals import channel_inputs, input_block, modal, option, text_input
from bot.projects.texts import PHASES, WEEKDAYS, Blocks, actions, button, section
from bot.projects.validation import (
    EVERY_WORKING_DAY,
    MAX_KPI_NAME,
    MAX_KPI_UNIT,
    MAX_MILESTONE_NAME,
    MAX_OBJECTIVE,
)

# The modal grows one KPI (6 inputs) or milestone (4 inputs) at a time; these caps keep it
# under Slack's 100 blocks.
CREATE_KPI_SLOTS = 5
CREATE_MILESTONE_SLOTS = 8


def create_modal(
    t: Translator, *, name: str, owner_id: str, today: date, meta: state.CreateMeta
) -> dict[str, Any]:
    """The new-project modal: the basics, the roll-out table, then KPI and milestone slots."""
    phase_options = [option(t.gettext(label), value) for value, label in PHASES.items()]
    day_options = [option(t.gettext(label), str(day)) for day, label in enumerate(WEEKDAYS)]
    day_options.append(option(t.gettext("Every working day"), EVERY_WORKING_DAY))
    blocks: Blocks = [
        input_block(
            "name", t.gettext("Name"), text_input("name", initial=name[:80], max_length=80)
        ),
        input_block(
            "objective",
            t.gettext("Objective (one sentence)"),
            text_input("objective", max_length=MAX_OBJECTIVE),
        ),
        input_block(
            "owner", t.gettext("Owner"), UserSelectElement(action_id="owner", initial_user=owner_id)
        ),
        input_block(
            "members",
            t.gettext("Members"),
            UserMultiSelectElement(action_id="members"),
            optional=True,
        ),
        input_block(
            "usergroup",
            t.gettext("Or a user group"),
            ExternalDataSelectElement(action_id=ProjectAction.usergroup, min_query_length=0),
            optional=True,
        ),
        *channel_inputs(t, hint=t.gettext("Check-ins, updates and reminders are posted there.")),
        input_block(
            "start_date",
            t.gettext("Start date"),
            DatePickerElement(action_id="start_date", initial_date=today.isoformat()),
        ),
        input_block(
            "target_end_date",
            t.gettext("Target end date"),
            DatePickerElement(action_id="target_end_date"),
        ),
        input_block(
            "phase",
            t.gettext("Current phase"),
            StaticSelectElement(
                action_id="phase", options=phase_options, initial_option=phase_options[0]
            ),
        ),
        input_block(
            "checkin_day",
            t.gettext("Check-in day"),
            StaticSelectElement(
                action_id="checkin_day", options=day_options, initial_option=day_options[1]
            ),
        ),
        input_block(
            "checkin_time",
            t.gettext("Check-in time"),
            TimePickerElement(action_id="checkin_time", initial_time="10:00"),
            hint=t.gettext("In the owner's time zone."),
        ),
        input_block(
            "rollout",
            t.gettext("Teams or countries to roll out to (one per line)"),
            text_input("rollout", multiline=True),
            optional=True,
        ),
    ]
    blocks.append(section(t.gettext("*KPIs*: a baseline, a target, and which way is good.")))
    for index in range(meta.kpis):
        blocks.extend(kpi_inputs(t, f"kpis.{index}", index + 1))
    if meta.kpis < CREATE_KPI_SLOTS:
        blocks.append(
            actions(
                button(t.gettext("Add a KPI"), ProjectAction.add_kpi_slot, meta), block_id="add_kpi"
            )
        )
    blocks.append(section(t.gettext("*Milestones*: reminders go to the channel before the date.")))
    for index in range(meta.milestones):
        blocks.extend(milestone_inputs(t, f"milestones.{index}", index + 1))
    if meta.milestones < CREATE_MILESTONE_SLOTS:
        blocks.append(
            actions(
                button(t.gettext("Add a milestone"), ProjectAction.add_milestone_slot, meta),
                block_id="add_milestone",
            )
        )
    return modal(
        t,
        callback_id=ProjectView.create,
        title=t.gettext("New project"),
        submit=t.gettext("Create"),
        blocks=blocks,
        metadata=state.dump(meta),
    )


def kpi_inputs(t: Translator, prefix: str, ordinal: int) -> Blocks:
    up = option(t.gettext("Up is good"), "up")
    down = option(t.gettext("Down is good"), "down")
    label = t.gettext("KPI {n}").format(n=ordinal)
    return [
        input_block(
            f"{prefix}.name",
            f"{label}: " + t.gettext("name"),
            text_input(f"{prefix}.name", max_length=MAX_KPI_NAME),
            optional=True,
        ),
        input_block(
            f"{prefix}.unit",
            f"{label}: " + t.gettext("unit (%, deals, days…)"),
            text_input(f"{prefix}.unit", max_length=MAX_KPI_UNIT),
            optional=True,
        ),
        input_block(
            f"{prefix}.baseline",
            f"{label}: " + t.gettext("baseline"),
            text_input(f"{prefix}.baseline"),
            optional=True,
        ),
        input_block(
            f"{prefix}.target",
            f"{label}: " + t.gettext("target"),
            text_input(f"{prefix}.target"),
            optional=True,
        ),
        input_block(
            f"{prefix}.target_date",
            f"{label}: " + t.gettext("target date"),
            DatePickerElement(action_id=f"{prefix}.target_date"),
            optional=True,
        ),
        input_block(
            f"{prefix}.direction",
            f"{label}: " + t.gettext("direction"),
            RadioButtonsElement(
                action_id=f"{prefix}.direction", options=[up, down], initial_option=up
            ),
            optional=True,
        ),
    ]


def milestone_inputs(t: Translator, prefix: str, ordinal: int) -> Blocks:
    decision = option(t.gettext("GO/NO-GO decision"), "decision")
    label = t.gettext("Milestone {n}").format(n=ordinal)
    return [
        input_block(
            f"{prefix}.name",
            f"{label}: " + t.gettext("name"),
            text_input(f"{prefix}.name", max_length=MAX_MILESTONE_NAME),
            optional=True,
        ),
        input_block(
            f"{prefix}.due_date",
            f"{label}: " + t.gettext("date"),
            DatePickerElement(action_id=f"{prefix}.due_date"),
            optional=True,
        ),
        input_block(
            f"{prefix}.is_decision",
            f"{label}: " + t.gettext("kind"),
            CheckboxesElement(action_id=f"{prefix}.is_decision", options=[decision]),
            optional=True,
        ),
        input_block(
            f"{prefix}.remind_days_before",
            f"{label}: " + t.gettext("remind how many days before"),
            text_input(f"{prefix}.remind_days_before", initial="3", max_length=2),
            optional=True,
        ),
    ]
