"""What IT deploys: the Dockerfile, compose.yaml and constraints.txt, checked against the CLI and
the settings they name. A renamed command or variable breaks these tests, not a deployment."""

from __future__ import annotations

import re
import shlex
import signal
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement

from bot import cli
from bot.settings import DatabaseSettings, Settings, load_settings
from tests.cli.test_commands import bot_env, clean_env, free_port, healthy, revops_bot, run
from tests.harness import eventually
from tests.slack.fake_slack import FakeSlack

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]
BOT_SERVICES = ("release", "web", "clock")
VARIABLES = {field.alias for field in Settings.model_fields.values()}


def command_of(arguments: list[str]) -> Any:
    """The function the CLI runs for these arguments (argparse exits on an unknown one)."""
    return cli._parser().parse_args(arguments).run


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def instruction(name: str) -> list[str]:
    return [value for key, value in dockerfile_instructions() if key == name]


# ------------------------------------------------------------------------------- compose.yaml


def test_compose_runs_a_release_step_two_web_processes_and_one_clock() -> None:
    assert SERVICES["release"]["command"] == ["db", "upgrade"]
    assert SERVICES["web"]["command"] == ["serve", "--no-scheduler"]
    assert SERVICES["web"]["deploy"]["replicas"] == 2
    assert SERVICES["clock"]["command"] == ["clock"]
    assert "replicas" not in SERVICES["clock"].get("deploy", {})
    # The same roles as the Procfile, through the same commands.
    assert command_of(SERVICES["release"]["command"]) is cli.database._db_upgrade
    assert command_of(SERVICES["web"]["command"]) is cli.serve._serve
    assert command_of(SERVICES["clock"]["command"]) is cli.serve._clock


