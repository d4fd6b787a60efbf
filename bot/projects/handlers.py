"""Bolt listeners of the projects domain: `/revops-project` and the buttons of project cards,
check-in cards, reminders and the Home tab. Modal submissions are in submissions.py; the Home,
digest and gazette sections in surfaces.py.

Every listener acks first, opens its modal right after, and holds no rule: refusals come from
the rules modules as ProjectRefused and reach the user through the app's one error handler.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.celebrations.handlers import open_win_modal
from bot.db import session_scope
from bot.errors import N_, UserFacingError
from bot.i18n import Translator, translator_for
from bot.privacy import powers
from bot.projects import (
    checkins,
    create_modal,
    modals,
    reports,
    service,
    state,
    submissions,
    surfaces,
    texts,
    views,
)
from bot.projects.ids import ProjectAction
from bot.projects.service import (
    ProjectRefused,
    ensure_may_steer,
    ensure_transition,
    get_project,
)
from bot.projects.validation import StatusAction
from bot.services import Services
from bot.workspaces.models import Member
from bot.workspaces.service import is_admin

logger = logging.getLogger(__name__)

COMMAND = "/revops-project"
NOT_FOUND = N_("No project matches “{text}”. `/revops-project` lists them all.")
ADMINS_ONLY = N_("Only workspace admins can do this.")


def register(app: App, services: Services) -> None:
    listeners = Listeners(services)
    app.command(COMMAND)(listeners.on_command)
    app.action(ProjectAction.open)(listeners.on_open)
    app.action(ProjectAction.list_page)(listeners.on_list_page)
    app.action(ProjectAction.new)(listeners.on_new)
    app.action(ProjectAction.post_update)(listeners.on_post_update)
    for action in StatusAction:
        app.action(ProjectAction[action.value])(listeners.on_status_button)
    app.action(ProjectAction.celebrate)(listeners.on_celebrate)
    app.action(ProjectAction.milestone_reached)(listeners.on_milestone_reached)
    app.action(ProjectAction.add_kpi_slot)(listeners.on_add_slot)
    app.action(ProjectAction.add_milestone_slot)(listeners.on_add_slot)
    app.options(ProjectAction.usergroup)(listeners.on_usergroup_options)
    app.action(ProjectAction.flash_settings)(listeners.on_flash_settings)
    app.action(ProjectAction.flash_stop)(listeners.on_flash_stop)
    # Other domains listen to these events (intake and privacy to `subteam_members_changed`,
    # workspaces to `user_change`) and Bolt runs only the first listener that matches: a
    # middleware sees each event, hands the projects' part to a background thread, and lets
    # the request go on to those listeners.
    app.middleware(listeners.follow_workspace_changes)
    submissions.register(app, services)
    surfaces.register(services)


class Listeners:
    def __init__(self, services: Services) -> None:
        self.services = services

    # ------------------------------------------------------------ helpers

    def member(self, client: WebClient, context: Any) -> Member:
        return self.services.directory.member(
            client, team_id=context.team_id, user_id=context.user_id
        )

    def session(self) -> Any:
        return session_scope(self.services.session_factory)

    def refresh_home(self, client: WebClient, context: Any) -> None:
        surfaces.refresh_home(
            self.services, client, team_id=context.team_id, user_ids=[context.user_id]
        )

    def open_create_modal(
        self, client: WebClient, *, trigger_id: str, t: Translator, user_id: str, name: str
    ) -> None:
        view = create_modal.create_modal(
            t,
            name=name,
            owner_id=user_id,
            today=datetime.now(UTC).date(),
            meta=state.CreateMeta(),
        )
        client.views_open(trigger_id=trigger_id, view=view)

    def list_blocks(self, t: Translator, team_id: str, offset: int) -> tuple[str, list[Any]]:
        with self.session() as session:
            page = reports.list_projects(
                session=session, team_id=team_id, offset=offset, limit=texts.LIST_PAGE
            )
        return views.project_list(t, page, offset=offset)

    def card_blocks(self, t: Translator, member: Member, card: reports.ProjectCard) -> list[Any]:
        """A project card for one reader: pause and abandon only if they may steer it."""
        steer = service.may_steer(
            project=card.project, user_id=member.user_id, is_admin=is_admin(member)
        )
        return views.project_card(t, card, may_steer=steer)

    # ------------------------------------------------------------ /revops-project

    def on_command(
        self, ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient, context: Any
    ) -> None:
        ack()
        text = " ".join((command.get("text") or "").split())
        word, _, rest = text.partition(" ")
        member = self.member(client, context)
        t = translator_for(member.locale)
        if not text:
            summary, blocks = self.list_blocks(t, context.team_id, 0)
            respond(text=summary, blocks=blocks, response_type="ephemeral")
            return
        with self.session() as session:
            # A project's exact name comes first: "New pricing" is a project, not `new pricing`.
            project = (
                reports.project_named(session=session, team_id=context.team_id, text=text)
                if rest or word.lower() != "new"
                else None
            )
            if project is None and word.lower() != "new":
                project = reports.find_project(session=session, team_id=context.team_id, text=text)
            card = project and reports.project_card(
                session=session, team_id=context.team_id, project_id=project.id
            )
        if not card and word.lower() == "new":
            self.open_create_modal(
                client,
                trigger_id=command["trigger_id"],
                t=t,
                user_id=context.user_id,
                name=rest,
            )
            return
        if not card:
            raise UserFacingError(NOT_FOUND, text=text)
        respond(
            text=card.project.name,
            blocks=self.card_blocks(t, member, card),
            response_type="ephemeral",
        )

    def on_list_page(
        self, ack: Ack, action: dict[str, Any], respond: Respond, client: WebClient, context: Any
    ) -> None:
        ack()
        page = state.load(state.ListPage, action.get("value"))
        t = translator_for(self.member(client, context).locale)
        summary, blocks = self.list_blocks(t, context.team_id, page.offset)
        respond(text=summary, blocks=blocks, replace_original=True)

    def on_open(
        self,
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: Respond,
        client: WebClient,
        context: Any,
    ) -> None:
        ack()
        ref = state.load(state.ProjectRef, action.get("value"))
        member = self.member(client, context)
        t = translator_for(member.locale)
        with self.session() as session:
            card = reports.project_card(session=session, team_id=context.team_id, project_id=ref.p)
        if card is None:
            raise ProjectRefused(N_("This project no longer exists."))
        if body.get("container", {}).get("type") == "view":  # the Home tab: show it in a modal
            client.views_open(
                trigger_id=body["trigger_id"],
                view=modals.card_modal(t, views.project_card(t, card, with_buttons=False)),
            )
            return
        respond(
            text=card.project.name,
            blocks=self.card_blocks(t, member, card),
            response_type="ephemeral",
            replace_original=False,
        )

    def on_new(self, ack: Ack, body: dict[str, Any], client: WebClient, context: Any) -> None:
        ack()
        t = translator_for(self.member(client, context).locale)
        self.open_create_modal(
            client, trigger_id=body["trigger_id"], t=t, user_id=context.user_id, name=""
        )

    def on_add_slot(
        self,
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        client: WebClient,
        context: Any,
    ) -> None:
        ack()
        view = body["view"]
        meta = state.load(state.CreateMeta, view.get("private_metadata"))
        if action["action_id"] == ProjectAction.add_kpi_slot:
            meta = meta.model_copy(
                update={"kpis": min(meta.kpis + 1, create_modal.CREATE_KPI_SLOTS)}
            )
        else:
            meta = meta.model_copy(
                update={"milestones": min(meta.milestones + 1, create_modal.CREATE_MILESTONE_SLOTS)}
            )
        t = translator_for(self.member(client, context).locale)
        rebuilt = create_modal.create_modal(
            t, name="", owner_id=context.user_id, today=datetime.now(UTC).date(), meta=meta
        )
        try:
            client.views_update(view_id=view["id"], hash=view.get("hash"), view=rebuilt)
        except SlackApiError as error:
            if error.response.get("error") != "hash_conflict":
                raise
            # A double click: the first click already added the slot.

    def on_usergroup_options(
        self, ack: Ack, body: dict[str, Any], client: WebClient, context: Any
    ) -> None:
        typed = (body.get("value") or "").lower().lstrip("@")
        groups = self.services.usergroups.groups(client, team_id=context.team_id)
        options = [
            {
                "text": {
                    "type": "plain_text",
                    "text": f"@{group['handle']} ({group['name']})"[:75],
                },
                "value": group["id"],
            }
            for group in groups
            if typed in group.get("handle", "").lower() or typed in group.get("name", "").lower()
        ]
        ack(options=options[:100])

    # ------------------------------------------------------------ updates and steering

    def on_post_update(
        self,
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        client: WebClient,
        context: Any,
    ) -> None:
        ack()
        ref = state.load(state.CheckinRef, action.get("value"))
        member = self.member(client, context)
        with self.session() as session:
            form = checkins.update_form(
                session=session,
                team_id=context.team_id,
                project_id=ref.p,
                user_id=member.user_id,
                is_admin=is_admin(member),
                today=datetime.now(UTC).date(),
            )
        meta = state.UpdateMeta(
            p=form.project.id,
            c=ref.c,
            nonce=uuid.uuid4().hex,
            kpis=[kpi.id for kpi in form.kpis],
            lines=[line.id for line in form.lines],
            milestones=[milestone.id for milestone in form.milestones],
        )
        view = modals.update_modal(
            translator_for(member.locale),
            project=form.project,
            kpis=form.kpis,
            lines=form.lines,
            milestones=form.milestones,
            meta=meta,
        )
        client.views_open(trigger_id=body["trigger_id"], view=view)

    def on_status_button(
        self,
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        client: WebClient,
        context: Any,
    ) -> None:
        ack()
        ref = state.load(state.ProjectRef, action.get("value"))
        status_action = StatusAction(ProjectAction(action["action_id"]).name)
        member = self.member(client, context)
        with self.session() as session:
            project = get_project(session=session, team_id=context.team_id, project_id=ref.p)
            ensure_may_steer(project=project, user_id=member.user_id, is_admin=is_admin(member))
            ensure_transition(project=project, action=status_action)
        view = modals.status_modal(
            translator_for(member.locale), project=project, action=status_action
        )
        client.views_open(trigger_id=body["trigger_id"], view=view)

    def on_celebrate(
        self,
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        client: WebClient,
        context: Any,
    ) -> None:
        ack()
        ref = state.load(state.CelebrateRef, action.get("value"))
        member = self.member(client, context)
        with self.session() as session:
            celebration = checkins.celebration_of(
                session=session,
                team_id=context.team_id,
                project_id=ref.p,
                line_id=ref.line,
                user_id=member.user_id,
                is_admin=is_admin(member),
            )
        open_win_modal(
            self.services,
            client,
            team_id=context.team_id,
            user_id=context.user_id,
            trigger_id=body["trigger_id"],
            prefill=views.win_prefill(translator_for(member.locale), celebration),
        )

    def on_milestone_reached(
        self, ack: Ack, action: dict[str, Any], respond: Respond, client: WebClient, context: Any
    ) -> None:
        ack()
        ref = state.load(state.MilestoneRef, action.get("value"))
        member = self.member(client, context)
        with self.session() as session:
            project, milestone = checkins.mark_milestone_reached(
                session=session,
                team_id=context.team_id,
                milestone_id=ref.m,
                actor_id=member.user_id,
                is_admin=is_admin(member),
                now=datetime.now(UTC),
            )
            t = submissions.channel_translator(session, context.team_id)
        text = t.gettext("🏁 *{milestone}* of *{name}* reached, marked by {user}.").format(
            milestone=milestone.name, name=project.name, user=f"<@{milestone.reached_by}>"
        )
        respond(text=text, blocks=views.notice(text), replace_original=True)
        self.refresh_home(client, context)

    # ------------------------------------------------------------ user groups and time zones

    def follow_workspace_changes(
        self, body: dict[str, Any], context: Any, client: WebClient, next: Callable[[], Any]
    ) -> Any:
        event = (body.get("event") or {}) if body.get("type") == "event_callback" else {}
        team_id = context.team_id
        if team_id and event.get("type") == "subteam_members_changed" and event.get("subteam_id"):
            self.services.background.submit(
                self.follow_group, client, team_id=team_id, usergroup_id=event["subteam_id"]
            )
        elif (
            team_id
            and event.get("type") == "user_change"
            and isinstance(user := event.get("user"), dict)
            and user.get("id")
            and user.get("tz")
        ):
            self.services.background.submit(
                self.follow_owner_tz, team_id=team_id, user_id=user["id"], tz=user["tz"]
            )
        return next()

    def follow_group(self, client: WebClient, *, team_id: str, usergroup_id: str) -> None:
        """Someone joined or left a project's user group: they take part, or not, at once."""
        try:
            with self.session() as session:
                if not service.follows_group(
                    session=session, team_id=team_id, usergroup_id=usergroup_id
                ):
                    return
            self.services.usergroups.forget(team_id=team_id, usergroup_id=usergroup_id)
            members = self.services.usergroups.members(
                client, team_id=team_id, usergroup_id=usergroup_id
            )
            with self.session() as session:
                service.sync_group_members(
                    session=session, team_id=team_id, usergroup_id=usergroup_id, member_ids=members
                )
        except Exception:  # a background thread: log it, the next change syncs again
            logger.exception("members of user group %s not synced to projects", usergroup_id)

    def follow_owner_tz(self, *, team_id: str, user_id: str, tz: str) -> None:
        try:
            with self.session() as session:
                service.follow_owner_tz(
                    session=session, team_id=team_id, owner_id=user_id, tz=tz, now=datetime.now(UTC)
                )
        except Exception:
            logger.exception("check-ins of projects owned by %s not moved to %s", user_id, tz)

    # ------------------------------------------------------------ the flash report (admins)

    def on_flash_settings(
        self, ack: Ack, body: dict[str, Any], client: WebClient, context: Any
    ) -> None:
        ack()
        powers.require_admin_of(self.services, client, context, "open flash report settings")
        member = self.member(client, context)
        with self.session() as session:
            schedule = reports.flash_report_schedule(session=session, team_id=context.team_id)
        view = modals.flash_modal(
            translator_for(member.locale),
            tz=schedule.tz if schedule else member.tz,
            weekday=schedule.weekday if schedule else None,
            at=f"{schedule.hour:02d}:{schedule.minute:02d}" if schedule else None,
        )
        client.views_open(trigger_id=body["trigger_id"], view=view)

    def on_flash_stop(self, ack: Ack, client: WebClient, context: Any) -> None:
        ack()
        powers.require_admin_of(self.services, client, context, "stop the flash report")
        with self.session() as session:
            reports.stop_flash_report(session=session, team_id=context.team_id)
        self.refresh_home(client, context)
