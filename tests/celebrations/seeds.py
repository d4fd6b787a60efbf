"""What the other domains did in a week, recorded through their services at chosen instants:
the run (requests filed, accepted with an ETA, delivered, answered by a doc) and projects
(a pending check-in, a milestone to come, a milestone reached, a team gone live, a KPI on
target). The gazette and the digest read these as they would in production."""

from __future__ import annotations

from datetime import date, datetime
from itertools import count

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.intake import etas
from bot.intake import service as intake
from bot.intake.filing import Filing, file_request
from bot.projects import checkins, rollout
from bot.projects import service as projects
from bot.projects.models import Milestone, RolloutStatus
from bot.projects.validation import (
    KpiDraft,
    MilestoneDraft,
    ProjectDraft,
    RolloutChange,
    UpdateDraft,
)
from tests.harness import BotHarness
from tests.intake.helpers import REVOPS_MEMBER

_views = count(1)


def filed(bot: BotHarness, *, requester: str, title: str, at: datetime) -> int:
    """A request filed through the filing rules at `at`; its id."""
    with bot.session() as session:
        result = file_request(
            session=session,
            team_id="T1",
            requester_id=requester,
            filing=Filing(
                title=title,
                need="To prepare the quarterly business review with the sales managers",
                impact="slows_team",
                beneficiary="my_team",
                category="report",
            ),
            view_id=f"VSEED{next(_views)}",
            source_permalink=None,
            today=at.date(),
            now=at,
        )
        return result.request.id


def accepted(bot: BotHarness, request_id: int, *, at: datetime) -> date:
    """RevOps accepts it (4 hours) and the queue gives it an ETA; the ETA told."""
    with bot.session() as session, etas.change(session=session, team_id="T1", now=at):
        intake.accept(
            session=session,
            team_id="T1",
            request_id=request_id,
            actor_id=REVOPS_MEMBER,
            actor_is_revops=True,
            estimate=4.0,
            assignee_id=REVOPS_MEMBER,
            now=at,
        )
    with bot.session() as session:
        request = intake.find_request(session=session, team_id="T1", request_id=request_id)
        assert request is not None and request.eta_told is not None
        return request.eta_told


def delivered(bot: BotHarness, request_id: int, *, at: datetime) -> None:
    accepted(bot, request_id, at=at)
    with bot.session() as session:
        intake.mark_done(
            session=session,
            team_id="T1",
            request_id=request_id,
            actor_id=REVOPS_MEMBER,
            actor_is_revops=True,
            outcome_note="Dashboard shared with the sales managers",
            now=at,
        )


def answered_by_doc(bot: BotHarness, request_id: int, *, at: datetime) -> None:
    with bot.session() as session:
        intake.answer_with_doc(
            session=session,
            team_id="T1",
            request_id=request_id,
            actor_id=REVOPS_MEMBER,
            actor_is_revops=True,
            url="https://wiki.example.com/pipeline-dashboard",
            doc_id=None,
            summary="The pipeline dashboard already answers this",
            now=at,
        )


def project(
    bot: BotHarness,
    *,
    name: str,
    owner: str,
    members: list[str],
    at: datetime,
    milestones: dict[str, date],
    kpi_target: float = 30,
) -> int:
    """An active project created at `at`: weekly Tuesday 10:00 check-ins in the owner's zone,
    a win-rate KPI (20 → `kpi_target`), the given milestones, France and Germany to roll out."""
    with bot.session() as session:
        created = projects.create_project(
            session=session,
            team_id="T1",
            draft=ProjectDraft(
                name=name,
                objective="Every quote goes through CPQ in all countries.",
                owner_id=owner,
                channel_id="CPROJ",
                start_date=at.date(),
                target_end_date=date(at.year + 1, 6, 30),
                checkin_day="1",
                checkin_time="10:00",
                member_ids=members,
                kpis=[KpiDraft(name="Win rate", unit="%", baseline="20", target=str(kpi_target))],
                milestones=[
                    MilestoneDraft(name=title, due_date=due) for title, due in milestones.items()
                ],
                rollout_names=["France", "Germany"],
            ),
            created_by=owner,
            owner_tz="America/New_York",
            group_member_ids=[],
            now=at,
        )
        return created.id


def checkin_pending(bot: BotHarness, project_id: int, *, due_at: datetime) -> None:
    """The check-in card of that slot went out and nobody answered it yet."""
    with bot.session() as session:
        opened = checkins.open_checkin(
            session=session,
            team_id="T1",
            project_id=project_id,
            period=due_at.date().isoformat(),
            due_at=due_at,
            now=due_at,
        )
        assert opened is not None


def moved(
    bot: BotHarness, project_id: int, *, by: str, at: datetime, milestone: str, kpi_value: float
) -> None:
    """An update at `at`: `milestone` reached, France live, the KPI at `kpi_value`."""
    with bot.session() as session:
        (kpi,) = checkins.kpis_of(session=session, project_id=project_id)
        france = next(
            line
            for line in rollout.rollout_lines_of(session=session, project_id=project_id)
            if line.name == "France"
        )
        reached = next(m.id for m in _milestones(session, project_id) if m.name == milestone)
        checkins.post_update(
            session=session,
            team_id="T1",
            project_id=project_id,
            checkin_id=None,
            draft=UpdateDraft(
                health="on_track",
                kpi_values={kpi.id: str(kpi_value)},
                rollout={france.id: RolloutChange(status=RolloutStatus.live)},
                milestones_reached=[reached],
            ),
            actor_id=by,
            is_admin=False,
            nonce=f"seed-{project_id}-{at.isoformat()}",
            now=at,
        )


def _milestones(session: Session, project_id: int) -> list[Milestone]:
    return list(session.scalars(select(Milestone).where(Milestone.project_id == project_id)))