def test_compose_migrates_before_any_web_or_clock_process_starts() -> None:
    assert SERVICES["db"]["image"].startswith("postgres:")
    assert SERVICES["release"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    for name in ("web", "clock"):
        assert SERVICES[name]["depends_on"] == {
            "db": {"condition": "service_healthy"},
            "release": {"condition": "service_completed_successfully"},
        }
    assert SERVICES["release"]["restart"] == "no"  # a one-off, not a crash loop


def test_compose_passes_every_setting_and_nothing_else() -> None:
    for name in BOT_SERVICES:
        assert set(SERVICES[name]["environment"]) == VARIABLES, name


def test_compose_reads_each_variable_under_its_own_name_with_the_bots_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the checkout
    environment = SERVICES["web"]["environment"]
    fixed = {"DATABASE_URL", "PORT"}  # the compose network's database, the proxy's target
    by_alias = {field.alias: field for field in Settings.model_fields.values()}
    for name, value in environment.items():
        if name in fixed:
            continue
        match = re.fullmatch(r"\$\{(\w+)(?::-(.*)|:\?.*)\}", str(value))
        assert match and match.group(1) == name, f"{name}: {value}"
        default = match.group(2)
        if default:
            minimal = {"SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-1"}
            read = load_settings(Settings, **{**minimal, name: default})
            field = by_alias[name]
            assert getattr(read, _attribute(name)) == field.default, f"{name}: {default}"


def _attribute(alias: str) -> str:
    return next(key for key, field in Settings.model_fields.items() if field.alias == alias)


def test_compose_database_url_names_the_compose_database() -> None:
    environment = SERVICES["web"]["environment"]
    password = re.search(r"\$\{POSTGRES_PASSWORD:-(\w+)\}", environment["DATABASE_URL"])
    assert password
    url = environment["DATABASE_URL"].replace(password.group(0), password.group(1))
    settings = load_settings(DatabaseSettings, DATABASE_URL=url)
    db = SERVICES["db"]["environment"]
    assert settings.safe_database_url == (
        f"postgresql+psycopg://{db['POSTGRES_USER']}:***@db:5432/{db['POSTGRES_DB']}"
    )
    assert db["POSTGRES_PASSWORD"] == password.group(0)


def test_compose_proxy_targets_the_port_the_web_processes_listen_on() -> None:
    port = SERVICES["web"]["environment"]["PORT"]
    assert SERVICES["web"]["expose"] == [str(port)]
    command = SERVICES["proxy"]["command"]
    assert command[command.index("--to") + 1] == f"web:{port}"
    assert SERVICES["clock"]["healthcheck"] == {"disable": True}  # no HTTP in a clock


# --------------------------------------------------------------------------------- Dockerfile


def test_dockerfile_runs_revops_bot_serve_as_a_non_root_user() -> None:
    stages = instruction("FROM")
    assert len(stages) == 2 and stages[0].endswith(" AS build")
    assert "ARG" in dict(dockerfile_instructions()) and "slim" in instruction("ARG")[0]
    user = instruction("USER")
    assert len(user) == 1 and user[0].split(":")[0].isdigit() and user[0].split(":")[0] != "0"
    entrypoint = yaml.safe_load(instruction("ENTRYPOINT")[0])
    default = yaml.safe_load(instruction("CMD")[-1])
    assert entrypoint == ["revops-bot"] and default == ["serve"]
    assert command_of(default) is cli.serve._serve


def test_dockerfile_installs_the_wheel_with_the_constraints_as_ci_does() -> None:
    (build,) = [step for step in instruction("RUN") if "pip wheel" in step]
    assert "python -m pip wheel --no-deps --wheel-dir /dist ." in build
    assert 'WHEEL="$(ls /dist/*.whl)"' in build  # the wheel just built, with its extras
    assert 'pip install --constraint constraints.txt "${WHEEL}[${EXTRAS}]"' in build
    # Sentry by default; the semantic extra on request (--build-arg EXTRAS=sentry,semantic).
    assert "EXTRAS=sentry" in instruction("ARG")
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    assert {"sentry", "semantic"} <= set(extras)
    ci = (ROOT / ".ci" / "wheel_outside_checkout.py").read_text()
    assert '"wheel", "--no-deps", "--wheel-dir"' in ci and '"--constraint"' in ci


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image() -> None:
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert patterns[0] == "*"  # an allow-list: only what is named below goes in
    allowed = {pattern[1:].rstrip("/") for pattern in patterns if pattern.startswith("!")}
    assert allowed == {"pyproject.toml", "README.md", "constraints.txt", "bot"}
    copied = {part for step in instruction("COPY") for part in step.split()[:-1]}
    assert copied - {"--from=build", "/opt/revops-bot"} <= allowed


@pytest.fixture
def served_empty(tmp_path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """`revops-bot serve` on an empty SQLite database, as the container starts before release."""
    with FakeSlack() as fake:
        port = free_port()
        env = bot_env(fake, tmp_path / "bot.db", PORT=str(port))
        process = subprocess.Popen(
            revops_bot("serve", "--no-scheduler"),
            env=env,
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            eventually(lambda: healthy(url), timeout=20, what=f"revops-bot serve on {url}")
            yield port, env
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def test_dockerfile_healthcheck_fails_until_migrated_then_passes(
    served_empty: tuple[int, dict[str, str]], tmp_path: Path
) -> None:
    """The HEALTHCHECK's own command, run as Docker runs it (python from the image's PATH)."""
    (healthcheck,) = instruction("HEALTHCHECK")
    probe = yaml.safe_load(healthcheck.split(" CMD ", 1)[1])
    assert probe[0] == "python" and "/readyz" in probe[2]
    port, env = served_empty
    check = [sys.executable, *probe[1:]]
    probe_env = {**clean_env(PORT=str(port))}
    assert subprocess.run(check, env=probe_env, capture_output=True, timeout=10).returncode == 1
    assert run("db", "upgrade", env=env, cwd=tmp_path).returncode == 0
    assert subprocess.run(check, env=probe_env, capture_output=True, timeout=10).returncode == 0


# ---------------------------------------------------------------------------- constraints.txt


def constraints() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line and not line.startswith((" ", "#")):
            name, version = line.split("==")
            pins[name.lower().replace("_", "-")] = version
    return pins


def test_constraints_pin_every_dependency_within_pyproject_ranges() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = constraints()
    declared = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    for text in declared:
        requirement = Requirement(text)
        name = requirement.name.lower().replace("_", "-")
        assert name in pins, f"{name} is not in constraints.txt: refresh it (README)"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"{name}=={pins[name]} is outside {requirement.specifier}: refresh constraints.txt"
        )


def test_readme_refresh_command_is_the_one_that_wrote_constraints() -> None:
    header = (ROOT / "constraints.txt").read_text()
    written = re.search(r"#    (pip-compile .*)\n", header)
    assert written
    readme = (ROOT / "README.md").read_text()
    assert shlex.split(written.group(1)) == shlex.split(
        re.search(r"\n(pip-compile --[^\n]*)\n", readme).group(1)  # type: ignore[union-attr]
    )


# -------------------------------------------------------------------------------- render.yaml


def test_render_blueprint_runs_the_same_commands_with_known_variables() -> None:
    blueprint = yaml.safe_load((ROOT / "render.yaml").read_text())
    services = {service["name"]: service for service in blueprint["services"]}
    web, clock = services["revops-bot-web"], services["revops-bot-clock"]
    assert command_of(shlex.split(web["preDeployCommand"])[1:]) is cli.database._db_upgrade
    assert shlex.split(web["dockerCommand"]) == ["revops-bot", "serve", "--no-scheduler"]
    assert command_of(shlex.split(web["dockerCommand"])[1:]) is cli.serve._serve
    assert command_of(shlex.split(clock["dockerCommand"])[1:]) is cli.serve._clock
    assert web["healthCheckPath"] == "/readyz" and web["numInstances"] == 2
    assert clock["type"] == "worker" and "numInstances" not in clock
    (database,) = blueprint["databases"]
    (group,) = blueprint["envVarGroups"]
    shared = {variable["key"] for variable in group["envVars"]}
    for service in (web, clock):
        keys = {variable["key"] for variable in service["envVars"] if "key" in variable}
        assert keys | shared <= VARIABLES
        assert {"DATABASE_URL", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"} <= keys
        (url,) = [v for v in service["envVars"] if v.get("key") == "DATABASE_URL"]
        assert url["fromDatabase"] == {"name": database["name"], "property": "connectionString"}
        assert {"fromGroup": group["name"]} in service["envVars"]
