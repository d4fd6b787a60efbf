"""SQLAlchemy models of the intake domain (every row carries the Slack team id)."""
