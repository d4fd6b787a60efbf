"""Interaction state that travels through Slack (button values, private_metadata), typed.

Parsed in one place: a tampered or stale payload becomes a UserFacingError, never a 500.
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, Field, ValidationError

from bot.errors import N_, UserFacingError
from bot.rowid import RowId

STALE = N_("This button is out of date. Open the request again from the intake channel.")


class RequestRef(BaseModel):
    """A button about one request: on its card, in the queue in App Home, in a DM."""

    request_id: RowId


class MergeRef(BaseModel):
    """The card's Merge button: this request into that one."""

    request_id: RowId
    into_id: RowId


class FollowRef(BaseModel):
    """A "follow it instead" button in the filing modal."""

    request_id: RowId


class ModalRef(BaseModel):
    """A challenge or work modal: which request it acts on."""

    request_id: RowId


class FilingDraft(BaseModel):
    """The filing modal: where it was opened from, and which docs it already showed."""

    source_permalink: str | None = None
    docs_shown: list[RowId] = []
    requests_shown: list[RowId] = []  # open requests offered to follow instead


class QueuePageRef(BaseModel):
    page: int = Field(ge=0, le=1_000_000)


ModelT = TypeVar("ModelT", bound=BaseModel)


def parse(model: type[ModelT], raw: str | None) -> ModelT:
    try:
        return model.model_validate_json(raw or "{}")
    except ValidationError:
        raise UserFacingError(STALE) from None


def dump(state: BaseModel) -> str:
    return state.model_dump_json(exclude_defaults=True)
