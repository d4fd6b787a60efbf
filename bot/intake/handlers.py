"""Run intake's listeners and its sections of App Home, the weekly digest and the gazette.

The listeners live by concern: handlers_filing (file and deflect), handlers_team (the RevOps
team's actions on a request), handlers_requester (answer, withdraw, solved?), handlers_settings
(admins' settings, queue pages, user group changes).
"""

from __future__ import annotations

from datetime import timedelta

from slack_bolt import App

from bot.intake import (
    configuration,
    due,
    followers,
    handlers_filing,
    handlers_requester,
    handlers_settings,
    handlers_team,
    queue,
    report,
    service,
    views_home,
    watching,
)
from bot.sections import Block, DigestReader, GazetteReader, HomeViewer
from bot.services import Services
from bot.workspaces.service import is_admin

REPORT_DAYS = 7


def register(app: App, services: Services) -> None:
    handlers_filing.register(app, services)
    handlers_team.register(app, services)
    handlers_requester.register(app, services)
    handlers_settings.register(app, services)
    services.sections.home.add(order=10, name="intake-my-requests", section=my_requests_section)
    services.sections.home.add(order=15, name="intake-followed", section=followed_section)
    services.sections.home.add(order=20, name="intake-queue", section=queue_section)
    services.sections.home.add(order=25, name="intake-run-report", section=run_report_section)
    services.sections.home.add(order=30, name="intake-settings", section=settings_section)
    services.sections.digest.add(order=10, name="intake", section=digest_section)
    services.sections.gazette.add(order=30, name="run", section=gazette_section)


def _is_revops(viewer: HomeViewer) -> bool:
    """From the group snapshot: a Home tab renders inside a transaction, without Slack calls."""
    settings = configuration.settings_of(session=viewer.session, team_id=viewer.team_id)
    return service.is_revops_member(
        settings=settings,
        user_id=viewer.user_id,
        is_admin=is_admin(viewer.member),
        group_members=frozenset(settings.revops_member_ids or []),
    )


def my_requests_section(viewer: HomeViewer) -> list[Block]:
    mine = queue.requests_of(
        session=viewer.session, team_id=viewer.team_id, requester_id=viewer.user_id
    )
    tags = followers.request_tags(viewer.session, viewer.team_id, [r.id for r in mine.shown])
    return views_home.my_requests(viewer.t, mine.shown, more_open=mine.open_not_shown, tags=tags)


def followed_section(viewer: HomeViewer) -> list[Block]:
    followed = watching.followed_by(
        session=viewer.session, team_id=viewer.team_id, user_id=viewer.user_id
    )
    return views_home.followed_requests(viewer.t, followed)


def queue_section(viewer: HomeViewer) -> list[Block]:
    if not _is_revops(viewer):
        return []
    page = queue.page_of(session=viewer.session, team_id=viewer.team_id, user_id=viewer.user_id)
    settings = configuration.settings_of(session=viewer.session, team_id=viewer.team_id)
    data = queue.queue_page(
        session=viewer.session,
        team_id=viewer.team_id,
        today=due.team_today(settings, viewer.now),
        page=page,
    )
    tags = followers.request_tags(
        viewer.session, viewer.team_id, [row.request.id for row in data.rows]
    )
    return views_home.queue_section(viewer.t, data, tags)


def run_report_section(viewer: HomeViewer) -> list[Block]:
    if not _is_revops(viewer):
        return []
    week = report.run_report(
        session=viewer.session,
        team_id=viewer.team_id,
        start=viewer.now - timedelta(days=REPORT_DAYS),
        end=viewer.now,
    )
    return views_home.report_blocks(
        viewer.t, week, title=viewer.t.gettext("*The run, last 7 days*")
    )


def settings_section(viewer: HomeViewer) -> list[Block]:
    if not is_admin(viewer.member):
        return []
    settings = configuration.settings_of(session=viewer.session, team_id=viewer.team_id)
    return views_home.settings_entry(viewer.t, settings)


def digest_section(reader: DigestReader) -> list[Block]:
    requests = [
        request
        for request in queue.requests_of(
            session=reader.session, team_id=reader.team_id, requester_id=reader.user_id
        ).shown
        if request.status in service.OPEN_STATUSES
    ]
    return views_home.digest_section(reader.t, requests)


def gazette_section(reader: GazetteReader) -> list[Block]:
    start, end = reader.window  # the gazette's time zone, as every gazette section
    week = report.run_report(session=reader.session, team_id=reader.team_id, start=start, end=end)
    return views_home.gazette_section(
        reader.t, delivered=week.delivered, deflected=week.deflected_by_doc
    )
