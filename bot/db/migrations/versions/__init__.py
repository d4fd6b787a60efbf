"""Alembic revisions, one per schema change (see CONTRIBUTING.md, "Migrations")."""
