"""Surfaces that several domains contribute to: the Home tab, the weekly digest DM, the gazette.

A domain adds a section function at startup (`services.sections.add(...)`); the surface's owner
calls every section with a reader (who, which team, which language, which week) and lays the
returned blocks out within Block Kit's limits. A section with nothing to say returns [].
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session

from bot.i18n import Translator
from bot.scheduling.cadence import local_days_window
from bot.workspaces.models import Member

Block = dict[str, Any]
logger = logging.getLogger(__name__)


class Surface(StrEnum):
    home = "home"
    digest = "digest"
    gazette = "gazette"


@dataclass(frozen=True)
class HomeViewer:
    """Someone looking at their Home tab."""

    session: Session
    team_id: str
    member: Member
    t: Translator
    now: datetime

    @property
    def user_id(self) -> str:
        return self.member.user_id


@dataclass(frozen=True)
class DigestReader:
    """The recipient of a weekly personal digest, and the week it covers (local dates)."""

    session: Session
    team_id: str
    member: Member
    t: Translator
    now: datetime
    week_start: date
    week_end: date  # inclusive

    @property
    def user_id(self) -> str:
        return self.member.user_id

    @property
    def window(self) -> tuple[datetime, datetime]:
        """The week as a UTC [start, end) window: local days in the reader's own time zone."""
        return local_days_window(
            start=self.week_start, end=self.week_end, tz=self.member.tz or "UTC"
        )


@dataclass(frozen=True)
class GazetteReader:
    """A workspace's weekly gazette: the whole team's week (local dates in `tz`, the
    gazette's time zone)."""

    session: Session
    team_id: str
    t: Translator
    now: datetime
    week_start: date
    week_end: date  # inclusive
    tz: str = "UTC"

    @property
    def window(self) -> tuple[datetime, datetime]:
        """The week as a UTC [start, end) window: every section counts the same local days
        (an event at 23:30 on the week's last evening is in; one at 00:30 after it is not)."""
        return local_days_window(start=self.week_start, end=self.week_end, tz=self.tz)


ReaderT = TypeVar("ReaderT")
Section = Callable[[ReaderT], list[Block]]


@dataclass
class SectionList(Generic[ReaderT]):
    _entries: list[tuple[int, str, Section[ReaderT]]] = field(default_factory=list)

    def add(self, *, order: int, name: str, section: Section[ReaderT]) -> None:
        self._entries.append((order, name, section))
        self._entries.sort(key=lambda entry: entry[0])

    def render(self, reader: ReaderT) -> list[tuple[str, list[Block]]]:
        """(name, blocks) of every section, in order, including empty ones.

        A section that fails is logged and left out: one domain's bug must not blank a whole
        Home tab, digest or gazette.
        """
        rendered = []
        for _, name, section in self._entries:
            try:
                blocks = section(reader)
            except Exception:
                logger.exception("section %s failed; left out", name)
                blocks = []
            rendered.append((name, blocks))
        return rendered

    def names(self) -> list[str]:
        return [name for _, name, _ in self._entries]


@dataclass
class Sections:
    home: SectionList[HomeViewer] = field(default_factory=SectionList)
    digest: SectionList[DigestReader] = field(default_factory=SectionList)
    gazette: SectionList[GazetteReader] = field(default_factory=SectionList)
