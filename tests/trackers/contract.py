"""Adapters under test, each against its fake tracker on loopback: the contract tests run
against every entry (the Linear adapter adds its own beside Jira's)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from bot.settings import Settings
from bot.trackers.adapters import client_for
from bot.trackers.client import TrackerClient
from tests.trackers.fake_jira import FakeJira
from tests.trackers.fake_linear import FakeLinear

JIRA_EMAIL = "bot@acme.example"
JIRA_TOKEN = "jira-api-token-xyz"
JIRA_PAT = "jira-dc-personal-token"
SLACK_TEST_SECRETS = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "test-secret"}


@dataclass
class Tracker:
    """An adapter and what the test may do on the tracker's side."""

    client: TrackerClient
    # A person moves the issue in the tracker: "in_progress", "done", "wont_do".
    move_by_person: Callable[[str, str], None]
    delete_by_person: Callable[[str], None]
    set_down: Callable[[bool], None]
    set_refusing: Callable[[bool], None]
    created_count: Callable[[], int]
    # Another client of the same tracker, connected to this project or team key.
    connect: Callable[[str], TrackerClient]


JIRA_STATUS = {
    "to_do": ("To Do", None),
    "in_progress": ("In Progress", None),
    "done": ("Done", "Done"),
    "wont_do": ("Won't Do", "Won't Do"),
}


def jira_env(fake: FakeJira, *, cloud: bool = True) -> dict[str, str]:
    if cloud:
        return {"JIRA_BASE_URL": fake.url, "JIRA_EMAIL": JIRA_EMAIL, "JIRA_API_TOKEN": JIRA_TOKEN}
    return {"JIRA_BASE_URL": fake.url, "JIRA_PAT": JIRA_PAT}


@contextmanager
def jira_tracker(*, cloud: bool = True) -> Iterator[tuple[Tracker, FakeJira]]:
    with FakeJira(email=JIRA_EMAIL, api_token=JIRA_TOKEN, pat=JIRA_PAT, cloud=cloud) as fake:
        settings = Settings(**SLACK_TEST_SECRETS, **jira_env(fake, cloud=cloud))  # type: ignore[arg-type]
        client = client_for(settings, kind="jira", project="OPS", issue_type="Task")
        assert client is not None

        def move(key: str, status: str) -> None:
            name, resolution = JIRA_STATUS[status]
            fake.move(key, name, resolution)

        def set_down(down: bool) -> None:
            fake.down = down

        def set_refusing(refuse: bool) -> None:
            fake.refuse = refuse

        yield (
            Tracker(
                client=client,
                move_by_person=move,
                delete_by_person=lambda key: fake.delete(key) and None,
                set_down=set_down,
                set_refusing=set_refusing,
                created_count=lambda: len(fake.calls("/rest/api/2/issue", "POST")),
                connect=lambda project: _client(settings, "jira", project, "Task"),
            ),
            fake,
        )


LINEAR_KEY = "lin_api_contract_0123456789abcdef"
LINEAR_STATE = {
    "to_do": "Todo",
    "in_progress": "In Progress",
    "done": "Done",
    "wont_do": "Canceled",
}


def _client(settings: Settings, kind: str, project: str, issue_type: str | None) -> TrackerClient:
    client = client_for(settings, kind=kind, project=project, issue_type=issue_type)
    assert client is not None
    return client


@contextmanager
def linear_tracker() -> Iterator[tuple[Tracker, FakeLinear]]:
    with FakeLinear(api_key=LINEAR_KEY) as fake:
        fake.add_team("OPS", "RevOps")
        settings = Settings(  # type: ignore[arg-type]
            **SLACK_TEST_SECRETS, LINEAR_API_KEY=LINEAR_KEY, LINEAR_API_URL=fake.url
        )

        def by_key(key: str) -> str:
            return next(i.id for i in fake.issues.values() if i.identifier == key)

        def set_down(down: bool) -> None:
            fake.down = down

        def set_refusing(refuse: bool) -> None:
            fake.api_key = "lin_api_another_key" if refuse else LINEAR_KEY

        yield (
            Tracker(
                client=_client(settings, "linear", "OPS", None),
                move_by_person=lambda key, status: (
                    fake.move(by_key(key), LINEAR_STATE[status]) and None
                ),
                delete_by_person=lambda key: fake.delete(by_key(key)),
                set_down=set_down,
                set_refusing=set_refusing,
                created_count=lambda: len(fake.issues),
                connect=lambda team: _client(settings, "linear", team, None),
            ),
            fake,
        )
