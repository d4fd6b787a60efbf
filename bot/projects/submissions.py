"""Modal submissions of the projects domain: create a project, post an update, pause / resume /
abandon, set up the flash report.

Each submission is validated before its ack: problems go back on their fields with
`response_action="errors"` and nothing is stored. Slow work (Slack posts, the Home refresh)
comes after the ack, and no database session is held across a Slack call.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.db import session_scope
from bot.errors import N_
from bot.i18n import Translator, translator_for
from bot.privacy import powers
from bot.projects import checkins, forms, reports, service, state, surfaces, texts, views
from bot.projects.ids import ProjectView
from bot.projects.validation import (
    Problem,
    Problems,
    flash_report_problems,
    name_key,
    reason_problems,
    validate_project,
    validate_update,
)
from bot.services import Services
from bot.slack import channels
from bot.slack.forms import submitted_values
from bot.workspaces.models import Workspace
from bot.workspaces.service import find_member, is_admin

logger = logging.getLogger(__name__)

BOT_MUST_JOIN = N_(
    "The bot is not in #{channel} yet: tick “Let the bot join this channel” below and submit again."
)
BOT_MUST_BE_INVITED = N_(
    "The bot cannot post in this private channel. In the channel, type /invite @RevOps bot, "
    "then submit again."
)
CREATED_BOT_OUTSIDE = N_(
    "*{name}* is created, but the bot cannot post in {channel} yet: type /invite @RevOps bot "
    "in that channel, or its check-ins and reminders will not be posted."
)
FLASH_BOT_OUTSIDE = N_(
    "The flash report is set up, but the bot cannot post in {channel} yet: type "
    "/invite @RevOps bot in that channel before the report is due."
)
STATUS_POSTS = {
    "pause": N_("⏸ {user} paused *{name}*: {reason}."),
    "resume": N_("▶️ {user} resumed *{name}*: {reason}. Check-ins restart from the next slot."),
    "abandon": N_("⏹ {user} abandoned *{name}*: {reason}."),
}


def channel_translator(session: Session, team_id: str) -> Translator:
    """Channel posts speak the workspace's default language (see views.py)."""
    workspace = session.get(Workspace, team_id)
    return translator_for(workspace.default_locale if workspace else None)


def field_errors(t: Translator, problems: Problems) -> dict[str, str]:
    return {path: t.gettext(p.message).format(**p.params)[:2000] for path, p in problems.items()}


def refusal_text(t: Translator, refusal: service.ProjectRefused) -> str:
    return t.gettext(refusal.message).format(**refusal.params)


def channel_problem(access: channels.ChannelAccess, *, may_join: bool) -> Problem | None:
    """None when the bot can post in the channel, or may join it (public, and the user agreed)."""
    if access.can_post or (access.can_join and may_join):
        return None
    if access.can_join:
        return Problem(BOT_MUST_JOIN, {"channel": access.name or access.channel_id})
    return Problem(BOT_MUST_BE_INVITED)


def bring_bot_in(
    client: WebClient,
    channel_id: str,
    checked: channels.ChannelAccess | None,
    *,
    may_join: bool,
) -> bool:
    """After the ack, once what needs the channel is stored: join it if it is public and the
    user agreed. `checked` is what the check before the ack found (None: Slack did not answer
    in time, so ask again, retries allowed). False when the bot still cannot post there."""
    access = checked or channels.channel_access(client, channel_id)
    if access.can_post:
        return True
    if access.can_join and may_join:
        channels.join(client, channel_id)
        return True
    return False


def known_translator(session: Session, team_id: str, user_id: str) -> Translator:
    """The user's language from the member cache, else the workspace's: no Slack call (before
    an ack; the user opened the modal moments ago, so they are almost always cached)."""
    member = find_member(session=session, team_id=team_id, user_id=user_id)
    if member is not None and member.locale:
        return translator_for(member.locale)
    return channel_translator(session, team_id)


def register(app: App, services: Services) -> None:
    submissions = Submissions(services)
    app.view(ProjectView.create)(submissions.on_create)
    app.view(ProjectView.update)(submissions.on_update)
    app.view(ProjectView.status)(submissions.on_status)
    app.view(ProjectView.flash)(submissions.on_flash)


