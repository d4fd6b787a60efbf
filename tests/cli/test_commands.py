"""The `revops-bot` command as operators run it: real processes, real exit codes."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from bot.http_limits import MAX_BODY_BYTES
from tests.harness import BOT_TOKEN, SIGNING_SECRET, HttpResult, eventually, http, http_chunked
from tests.slack.fake_slack import FakeSlack
from tests.slack.signing import FORM, SlackSigner, event_callback, slash_command

REVOPS_BOT = Path(sys.executable).with_name("revops-bot")


def revops_bot(*args: str) -> list[str]:
    if REVOPS_BOT.exists():
        return [str(REVOPS_BOT), *args]
    return [sys.executable, "-m", "bot.cli", *args]


def clean_env(**variables: str) -> dict[str, str]:
    """Only what a fresh machine has, plus the given variables: no leak from the test runner."""
    keep = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    return {**keep, **variables}


def bot_env(fake: FakeSlack, database: Path, **variables: str) -> dict[str, str]:
    """clean_env for a bot process against the fake Slack, on a SQLite file."""
    return clean_env(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake.url,
        DATABASE_URL=f"sqlite:///{database}",
        **variables,
    )


def run(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        revops_bot(*args), env=env, cwd=cwd, capture_output=True, text=True, timeout=60
    )


def test_version_from_the_installed_command(tmp_path: Path) -> None:
    version = run("--version", env=clean_env(), cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.startswith("revops-bot ")


@pytest.mark.parametrize(
    "command",
    [
        ["serve"],
        ["clock"],
        ["db"],
        ["db", "upgrade"],
        ["db", "current"],
        ["jobs"],
        ["jobs", "list"],
        ["jobs", "run"],
    ],
)
def test_help_on_every_command(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([*command, "--help"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith("usage: revops-bot " + " ".join(command))


@pytest.mark.parametrize(
    ("variables", "names"),
    [
        ({}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-1", "PORT": "http"}, "PORT"),
        (
            {"SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-1", "LOG_FORMAT": "xml"},
            "LOG_FORMAT",
        ),
        (
            {
                "SLACK_SIGNING_SECRET": "s",
                "SLACK_BOT_TOKEN": "xoxb-1",
                "SLACK_APP_TOKEN": "xoxb-not-an-app-token",
            },
            "SLACK_APP_TOKEN",
        ),
        ({"SLACK_SIGNING_SECRET": "s", "SLACK_CLIENT_ID": "123.456"}, "SLACK_CLIENT_SECRET"),
    ],
)
def test_bad_configuration_is_one_clear_line_and_exit_2(
    tmp_path: Path, variables: dict[str, str], names: str
) -> None:
    for command in (["serve"], ["jobs", "list"]):
        result = run(*command, env=clean_env(**variables), cwd=tmp_path)
        assert result.returncode == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and names in lines[0], result.stderr
        assert "Traceback" not in result.stderr


def test_a_secret_is_never_echoed_in_a_configuration_error(tmp_path: Path) -> None:
    result = run(
        "serve",
        env=clean_env(
            SLACK_SIGNING_SECRET="s",
            SLACK_BOT_TOKEN="xoxb-1",
            SLACK_APP_TOKEN="xoxb-secret-value-123",
        ),
        cwd=tmp_path,
    )
    assert result.returncode == 2 and "secret-value-123" not in result.stderr


def test_unreachable_database_names_the_url_without_its_password(tmp_path: Path) -> None:
    env = clean_env(
        SLACK_SIGNING_SECRET="s",
        SLACK_BOT_TOKEN="xoxb-1",
        DATABASE_URL="postgresql+psycopg://revops:hunter2@127.0.0.1:1/revops",
    )
    for command in (["serve"], ["clock"], ["db", "upgrade"]):
        result = run(*command, env=env, cwd=tmp_path)
        assert result.returncode == 1, result.stderr
        assert "127.0.0.1:1/revops" in result.stderr and "***" in result.stderr
        assert "hunter2" not in result.stderr and "Traceback" not in result.stderr


def test_db_upgrade_needs_no_slack_credentials(tmp_path: Path) -> None:
    result = run("db", "upgrade", env=clean_env(), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "revops-bot.db").exists()  # the default: a file in the working directory


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def healthy(url: str) -> bool:
    """Whether a server answers /healthz (not yet listening: no)."""
    try:
        return http("GET", url + "/healthz").status == 200
    except OSError:
        return False


@pytest.fixture
def served(
    tmp_path: Path,
) -> Iterator[tuple[str, FakeSlack, dict[str, str], subprocess.Popen[str]]]:
    with FakeSlack() as fake:
        fake.add_user(user_id="U1", tz="America/New_York", locale="en-US")
        port = free_port()
        env = bot_env(fake, tmp_path / "served.db", PORT=str(port), LOG_FORMAT="json")
        process = subprocess.Popen(
            revops_bot("serve", "--no-scheduler"),
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            eventually(lambda: healthy(url), timeout=20, what=f"revops-bot serve answers on {url}")
            yield url, fake, env, process
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def post_signed(url: str, built: tuple[str, str], *, signed: bool = True) -> HttpResult:
    body, content_type = built
    headers = (
        SlackSigner(SIGNING_SECRET).headers(body, content_type=content_type)
        if signed
        else {"Content-Type": content_type}
    )
    return http("POST", url + "/slack/events", body.encode(), headers)


def test_serve_answers_slack_checks_signatures_and_reports_readiness(
    served: tuple[str, FakeSlack, dict[str, str], subprocess.Popen[str]], tmp_path: Path
) -> None:
    url, fake, env, process = served
    # Started on an empty database: up, but not ready.
    not_ready = http("GET", url + "/readyz")
    assert not_ready.status == 503 and "db upgrade" in not_ready.json["reason"]

    upgrade = run("db", "upgrade", env=env, cwd=tmp_path)
    assert upgrade.returncode == 0, upgrade.stderr
    assert http("GET", url + "/readyz").status == 200

    command = slash_command(
        "/revops-request", "Pipeline dashboard", trigger_id=fake.new_trigger_id()
    )
    acked = post_signed(url, command)
    assert acked.status == 200 and acked.elapsed < 3.0
    assert post_signed(url, command, signed=False).status == 401
    home = event_callback({"type": "app_home_opened", "user": "U1", "tab": "home"})
    assert post_signed(url, home).status == 200
    fake.wait_for("views.publish", timeout=10)

    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=15)
    request_lines = [line for line in output.splitlines() if '"slack request"' in line]
    assert any('"outcome": 401' in line for line in request_lines), output
    assert any('"what": "event:app_home_opened"' in line for line in request_lines), output
    assert "xoxb-test" not in output and SIGNING_SECRET not in output


def test_serve_refuses_big_bodies_and_unsigned_requests_in_short_log_lines(
    served: tuple[str, FakeSlack, dict[str, str], subprocess.Popen[str]],
) -> None:
    """Under gunicorn, as in production: one body limit (declared or chunked), 401 for what is
    not signed, and every log line short (Bolt would log a refused body whole)."""
    url, _fake, _env, process = served
    limit = MAX_BODY_BYTES
    unsigned = b"payload=" + b"x" * (limit - 1000)
    assert http("POST", url + "/slack/events", unsigned, {"Content-Type": FORM}).status == 401
    bad_timestamp = {"Content-Type": FORM, "X-Slack-Request-Timestamp": "9" * 400}
    assert http("POST", url + "/slack/events", b"a=1", bad_timestamp).status == 401

    big = b"x" * (10 * 1024 * 1024)
    assert (
        http("POST", url + "/webhooks/kpis", big, {"Content-Type": "application/json"}).status
        == 413
    )
    chunks = (big[start : start + 65536] for start in range(0, len(big), 65536))
    streamed = http_chunked(url + "/webhooks/wins", chunks, {"Content-Type": "application/json"})
    assert streamed.status == 413
    assert http("GET", url + "/healthz").status == 200  # the workers are still serving

    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=15)
    assert "Traceback" not in output, output[-3000:]
    longest = max(len(line) for line in output.splitlines())
    assert longest < 4096, f"a log line of {longest} characters"
    refused = [json.loads(line) for line in output.splitlines() if '"outcome": 4' in line]
    assert [(line["path"], line["outcome"]) for line in refused] == [
        ("/slack/events", 401),
        ("/slack/events", 401),
        ("/webhooks/kpis", 413),
        ("/webhooks/wins", 413),
    ], output[-3000:]
