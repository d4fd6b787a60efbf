"""CI: the wheel, installed as IT installs it, works outside the checkout.

Builds the wheel (no editable install, no source tree on the path), installs it with
constraints.txt into a fresh virtual environment in a temporary directory, and from a directory
that holds nothing of the checkout: upgrades a fresh SQLite file and a fresh PostgreSQL database
(named with the postgres:// scheme platforms use), checks `db current`, starts `revops-bot serve`
on each and waits for 200 from /readyz. The Dockerfile runs the same pip commands.

Usage: python .ci/wheel_outside_checkout.py  (TEST_DATABASE_URL names the PostgreSQL server;
default postgresql+psycopg://root@127.0.0.1:5432/test). Prints each step's time.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

CHECKOUT = Path(__file__).resolve().parents[1]
SERVER = os.environ.get("TEST_DATABASE_URL") or "postgresql+psycopg://root@127.0.0.1:5432/test"
READY_TIMEOUT = 60.0


def step(name: str, started: float) -> None:
    print(f"   {name}: {time.monotonic() - started:.1f} s", flush=True)


def check(command: list[str], *, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        sys.exit(f"FAILED ({done.returncode}): {' '.join(command)}\n{done.stdout}{done.stderr}")
    return done.stdout


def clean_env(home: Path, **variables: str) -> dict[str, str]:
    """A fresh machine's environment: no PYTHONPATH, no variable of the CI run."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), **variables}


@contextmanager
def scratch_postgres() -> Iterator[str]:
    server = make_url(SERVER).set(drivername="postgresql+psycopg")
    name = f"revops_wheel_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        # As Heroku, Render and Fly write it.
        yield server.set(drivername="postgres", database=name).render_as_string(False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def ready_status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def serve_until_ready(revops_bot: Path, *, cwd: Path, env: dict[str, str]) -> None:
    port = free_port()
    env = {
        **env,
        "PORT": str(port),
        # OAuth mode: no workspace to call at start-up; nothing listens at this Slack URL.
        "SLACK_SIGNING_SECRET": "ci-signing-secret",
        "SLACK_CLIENT_ID": "1.2",
        "SLACK_CLIENT_SECRET": "ci-client-secret",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
    }
    log = cwd / f"serve-{port}.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [str(revops_bot), "serve"], cwd=cwd, env=env, stdout=output, stderr=output
        )
        url = f"http://127.0.0.1:{port}/readyz"
        deadline = time.monotonic() + READY_TIMEOUT
        status = None
        try:
            while time.monotonic() < deadline and process.poll() is None:
                status = ready_status(url)
                if status == 200:
                    break
                time.sleep(0.2)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                code = process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                code = process.wait()
    if status != 200 or code != 0:
        sys.exit(f"FAILED: {url} answered {status}, serve exited {code}\n{log.read_text()}")


def main() -> int:
    root = Path(tempfile.mkdtemp(prefix="revops-wheel-"))
    try:
        dist, venv, work = root / "dist", root / "venv", root / "work"
        work.mkdir()
        python = venv / "bin" / "python"
        revops_bot = venv / "bin" / "revops-bot"

        started = time.monotonic()
        pip = [sys.executable, "-m", "pip", "--quiet"]
        check([*pip, "wheel", "--no-deps", "--wheel-dir", str(dist), "."], cwd=CHECKOUT)
        (wheel,) = dist.glob("revops_bot-*.whl")
        step(f"wheel built ({wheel.name})", started)

        started = time.monotonic()
        check([sys.executable, "-m", "venv", str(venv)], cwd=root)
        constraints = str(CHECKOUT / "constraints.txt")
        # The Dockerfile's install, less the byte-compilation of some 4,600 files (40 s here):
        # the image compiles once at build time, a throw-away venv at first import.
        install = ["install", "--no-compile", "--constraint", constraints, str(wheel)]
        check([str(python), "-m", "pip", "--quiet", *install], cwd=root)
        step("installed into a fresh virtual environment", started)

        env = clean_env(root)
        where = check([str(python), "-c", "import bot; print(bot.__file__)"], cwd=work, env=env)
        if not where.startswith(str(venv)) or str(CHECKOUT) in where:
            sys.exit(f"FAILED: bot imported from {where.strip()}, not the installed wheel")

        started = time.monotonic()
        # SQLite: the default DATABASE_URL, a file in the working directory.
        check([str(revops_bot), "db", "upgrade"], cwd=work, env=env)
        if "at head: yes" not in check([str(revops_bot), "db", "current"], cwd=work, env=env):
            sys.exit("FAILED: db current after db upgrade is not at head (SQLite)")
        serve_until_ready(revops_bot, cwd=work, env=env)
        step("SQLite: db upgrade, db current, serve -> /readyz 200", started)

        started = time.monotonic()
        with scratch_postgres() as url:
            pg_env = clean_env(root, DATABASE_URL=url)
            check([str(revops_bot), "db", "upgrade"], cwd=work, env=pg_env)
            current = check([str(revops_bot), "db", "current"], cwd=work, env=pg_env)
            if "at head: yes" not in current:
                sys.exit("FAILED: db current after db upgrade is not at head (PostgreSQL)")
            serve_until_ready(revops_bot, cwd=work, env=pg_env)
        step("PostgreSQL (postgres:// URL): db upgrade, db current, serve -> /readyz 200", started)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
