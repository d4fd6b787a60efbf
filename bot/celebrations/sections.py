"""What celebrations adds to the shared surfaces: gazette, digest DM, Home tab.

Each section reads through the service and renders through the views; no Slack call (the
surface's owner holds a session while sections run).
"""

from __future__ import annotations

from bot.celebrations import report_views, service, service_posting, views, views_settings
from bot.sections import Block, DigestReader, GazetteReader, HomeViewer
from bot.services import Services
from bot.workspaces.service import is_admin


def register_sections(services: Services) -> None:
    services.sections.gazette.add(order=10, name="wins", section=gazette_wins_section)
    services.sections.digest.add(order=30, name="wins", section=digest_wins_section)
    services.sections.home.add(order=300, name="recent-wins", section=recent_wins_section)
    services.sections.home.add(order=940, name="celebrations-settings", section=settings_section)


def gazette_wins_section(reader: GazetteReader) -> list[Block]:
    """The week's wins: count, totals per currency, top wins ([] in a week without wins)."""
    settings = service.settings_of(session=reader.session, team_id=reader.team_id)
    start, end = reader.window
    wins = service.wins_between(
        session=reader.session, team_id=reader.team_id, start=start, end=end
    )
    summary = service.summarise_week(wins, service.exchange_rates_of(settings))
    return report_views.gazette_wins(reader.t, summary)


def digest_wins_section(reader: DigestReader) -> list[Block]:
    """The reader's wins of their week (their own time zone) and their team's; [] when the
    team won nothing. The team is the workspace: celebrations are shared with everyone, and
    wins carry no smaller team. (The one line on the team's week is the digest's own.)"""
    start, end = reader.window
    wins = service.wins_between(
        session=reader.session, team_id=reader.team_id, start=start, end=end
    )
    mine = service.wins_of(wins, reader.user_id)
    mine_ids = {win.id for win in mine}
    settings = service.settings_of(session=reader.session, team_id=reader.team_id)
    team = service.top_wins(
        [win for win in wins if win.id not in mine_ids], service.exchange_rates_of(settings)
    )
    return report_views.digest_wins(reader.t, mine=mine, team=team)


def recent_wins_section(viewer: HomeViewer) -> list[Block]:
    wins = service.recent_wins(session=viewer.session, team_id=viewer.team_id)
    return views.home_recent_wins(viewer.t, wins)


def settings_section(viewer: HomeViewer) -> list[Block]:
    """Admins only: the settings at a glance, and the channel warning when the bot is out."""
    if not is_admin(viewer.member):
        return []
    settings = service.settings_of(session=viewer.session, team_id=viewer.team_id)
    summary = views_settings.SettingsSummary(
        channel_id=settings.channel_id,
        weekday=settings.gazette_weekday,
        hour=settings.gazette_hour,
        tz=settings.gazette_tz,
        top_performers=settings.top_performers,
        channel_problem=settings.channel_problem,
        waiting=service_posting.waiting_wins(session=viewer.session, team_id=viewer.team_id),
        salesforce_polled=service.salesforce_polled(session=viewer.session, team_id=viewer.team_id),
        salesforce_stages=", ".join(settings.salesforce_won_stages or []),
        salesforce_problem=service.salesforce_problem(
            session=viewer.session, team_id=viewer.team_id
        ),
        salesforce_unanswered_since=service.salesforce_unanswered_since(
            session=viewer.session, team_id=viewer.team_id
        ),
    )
    return views_settings.home_settings_section(viewer.t, summary)