class Submissions:
    def __init__(self, services: Services) -> None:
        self.services = services

    def session(self) -> Any:
        return session_scope(self.services.session_factory)

    def refresh_home(self, client: WebClient, team_id: str, *user_ids: str) -> None:
        surfaces.refresh_home(self.services, client, team_id=team_id, user_ids=list(user_ids))

    def on_create(self, ack: Ack, view: dict[str, Any], client: WebClient, context: Any) -> None:
        meta = state.load(state.CreateMeta, view.get("private_metadata"))
        values = submitted_values(view)
        draft = forms.project_draft(values, meta)
        may_join = forms.wants_join(values)
        # Before the ack, one bounded Slack call at most: the channel check that may need an
        # error on its field. Slack's slowness or a rate limit must not delay the ack; the
        # check is then made again after it.
        with self.session() as session:
            t = known_translator(session, context.team_id, context.user_id)
            problems = validate_project(session=session, team_id=context.team_id, draft=draft)
        access = None
        if not problems:
            access = channels.channel_access_now(client, draft.channel_id)
            trouble = access and channel_problem(access, may_join=may_join)
            problems = {"channel": trouble} if trouble else {}
        if problems:
            ack(response_action="errors", errors=field_errors(t, problems))
            return
        ack()
        owner = self.services.directory.member(
            client, team_id=context.team_id, user_id=draft.owner_id
        )
        group = (
            sorted(
                self.services.usergroups.members(
                    client, team_id=context.team_id, usergroup_id=draft.usergroup_id
                )
            )
            if draft.usergroup_id
            else []
        )
        with self.session() as session:
            project = service.create_project(
                session=session,
                team_id=context.team_id,
                draft=draft,
                created_by=context.user_id,
                owner_tz=owner.tz,
                group_member_ids=group,
                now=datetime.now(UTC),
            )
            card = reports.project_card(
                session=session, team_id=context.team_id, project_id=project.id
            )
            channel_t = channel_translator(session, context.team_id)
        assert card is not None
        if bring_bot_in(client, project.channel_id, access, may_join=may_join):
            intro = channel_t.gettext("New project *{name}*, animated here by {owner}.").format(
                name=project.name, owner=f"<@{project.owner_id}>"
            )
            client.chat_postMessage(
                channel=project.channel_id,
                text=intro,
                blocks=[texts.section(intro), *views.project_card(channel_t, card)][:50],
            )
        else:
            text = t.gettext(CREATED_BOT_OUTSIDE).format(
                name=project.name, channel=f"<#{project.channel_id}>"
            )
            client.chat_postMessage(channel=context.user_id, text=text)
        self.refresh_home(client, context.team_id, context.user_id, project.owner_id)

    def on_update(self, ack: Ack, view: dict[str, Any], client: WebClient, context: Any) -> None:
        meta = state.load(state.UpdateMeta, view.get("private_metadata"))
        values = submitted_values(view)
        draft = forms.update_draft(values, meta)
        member = self.services.directory.member(
            client, team_id=context.team_id, user_id=context.user_id
        )
        t = translator_for(member.locale)
        try:
            with self.session() as session:
                # Paused or taken away meanwhile: say so on the form, store nothing.
                project = service.get_project(
                    session=session, team_id=context.team_id, project_id=meta.p
                )
                service.ensure_may_post_update(
                    session=session,
                    project=project,
                    user_id=member.user_id,
                    is_admin=is_admin(member),
                )
                service.ensure_active(project)
                lines = checkins.rollout_lines_of(session=session, project_id=project.id)
        except service.ProjectRefused as refusal:
            ack(response_action="errors", errors={"health": refusal_text(t, refusal)})
            return
        problems = validate_update(
            draft=draft, existing_line_names={name_key(line.name) for line in lines}
        )
        if problems:
            ack(response_action="errors", errors=field_errors(t, problems))
            return
        ack()
        with self.session() as session:
            result = checkins.post_update(
                session=session,
                team_id=context.team_id,
                project_id=meta.p,
                checkin_id=meta.c,
                draft=draft,
                actor_id=member.user_id,
                is_admin=is_admin(member),
                nonce=meta.nonce,
                now=datetime.now(UTC),
            )
            if result.duplicate:
                return  # the same submission already went through
            text, blocks = views.update_card(
                channel_translator(session, context.team_id),
                project=result.project,
                checkin=result.checkin,
                readings=result.readings,
                lines=result.lines,
                gone_live=result.gone_live,
                reached=result.reached,
            )
            checkin_id, channel_id = result.checkin.id, result.project.channel_id
        posted_channel, ts = self.post_or_replace(
            client, channel_id, result.replaces, text=text, blocks=blocks
        )
        with self.session() as session:
            checkins.record_update_message(
                session=session, checkin_id=checkin_id, channel_id=posted_channel, ts=ts
            )
        self.refresh_home(client, context.team_id, context.user_id)

    @staticmethod
    def post_or_replace(
        client: WebClient,
        channel_id: str,
        replaces: tuple[str, str] | None,
        *,
        text: str,
        blocks: list[dict[str, Any]],
    ) -> tuple[str, str]:
        """The update replaces the pending check-in card; without one it is a new post."""
        if replaces is not None:
            try:
                response = client.chat_update(
                    channel=replaces[0], ts=replaces[1], text=text, blocks=blocks
                )
                return str(response["channel"]), str(response["ts"])
            except SlackApiError as error:  # the card was deleted: post the update anew
                logger.info("check-in card not replaced: %s", error.response.get("error"))
        response = client.chat_postMessage(channel=channel_id, text=text, blocks=blocks)
        return str(response["channel"]), str(response["ts"])

    def on_status(self, ack: Ack, view: dict[str, Any], client: WebClient, context: Any) -> None:
        meta = state.load(state.StatusMeta, view.get("private_metadata"))
        choice = forms.status_choice(submitted_values(view))
        member = self.services.directory.member(
            client, team_id=context.team_id, user_id=context.user_id
        )
        t = translator_for(member.locale)
        problems = reason_problems(action=meta.action, reason=choice.reason, note=choice.note)
        if problems:
            ack(response_action="errors", errors=field_errors(t, problems))
            return
        try:
            with self.session() as session:
                project = service.change_status(
                    session=session,
                    team_id=context.team_id,
                    project_id=meta.p,
                    action=meta.action,
                    actor_id=member.user_id,
                    is_admin=is_admin(member),
                    reason=choice.reason or "",
                    note=choice.note,
                    now=datetime.now(UTC),
                )
                channel_t = channel_translator(session, context.team_id)
        except service.ProjectRefused as refusal:  # e.g. paused meanwhile: nothing changed
            ack(response_action="errors", errors={"reason": refusal_text(t, refusal)})
            return
        ack()
        reason = texts.reason_label(channel_t, choice.reason)
        if choice.note:
            reason += f" ({choice.note})"
        text = channel_t.gettext(STATUS_POSTS[meta.action.value]).format(
            user=f"<@{member.user_id}>", name=project.name, reason=reason
        )
        blocks = views.notice(text)
        if buttons := views.steering_buttons(channel_t, project):  # what can be done next
            blocks.append(texts.actions(*buttons))
        try:
            client.chat_postMessage(channel=project.channel_id, text=text, blocks=blocks)
        except SlackApiError as error:  # the change stands; the channel may be gone
            logger.warning("status change not announced: %s", error.response.get("error"))
        self.refresh_home(client, context.team_id, context.user_id, project.owner_id)

    def on_flash(self, ack: Ack, view: dict[str, Any], client: WebClient, context: Any) -> None:
        choice = forms.flash_choice(submitted_values(view))
        member = self.services.directory.member(
            client, team_id=context.team_id, user_id=context.user_id
        )
        t = translator_for(member.locale)
        problems = flash_report_problems(at=choice.at, tz=choice.tz, weekday=choice.weekday)
        if not powers.check_admin(
            self.services,
            client,
            team_id=context.team_id,
            user_id=context.user_id,
            action="flash report settings",
        ):
            problems["channel"] = Problem(N_("Only workspace admins can do this."))
        access = None
        if not problems:  # one bounded Slack call before the ack, as for a new project
            access = channels.channel_access_now(client, choice.channel_id)
            trouble = access and channel_problem(access, may_join=choice.join)
            problems = {"channel": trouble} if trouble else {}
        if problems:
            ack(response_action="errors", errors=field_errors(t, problems))
            return
        with self.session() as session:
            reports.save_flash_report(
                session=session,
                team_id=context.team_id,
                channel_id=choice.channel_id,
                weekday=int(choice.weekday or 0),
                at=choice.at,
                tz=choice.tz,
                now=datetime.now(UTC),
            )
        ack()
        if not bring_bot_in(client, choice.channel_id, access, may_join=choice.join):
            text = t.gettext(FLASH_BOT_OUTSIDE).format(channel=f"<#{choice.channel_id}>")
            client.chat_postMessage(channel=context.user_id, text=text)
        self.refresh_home(client, context.team_id, context.user_id)
