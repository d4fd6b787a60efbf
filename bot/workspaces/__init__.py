"""Workspaces (Slack teams) that installed the bot, and the directory of their members."""
