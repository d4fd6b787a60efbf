"""Block Kit of the project modals: post an update, pause / resume / abandon, set up the weekly
flash report (the new-project modal is in create_modal.py). Data in, dict out: no database, no
network.

Input block and action ids are the field paths the validation rules report problems on (see
ids.py). Modals are in the reader's own language.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    CheckboxesElement,
    ConversationFilter,
    ConversationSelectElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    StaticSelectElement,
    TimePickerElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.errors import N_
from bot.i18n import Translator
from bot.projects import state
from bot.projects.ids import ProjectView
from bot.projects.models import Kpi, Milestone, Project, RolloutLine
from bot.projects.texts import (
    HEALTHS,
    PHASES,
    REASON_LABELS,
    ROLLOUT,
    WEEKDAYS,
    Blocks,
    clip,
    context,
    exact_number,
    number,
    section,
)
from bot.projects.validation import REASONS, StatusAction


def option(text: str, value: str) -> Option:
    return Option(text=clip(text, 75), value=value)


def input_block(
    block_id: str, label: str, element: Any, *, optional: bool = False, hint: str | None = None
) -> dict[str, Any]:
    return InputBlock(
        block_id=block_id, label=clip(label, 2000), element=element, optional=optional, hint=hint
    ).to_dict()


def text_input(
    action_id: str, *, initial: str | None = None, multiline: bool = False, max_length: int = 0
) -> PlainTextInputElement:
    return PlainTextInputElement(
        action_id=action_id,
        initial_value=initial or None,
        multiline=multiline,
        max_length=max_length or None,
    )


def modal(
    t: Translator,
    *,
    callback_id: ProjectView,
    title: str,
    submit: str,
    blocks: Blocks,
    metadata: str = "",
) -> dict[str, Any]:
    return View(
        type="modal",
        callback_id=callback_id,
        title=clip(title, 24),
        submit=clip(submit, 24),
        close=clip(t.gettext("Cancel"), 24),
        private_metadata=metadata,
        blocks=blocks,
    ).to_dict()


def channel_inputs(t: Translator, *, hint: str) -> Blocks:
    """A channel picker, and the consent for the bot to join it when it is public."""
    join = option(t.gettext("Let the bot join this channel if it is not in it yet"), "join")
    return [
        input_block(
            "channel",
            t.gettext("Channel"),
            ConversationSelectElement(
                action_id="channel",
                default_to_current_conversation=True,
                filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
            ),
            hint=hint,
        ),
        input_block(
            "join",
            t.gettext("Bot access"),
            CheckboxesElement(action_id="join", options=[join]),
            optional=True,
            hint=t.gettext(
                "Public channels only. In a private channel, type /invite @RevOps bot first."
            ),
        ),
    ]


# ---------------------------------------------------------------- posting an update


def update_modal(
    t: Translator,
    *,
    project: Project,
    kpis: list[Kpi],
    lines: list[RolloutLine],
    milestones: list[Milestone],
    meta: state.UpdateMeta,
) -> dict[str, Any]:
    """Status, progress, what was done, blockers, phase, each KPI's value, the roll-out table's
    changes and milestones reached. Fields start from the project's latest values."""
    health_options = [option(t.gettext(label), value) for value, label in HEALTHS.items()]
    phase_options = [option(t.gettext(label), value) for value, label in PHASES.items()]
    rollout_options = [option(t.gettext(label), value) for value, label in ROLLOUT.items()]
    current_health = next((o for o in health_options if o.value == project.health), None)
    blocks: Blocks = [
        context(t.gettext("Update of *{name}*").format(name=project.name)),
        input_block(
            "health",
            t.gettext("Status"),
            RadioButtonsElement(
                action_id="health", options=health_options, initial_option=current_health
            ),
        ),
        input_block(
            "progress",
            t.gettext("Progress (%)"),
            text_input(
                "progress",
                initial=None if project.progress_pct is None else str(project.progress_pct),
                max_length=3,
            ),
            optional=True,
        ),
        input_block(
            "done",
            t.gettext("What was done"),
            text_input("done", multiline=True, max_length=2500),
            optional=True,
        ),
        input_block(
            "blockers",
            t.gettext("Blockers"),
            text_input("blockers", initial=project.blockers, multiline=True, max_length=2500),
            optional=True,
            hint=t.gettext("Leave empty when nothing blocks. They stay highlighted until cleared."),
        ),
        input_block(
            "phase",
            t.gettext("Phase"),
            StaticSelectElement(
                action_id="phase",
                options=phase_options,
                initial_option=next(o for o in phase_options if o.value == project.phase),
            ),
        ),
    ]
    for kpi in kpis:
        label = t.gettext("{name}: current value").format(name=kpi.name)
        hint = t.gettext("Baseline {baseline}, target {target}.").format(
            baseline=number(t, kpi.baseline, kpi.unit), target=number(t, kpi.target, kpi.unit)
        )
        # Every digit: a value left as shown must read back as the same number.
        initial = None if kpi.current_value is None else exact_number(kpi.current_value)
        blocks.append(
            input_block(
                f"kpi.{kpi.id}",
                label,
                text_input(f"kpi.{kpi.id}", initial=initial),
                optional=True,
                hint=hint,
            )
        )
    for line in lines:
        current = next(o for o in rollout_options if o.value == line.status)
        blocks.append(
            input_block(
                f"rollout.{line.id}.status",
                t.gettext("{line}: roll-out status").format(line=line.name),
                StaticSelectElement(
                    action_id=f"rollout.{line.id}.status",
                    options=rollout_options,
                    initial_option=current,
                ),
            )
        )
        blocks.append(
            input_block(
                f"rollout.{line.id}.owner",
                t.gettext("{line}: local owner (when handed off)").format(line=line.name),
                UserSelectElement(
                    action_id=f"rollout.{line.id}.owner", initial_user=line.local_owner_id
                ),
                optional=True,
            )
        )
    blocks.append(
        input_block(
            "new_rollout",
            t.gettext("New teams or countries (one per line)"),
            text_input("new_rollout", multiline=True),
            optional=True,
        )
    )
    if milestones:
        options = [option(f"{t.day(m.due_date)} · {m.name}", str(m.id)) for m in milestones[:10]]
        blocks.append(
            input_block(
                "milestones",
                t.gettext("Milestones reached"),
                CheckboxesElement(action_id="milestones", options=options),
                optional=True,
            )
        )
    return modal(
        t,
        callback_id=ProjectView.update,
        title=t.gettext("Project update"),
        submit=t.gettext("Post"),
        blocks=blocks,
        metadata=state.dump(meta),
    )


