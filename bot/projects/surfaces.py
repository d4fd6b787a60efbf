"""What projects contribute to shared surfaces: the Home tab ("My projects", and the flash
report settings for admins), the weekly digest DM and the weekly gazette."""

from __future__ import annotations

from datetime import timedelta

from bot.projects import flash, report_views, reports, service
from bot.sections import Block, DigestReader, GazetteReader, HomeViewer
from bot.services import Services
from bot.workspaces.service import is_admin

HOME_ORDER = 200
FLASH_SETTINGS_ORDER = 940
DIGEST_ORDER = 20
GAZETTE_ORDER = 20
DIGEST_LOOKAHEAD = timedelta(days=7)


def register(services: Services) -> None:
    services.sections.home.add(order=HOME_ORDER, name="projects", section=home_section)
    services.sections.home.add(
        order=FLASH_SETTINGS_ORDER, name="projects-flash-report", section=flash_settings_section
    )
    services.sections.digest.add(order=DIGEST_ORDER, name="projects", section=digest_section)
    services.sections.gazette.add(order=GAZETTE_ORDER, name="projects", section=gazette_section)


def home_section(viewer: HomeViewer) -> list[Block]:
    """My projects: the ones I own or take part in, with their buttons."""
    projects, total = reports.my_projects(
        session=viewer.session,
        team_id=viewer.team_id,
        user_id=viewer.user_id,
        limit=report_views.HOME_PROJECTS,
    )
    admin = is_admin(viewer.member)
    steerable = {
        project.id
        for project in projects
        if service.may_steer(project=project, user_id=viewer.user_id, is_admin=admin)
    }
    return report_views.my_projects_section(viewer.t, projects, total=total, steerable=steerable)


def flash_settings_section(viewer: HomeViewer) -> list[Block]:
    if not is_admin(viewer.member):
        return []
    schedule = flash.flash_report_schedule(session=viewer.session, team_id=viewer.team_id)
    return report_views.flash_settings_section(viewer.t, schedule)


def digest_section(reader: DigestReader) -> list[Block]:
    """The reader's projects: check-ins waiting for them, the next check-ins and milestones."""
    entries = reports.digest_entries(
        session=reader.session,
        team_id=reader.team_id,
        user_id=reader.user_id,
        until=reader.now.date() + DIGEST_LOOKAHEAD,
    )
    return report_views.digest_section(reader.t, entries, tz=reader.member.tz or "UTC")


def gazette_section(reader: GazetteReader) -> list[Block]:
    """Projects that moved during the gazette's week."""
    start, end = reader.window  # the gazette's time zone, as every gazette section
    moves = reports.gazette_moves(
        session=reader.session, team_id=reader.team_id, start=start, end=end
    )
    return report_views.gazette_section(reader.t, moves)
