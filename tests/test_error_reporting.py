"""SENTRY_DSN: errors reach a (loopback) Sentry with tokens masked; without it, sentry_sdk is
never imported. Each case runs in its own process: Sentry hooks logging process-wide."""

from __future__ import annotations

import gzip
import subprocess
import sys
import threading
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.cli.test_commands import clean_env
from tests.harness import eventually

ROOT = Path(__file__).resolve().parents[1]


class FakeSentry:
    """Sentry's ingest endpoint on loopback: keeps every envelope it is sent."""

    def __init__(self) -> None:
        self.envelopes: list[str] = []
        received = self.envelopes

        class Ingest(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                encoding = self.headers.get("Content-Encoding", "")
                if encoding == "gzip":
                    body = gzip.decompress(body)
                elif encoding == "deflate":
                    body = zlib.decompress(body)
                elif encoding == "br":
                    import brotli  # type: ignore[import-not-found]

                    body = brotli.decompress(body)
                received.append(body.decode("utf-8", "replace"))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Ingest)
        self.dsn = f"http://public@127.0.0.1:{self._server.server_port}/1"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()


@pytest.fixture
def sentry() -> Iterator[FakeSentry]:
    fake = FakeSentry()
    yield fake
    fake.close()


def python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        env=clean_env(PYTHONPATH=str(ROOT), **env),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


REPORT_AN_ERROR = """
import argparse, logging, sentry_sdk
from bot.cli.startup import _configure_logging
from bot.settings import DatabaseSettings, load_settings
_configure_logging(argparse.Namespace(), load_settings(DatabaseSettings))
try:
    raise RuntimeError("Slack said no to xoxb-1234-secret")
except RuntimeError:
    logging.getLogger("bot.jobs").exception("tick of weekly-digest failed with xoxb-1234-secret")
sentry_sdk.flush(timeout=5)
"""


def test_an_error_logged_reaches_sentry_with_tokens_masked(sentry: FakeSentry) -> None:
    ran = python(REPORT_AN_ERROR, SENTRY_DSN=sentry.dsn)
    assert ran.returncode == 0, ran.stderr
    envelope = eventually(lambda: "".join(sentry.envelopes), what="an envelope at the fake")
    assert "tick of weekly-digest failed" in envelope and "RuntimeError" in envelope
    assert "xoxb-1234-secret" not in envelope and "xoxb-***" in envelope
    assert "revops-bot@" in envelope  # the release


def test_without_sentry_dsn_sentry_is_never_imported(tmp_path: Path) -> None:
    code = """
import sys
from bot.cli import main
import bot.runtime, bot.server
assert main(["db", "upgrade"]) == 0
assert main(["jobs", "list"]) == 0
print("sentry imported:", "sentry_sdk" in sys.modules)
"""
    ran = python(
        code,
        DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}",
        SLACK_BOT_TOKEN="xoxb-1",
        SLACK_SIGNING_SECRET="s",
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip().endswith("sentry imported: False")


def test_sentry_dsn_without_the_extra_is_a_clear_configuration_error(tmp_path: Path) -> None:
    code = """
import sys
sys.modules["sentry_sdk"] = None  # as if the extra were not installed
from bot.cli import main
sys.exit(main(["db", "upgrade"]))
"""
    ran = python(
        code,
        DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}",
        SENTRY_DSN="https://key@o0.ingest.sentry.io/0",
    )
    assert ran.returncode == 2
    assert ran.stderr.strip() == (
        "revops-bot: SENTRY_DSN: set, but sentry-sdk is not installed "
        "(pip install 'revops-bot[sentry]')"
    )
