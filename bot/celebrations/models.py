"""SQLAlchemy models of the celebrations domain (every row carries the Slack team id)."""
