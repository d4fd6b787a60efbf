"""SQLAlchemy models of the privacy domain (every row carries the Slack team id)."""
