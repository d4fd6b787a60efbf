"""Scheduled sends: cadences as data, APScheduler as the ticker, a ledger for exactly-once."""
