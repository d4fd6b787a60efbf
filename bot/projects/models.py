"""SQLAlchemy models of the projects domain (every row carries the Slack team id)."""
