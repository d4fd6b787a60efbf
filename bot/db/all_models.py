"""Imports every model so that Base.metadata is the whole schema (for Alembic and tests)."""

from bot.celebrations import models as celebrations_models
from bot.db.base import Base
from bot.digests import models as digests_models
from bot.intake import models as intake_models
from bot.privacy import models as privacy_models
from bot.projects import models as projects_models
from bot.scheduling import models as scheduling_models
from bot.slack import oauth_tables
from bot.trackers import models as trackers_models
from bot.workspaces import models as workspaces_models

__all__ = [
    "Base",
    "celebrations_models",
    "digests_models",
    "intake_models",
    "oauth_tables",
    "privacy_models",
    "projects_models",
    "scheduling_models",
    "trackers_models",
    "workspaces_models",
]
