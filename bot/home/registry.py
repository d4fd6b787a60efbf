from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from bot.i18n import Translator
from bot.workspaces.models import Member

Block = dict[str, Any]


@dataclass(frozen=True)
class HomeViewer:
    """Who is looking at the Home tab, and in which language."""

    session: Session
    team_id: str
    member: Member
    t: Translator

    @property
    def user_id(self) -> str:
        return self.member.user_id


# A section returns its blocks for this viewer; it may return none.
HomeSection = Callable[[HomeViewer], list[Block]]


@dataclass
class HomeRegistry:
    """Domains add their sections at startup; the Home tab shows them by ascending `order`."""

    _sections: list[tuple[int, str, HomeSection]] = field(default_factory=list)

    def add(self, *, order: int, name: str, section: HomeSection) -> None:
        self._sections.append((order, name, section))
        self._sections.sort(key=lambda entry: entry[0])

    def sections(self) -> list[tuple[str, HomeSection]]:
        return [(name, section) for _, name, section in self._sections]