# ---------------------------------------------------------------- pause, resume, abandon


STATUS_TITLES = {
    StatusAction.pause: (N_("Pause the project"), N_("Pause")),
    StatusAction.resume: (N_("Resume the project"), N_("Resume")),
    StatusAction.abandon: (N_("Abandon the project"), N_("Abandon")),
}


def status_modal(t: Translator, *, project: Project, action: StatusAction) -> dict[str, Any]:
    """Pause, resume or abandon, with a mandatory reason kept in the project's history."""
    explain = {
        StatusAction.pause: t.gettext(
            "*{name}* will send no check-ins or reminders until it is resumed."
        ),
        StatusAction.resume: t.gettext(
            "*{name}* restarts its check-ins from the next slot; missed ones are not sent."
        ),
        StatusAction.abandon: t.gettext(
            "*{name}* stops for good. The flash report shows it with your reason."
        ),
    }[action].format(name=project.name)
    options = [option(t.gettext(REASON_LABELS[reason]), reason) for reason in REASONS[action]]
    title, submit = STATUS_TITLES[action]
    return modal(
        t,
        callback_id=ProjectView.status,
        title=t.gettext(title),
        submit=t.gettext(submit),
        blocks=[
            section(explain),
            input_block(
                "reason",
                t.gettext("Reason"),
                RadioButtonsElement(action_id="reason", options=options),
            ),
            input_block(
                "note",
                t.gettext("Why, in a few words"),
                text_input("note", multiline=True, max_length=1000),
                optional=True,
                hint=t.gettext("Required when the reason is “Other”."),
            ),
        ],
        metadata=state.dump(state.StatusMeta(p=project.id, action=action)),
    )


# ---------------------------------------------------------------- the flash report settings


def flash_modal(t: Translator, *, tz: str, weekday: int | None, at: str | None) -> dict[str, Any]:
    """Where and when the weekly flash report goes (a workspace setting, for admins)."""
    days = [option(t.gettext(label), str(day)) for day, label in enumerate(WEEKDAYS)]
    initial_day = days[weekday if weekday is not None and 0 <= weekday < len(days) else 0]
    return modal(
        t,
        callback_id=ProjectView.flash,
        title=t.gettext("Weekly flash report"),
        submit=t.gettext("Save"),
        blocks=[
            *channel_inputs(t, hint=t.gettext("Where the report is posted every week.")),
            input_block(
                "weekday",
                t.gettext("Day"),
                StaticSelectElement(action_id="weekday", options=days, initial_option=initial_day),
            ),
            input_block(
                "time",
                t.gettext("Time"),
                TimePickerElement(action_id="time", initial_time=at or "09:00"),
            ),
            input_block("tz", t.gettext("Time zone"), text_input("tz", initial=tz, max_length=64)),
        ],
    )


def card_modal(t: Translator, blocks: Blocks) -> dict[str, Any]:
    """A project card opened from the Home tab (read only: Home has the buttons)."""
    return View(
        type="modal",
        title=clip(t.gettext("Project"), 24),
        close=clip(t.gettext("Close"), 24),
        blocks=blocks[:100],
    ).to_dict()
