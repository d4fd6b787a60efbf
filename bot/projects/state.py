"""Interaction state: what travels in a button value or a modal's private_metadata.

Small pydantic models with short keys (Slack caps a button value at 2,000 characters and
private_metadata at 3,000), parsed back in one place: a stale or forged value becomes a clear
"out of date" answer instead of an error.
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.errors import N_, UserFacingError
from bot.projects.validation import MAX_KPIS, MAX_MILESTONES, StatusAction
from bot.rowid import RowId

STALE = N_("This button is out of date. Run `/revops-project` again.")


class _State(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProjectRef(_State):
    p: RowId  # project id


class CheckinRef(_State):
    p: RowId
    c: RowId | None = None  # the check-in the update answers


class CelebrateRef(_State):
    p: RowId
    line: RowId  # the roll-out line that went live


class MilestoneRef(_State):
    m: RowId


class ListPage(_State):
    offset: int = Field(ge=0, le=1_000_000)


class CreateMeta(_State):
    # Rows the modal shows (it adds a few at most): a forged count cannot make a submission
    # read thousands of rows.
    kpis: int = Field(default=1, ge=1, le=MAX_KPIS + 1)
    milestones: int = Field(default=1, ge=1, le=MAX_MILESTONES + 1)


class UpdateMeta(_State):
    p: RowId
    c: RowId | None = None
    nonce: str = Field(max_length=40)
    kpis: list[RowId] = Field(default_factory=list)
    lines: list[RowId] = Field(default_factory=list)
    milestones: list[RowId] = Field(default_factory=list)


class StatusMeta(_State):
    p: RowId
    action: StatusAction


StateT = TypeVar("StateT", bound=_State)


def dump(state: _State) -> str:
    return state.model_dump_json(exclude_defaults=True)


def load(model: type[StateT], raw: str | None) -> StateT:
    """Parse a button value or private_metadata; a stale or tampered one is refused clearly."""
    try:
        return model.model_validate_json(raw or "{}")
    except ValidationError:
        raise UserFacingError(STALE) from None
