"""Block Kit of intake's settings modal, where admins choose the intake channel, the RevOps
team, who may file, the team's time zone and lead, capacity, response times, holidays and
roll-outs. The entry that opens it is in App Home (views_home.settings_entry).

Data in, dict out: no database, no network.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ConversationFilter,
    ConversationSelectElement,
    InputBlock,
    Option,
    RadioButtonsElement,
    StaticMultiSelectElement,
    StaticSelectElement,
    UserSelectElement,
)

from bot.errors import N_
from bot.i18n import Translator
from bot.intake.configuration import ROLLOUTS_INPUT_MAX
from bot.intake.ids import Block, Callback
from bot.intake.inputs import NUMBER_INPUT_MAX
from bot.intake.models import IntakeSettings, WhoMayFile
from bot.intake.views_card import context
from bot.intake.views_country import REGION_INPUT_MAX, country_select
from bot.intake.views_modal import modal, text_input
from bot.intake.views_text import cut

# Shown while the modal's choices (user groups, time zones) are fetched from Slack.
LOADING = N_("Loading…")


def settings_modal(
    t: Translator,
    settings: IntakeSettings,
    *,
    usergroups: Sequence[tuple[str, str]],
    holidays: Sequence[str],
    rollouts: Sequence[str],
    zones: Sequence[str] = ("UTC",),
    zone: str = "UTC",
    country: str = "",
    subdivision: str = "",
    worked_holidays: Sequence[str] = (),
) -> dict[str, Any]:
    """The admins' settings modal; `usergroups` are (id, name) from Slack; `zones` to pick the
    team's time zone from, `zone` the one proposed."""
    groups = [Option(value=gid, label=cut(name, 75)) for gid, name in usergroups[:100]]
    who = [
        Option(value=WhoMayFile.everyone, label=t.gettext("Everyone")),
        Option(value=WhoMayFile.usergroups, label=t.gettext("Only members of user groups")),
    ]
    blocks: list[Any] = [
        InputBlock(
            block_id=Block.channel,
            label=t.gettext("Intake channel"),
            hint=t.gettext("Where requests are posted as cards, and the weekly run report."),
            element=ConversationSelectElement(
                action_id=Block.channel,
                initial_conversation=settings.intake_channel_id,
                filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
            ),
        )
    ]
    if groups:
        blocks.append(
            InputBlock(
                block_id=Block.revops_group,
                label=t.gettext("RevOps team (user group)"),
                optional=True,
                element=StaticSelectElement(
                    action_id=Block.revops_group,
                    options=groups,
                    initial_option=next(
                        (g for g in groups if g.value == settings.revops_usergroup_id), None
                    ),
                ),
            )
        )
    blocks.append(
        InputBlock(
            block_id=Block.who_may_file,
            label=t.gettext("Who may file requests"),
            element=RadioButtonsElement(
                action_id=Block.who_may_file,
                options=who,
                initial_option=next((o for o in who if o.value == settings.who_may_file), who[0]),
            ),
        )
    )
    if groups:
        initial = [g for g in groups if g.value in (settings.filer_usergroup_ids or [])]
        blocks.append(
            InputBlock(
                block_id=Block.filer_groups,
                label=t.gettext("User groups that may file"),
                optional=True,
                hint=t.gettext("Managers and leadership: the first filter of mature teams."),
                element=StaticMultiSelectElement(
                    action_id=Block.filer_groups,
                    options=groups,
                    initial_options=initial or None,
                ),
            )
        )
    else:
        blocks.append(context(t.gettext("This workspace has no user groups: everyone may file.")))
    zone_options = [Option(value=name, label=cut(name, 75)) for name in zones[:100]]
    blocks += [
        InputBlock(
            block_id=Block.tz,
            label=t.gettext("Team time zone"),
            hint=t.gettext(
                "Nudges and the run report go out at 9:00 on working days in this zone; DMs "
                "follow each person's own Slack zone."
            ),
            element=StaticSelectElement(
                action_id=Block.tz,
                options=zone_options,
                initial_option=next((o for o in zone_options if o.value == zone), None),
            ),
        ),
        InputBlock(
            block_id=Block.team_lead,
            label=t.gettext("Team lead (escalations)"),
            optional=True,
            element=UserSelectElement(
                action_id=Block.team_lead, initial_user=settings.team_lead_id
            ),
        ),
        text_input(
            Block.capacity,
            t.gettext("Weekly run capacity (hours)"),
            initial=str(settings.run_capacity_hours),
            max_length=NUMBER_INPUT_MAX,
            hint=t.gettext("Hours a week for requests; the rest of the week is for projects."),
        ),
        text_input(
            Block.sla,
            t.gettext("First response within (working days)"),
            initial=str(settings.first_response_sla_days),
            max_length=NUMBER_INPUT_MAX,
        ),
        text_input(
            Block.reminder,
            t.gettext("Remind a silent requester after (working days)"),
            initial=str(settings.ask_why_reminder_days),
            max_length=NUMBER_INPUT_MAX,
        ),
        text_input(
            Block.auto_close,
            t.gettext("Close a silent request after (working days)"),
            initial=str(settings.ask_why_close_days),
            max_length=NUMBER_INPUT_MAX,
        ),
        text_input(
            Block.holidays,
            t.gettext("Holidays"),
            initial="\n".join(holidays),
            multiline=True,
            optional=True,
            placeholder="2025-12-25",
            hint=t.gettext("One date per line; skipped by ETAs, nudges and reminders."),
        ),
        country_select(t, country),
        text_input(
            Block.subdivision,
            t.gettext("Region of the team's public holidays"),
            initial=subdivision,
            optional=True,
            placeholder="CA",
            hint=t.gettext(
                "A state, Land or province with holidays of its own, by its code (CA, BY, QC…)."
            ),
            max_length=REGION_INPUT_MAX,
        ),
        text_input(
            Block.worked_holidays,
            t.gettext("Public holidays the team works"),
            initial="\n".join(worked_holidays),
            multiline=True,
            optional=True,
            placeholder="2026-05-08",
            hint=t.gettext("One date per line: these public holidays count as working days."),
        ),
        text_input(
            Block.rollouts,
            t.gettext("Roll-outs in progress"),
            initial="\n".join(rollouts),
            multiline=True,
            optional=True,
            hint=t.gettext("One per line. Their requests come first; remove a line to end one."),
            max_length=ROLLOUTS_INPUT_MAX,
        ),
    ]
    return modal(
        t,
        title=t.gettext("Intake settings"),
        callback_id=Callback.settings,
        submit=t.gettext("Save"),
        blocks=blocks,
    )
