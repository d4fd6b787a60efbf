"""Slack adapters: the Web API client factory, Block Kit helpers, the sender, the user directory."""
