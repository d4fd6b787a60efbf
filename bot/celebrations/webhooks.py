"""Inbound webhooks of this domain."""

from __future__ import annotations

from flask import Flask

from bot.services import Services
from bot.web import WebhookRoutes


def routes(services: Services) -> WebhookRoutes:
    def add(web: Flask) -> None:
        """No route yet: this domain is still to be built."""

    return add
