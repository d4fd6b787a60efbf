"""Alembic, driven from code: `revops-bot db upgrade`, `db current`, and the head check behind
/readyz.

The environment (env.py) and the revisions (versions/) ship inside the package, so an installed
wheel migrates from any directory; `alembic` run in a checkout finds them through
pyproject.toml's [tool.alembic].
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Engine

# A package resource (Alembic's "package:path" form): found wherever `bot` is installed.
SCRIPT_LOCATION = "bot.db:migrations"
DATABASE_URL_ATTRIBUTE = "database_url"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    # env.py reads the URL from here, as it is: no ConfigParser interpolation of a password's '%'.
    config.attributes[DATABASE_URL_ATTRIBUTE] = database_url
    return config


def upgrade(database_url: str, revision: str = "heads") -> None:
    command.upgrade(alembic_config(database_url), revision)


@cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config("sqlite://"))


@cache
def expected_heads() -> frozenset[str]:
    """The revisions alembic_version holds at head: a branch's head that another branch's
    revision depends on (trackers' t001 on intake's head, `depends_on`) is not recorded once
    that revision is applied, as Alembic records only what nothing applied descends from."""
    scripts = _scripts()
    heads = set(scripts.get_heads())
    needed = {
        script.revision
        for head in heads
        for script in scripts.iterate_revisions(head, "base")
        if script.revision != head
    }
    return frozenset(heads - needed)


def current_heads(engine: Engine) -> frozenset[str]:
    with engine.connect() as connection:
        return frozenset(MigrationContext.configure(connection).get_current_heads())


@dataclass(frozen=True)
class Status:
    """Where a database stands against the revisions this version of the bot ships."""

    current: frozenset[str]  # the revisions recorded in alembic_version
    heads: frozenset[str]  # the revisions this version ships as heads
    pending: tuple[str, ...]  # revisions shipped and not applied, oldest first
    unknown: frozenset[str]  # recorded revisions this version does not ship (a newer bot's)

    @property
    def at_head(self) -> bool:
        return self.current == self.heads


def status(engine: Engine) -> Status:
    """Compare the database's revisions with the shipped ones, without changing anything."""
    scripts = _scripts()
    current = current_heads(engine)
    known = {script.revision for script in scripts.walk_revisions()}
    unknown = frozenset(current - known)
    applied = (
        {script.revision for script in scripts.iterate_revisions(tuple(current), "base")}
        if current and not unknown
        else set()
    )
    # walk_revisions goes from the heads down: reversed, the oldest comes first.
    pending = tuple(
        script.revision
        for script in reversed(list(scripts.walk_revisions()))
        if script.revision not in applied
    )
    return Status(
        current=current,
        heads=expected_heads(),
        pending=() if unknown else pending,
        unknown=unknown,
    )


def describe(revision: str) -> str:
    """A revision's id and the first line of its message, as `alembic history` shows it."""
    try:
        script = _scripts().get_revision(revision)
    except CommandError:  # a revision this version does not ship
        return f"{revision} (unknown to this version)"
    message = (script.doc or "").strip().splitlines() if script else []
    return f"{revision} ({message[0]})" if message else revision
