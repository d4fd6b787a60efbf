"""revops-bot: a Slack bot for Revenue Operations teams."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("revops-bot")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
