"""Imports every model so that Base.metadata is the whole schema (for Alembic and tests)."""

from bot.db.base import Base
from bot.scheduling import models as scheduling_models
from bot.slack import oauth_tables
from bot.workspaces import models as workspaces_models

__all__ = ["Base", "oauth_tables", "scheduling_models", "workspaces_models"]
