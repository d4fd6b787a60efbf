"""One global Bolt middleware instead of a preamble in every listener.

It puts into the context, for every request (HTTP and Socket Mode alike), what listeners ask
for by name:
- `services`: what listeners share (settings, sessions, directory, usergroups...);
- `caller`: the person behind the request: their member profile, their `Actor` (what flows
  take) and their translator, each resolved on first use, so a listener acks before any lookup;
- `form`: for view submissions and actions inside a view, the values typed or picked and the
  view's private_metadata, parsed into the model a listener asks for.

Listeners are then plain module-level functions of (ack, caller, form, services, ...): a unit
test can call one with a fake `ack` and a fake client.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any, TypeVar

from pydantic import BaseModel
from slack_bolt import App, BoltContext, BoltResponse
from slack_sdk import WebClient

from bot.actor import Actor
from bot.i18n import Translator, translator_for
from bot.services import Services
from bot.slack.forms import submitted_values
from bot.workspaces.models import Member
from bot.workspaces.service import is_admin

ModelT = TypeVar("ModelT", bound=BaseModel)


class Caller:
    """The person behind one Slack request; each part looked up once, when first needed."""

    def __init__(self, services: Services, client: WebClient, team_id: str, user_id: str) -> None:
        self.services = services
        self.client = client
        self.team_id = team_id
        self.user_id = user_id

    @cached_property
    def member(self) -> Member:
        return self.services.directory.member(
            self.client, team_id=self.team_id, user_id=self.user_id
        )

    @cached_property
    def t(self) -> Translator:
        return translator_for(self.member.locale)

    @cached_property
    def actor(self) -> Actor:
        member = self.member
        return Actor(
            team_id=self.team_id,
            user_id=self.user_id,
            is_admin=is_admin(member),
            locale=member.locale,
            tz=member.tz or "UTC",
            members_of=self.members_of,
        )

    def members_of(self, usergroup_id: str) -> frozenset[str]:
        """A user group's members, from a short cache (Slack when it is cold)."""
        return self.services.usergroups.members(
            self.client, team_id=self.team_id, usergroup_id=usergroup_id
        )


class Form:
    """A view's state: the values (by action id) and its private_metadata."""

    def __init__(self, view: dict[str, Any]) -> None:
        self.view = view

    @cached_property
    def values(self) -> dict[str, Any]:
        return submitted_values(self.view)

    def meta(
        self, model: type[ModelT], parse: Callable[[type[ModelT], str | None], ModelT]
    ) -> ModelT:
        """The private_metadata as `model`, through the domain's parser (which turns a tampered
        or stale value into a polite refusal)."""
        return parse(model, self.view.get("private_metadata"))


def install(app: App, services: Services) -> None:
    def put_in_context(
        context: BoltContext, body: dict[str, Any], next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        context["services"] = services
        if context.team_id and context.user_id and context.client is not None:
            context["caller"] = Caller(services, context.client, context.team_id, context.user_id)
        view = body.get("view") if isinstance(body, dict) else None
        if isinstance(view, dict):
            context["form"] = Form(view)
        return next()

    app.use(put_in_context)
