"""SQLAlchemy models of the digests domain (every row carries the Slack team id)."""
