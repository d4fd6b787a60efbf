"""Modal submissions of the projects domain: create a project, post an update, pause / resume /
abandon, set up the flash report.

Module-level listeners of (ack, caller, form, services, client). Problems go back on their
fields with `response_action="errors"` and nothing is stored. An update or a status change is
checked, stored and its messages owed in one transaction before the ack (its refusals are
field errors); a new project is checked before the ack and stored after it, once Slack told
who its owner and its user group's members are. Every message a change owes is written by its
flow (flows.py) and delivered by the outbox; no Slack write here but the answer to the modal.
"""

from __future__ import annotations

from datetime import UTC, datetime

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.errors import N_
from bot.i18n import Translator
from bot.privacy import powers
from bot.projects import flows, forms, service, state
from bot.projects.ids import ProjectView
from bot.projects.validation import (
    Problem,
    Problems,
    flash_report_problems,
    reason_problems,
)
from bot.services import Services
from bot.slack import channels
from bot.slack.middleware import Caller, Form

BOT_MUST_JOIN = N_(
    "The bot is not in #{channel} yet: tick “Let the bot join this channel” below and submit again."
)
BOT_MUST_BE_INVITED = N_(
    "The bot cannot post in this private channel. In the channel, type /invite @RevOps bot, "
    "then submit again."
)
ADMINS_ONLY = N_("Only workspace admins can do this.")


def field_errors(t: Translator, problems: Problems) -> dict[str, str]:
    return {path: t.message(p.message, **p.params)[:2000] for path, p in problems.items()}


def refusal_text(t: Translator, refusal: service.ProjectRefused) -> str:
    return t.message(refusal.message, **refusal.params)


def channel_problem(access: channels.ChannelAccess, *, may_join: bool) -> Problem | None:
    """None when the bot can post in the channel, or may join it (public, and the user agreed)."""
    if access.can_post or (access.can_join and may_join):
        return None
    if access.can_join:
        return Problem(BOT_MUST_JOIN, {"channel": access.name or access.channel_id})
    return Problem(BOT_MUST_BE_INVITED)


def _channel_checked(
    client: WebClient, channel_id: str, *, may_join: bool
) -> tuple[channels.ChannelAccess | None, Problems]:
    """One bounded Slack call before an ack: Slack's slowness or a rate limit must not delay
    it (None: Slack did not say in time; the channel is looked at again before posting)."""
    access = channels.channel_access_now(client, channel_id)
    trouble = access and channel_problem(access, may_join=may_join)
    return access, ({"channel": trouble} if trouble else {})


def register(app: App, services: Services) -> None:
    app.view(ProjectView.create)(on_create)
    app.view(ProjectView.update)(on_update)
    app.view(ProjectView.status)(on_status)
    app.view(ProjectView.flash)(on_flash)


def on_create(ack: Ack, caller: Caller, form: Form, services: Services, client: WebClient) -> None:
    meta = form.meta(state.CreateMeta, state.load)
    values = form.values
    draft = forms.project_draft(values, meta)
    may_join = forms.wants_join(values)
    t = caller.t
    problems = flows.create_problems(services.session_factory, caller.actor, draft=draft)
    access = None
    if not problems:
        access, problems = _channel_checked(client, draft.channel_id, may_join=may_join)
    if problems:
        ack(response_action="errors", errors=field_errors(t, problems))
        return
    ack()
    team_id = caller.team_id
    owner = services.directory.member(client, team_id=team_id, user_id=draft.owner_id)
    group = (
        sorted(
            services.usergroups.members(client, team_id=team_id, usergroup_id=draft.usergroup_id)
        )
        if draft.usergroup_id
        else []
    )
    flows.create_project(
        services.session_factory,
        caller.actor,
        draft=draft,
        owner_tz=owner.tz,
        group_member_ids=group,
        channel_checked=access is not None and access.can_post,
        may_join=may_join,
        now=datetime.now(UTC),
    )


def on_update(ack: Ack, caller: Caller, form: Form, services: Services) -> None:
    meta = form.meta(state.UpdateMeta, state.load)
    draft = forms.update_draft(form.values, meta)
    t = caller.t
    try:
        outcome = flows.post_update(
            services.session_factory,
            caller.actor,
            project_id=meta.p,
            checkin_id=meta.c,
            nonce=meta.nonce,
            draft=draft,
            now=datetime.now(UTC),
        )
    except service.ProjectRefused as refusal:  # paused or taken away meanwhile: nothing stored
        ack(response_action="errors", errors={"health": refusal_text(t, refusal)})
        return
    if outcome.problems:
        ack(response_action="errors", errors=field_errors(t, outcome.problems))
        return
    ack()


def on_status(ack: Ack, caller: Caller, form: Form, services: Services) -> None:
    meta = form.meta(state.StatusMeta, state.load)
    choice = forms.status_choice(form.values)
    t = caller.t
    problems = reason_problems(action=meta.action, reason=choice.reason, note=choice.note)
    if problems:
        ack(response_action="errors", errors=field_errors(t, problems))
        return
    try:
        flows.change_status(
            services.session_factory,
            caller.actor,
            project_id=meta.p,
            action=meta.action,
            reason=choice.reason or "",
            note=choice.note,
            now=datetime.now(UTC),
        )
    except service.ProjectRefused as refusal:  # e.g. paused meanwhile: nothing changed
        ack(response_action="errors", errors={"reason": refusal_text(t, refusal)})
        return
    ack()


def on_flash(ack: Ack, caller: Caller, form: Form, services: Services, client: WebClient) -> None:
    choice = forms.flash_choice(form.values)
    t = caller.t
    problems = flash_report_problems(at=choice.at, tz=choice.tz, weekday=choice.weekday)
    if not powers.check_admin(
        services,
        client,
        team_id=caller.team_id,
        user_id=caller.user_id,
        action="flash report settings",
    ):
        problems["channel"] = Problem(ADMINS_ONLY)
    access = None
    if not problems:  # one bounded Slack call before the ack, as for a new project
        access, problems = _channel_checked(client, choice.channel_id, may_join=choice.join)
    if problems:
        ack(response_action="errors", errors=field_errors(t, problems))
        return
    flows.save_flash_report(
        services.session_factory,
        caller.actor,
        channel_id=choice.channel_id,
        weekday=int(choice.weekday or 0),
        at=choice.at,
        tz=choice.tz,
        channel_checked=access is not None and access.can_post,
        may_join=choice.join,
        now=datetime.now(UTC),
    )
    ack()
