"""Bolt listeners of this domain: ack fast, parse, call the service, render views, send."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Services


def register(app: App, services: Services) -> None:
    """Nothing is registered yet: this domain is still to be built."""
