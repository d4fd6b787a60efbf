"""The Linear adapter against a fake Linear GraphQL API on loopback: idempotent creation (lost
answers included), reads, moves, polling with pages, and how each failure is classified."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.settings import Settings, load_settings
from bot.trackers.client import (
    IssueGone,
    IssueStatus,
    NewIssue,
    TrackerClient,
    TrackerRefused,
    TrackerUnavailable,
)
from bot.trackers.linear import LinearTracker, issue_id_for, issue_state
from tests.trackers.fake_linear import FakeLinear

KEY = "lin_api_Zk3sEcReTkEy0123456789abcdef"


@pytest.fixture
def fake() -> Iterator[FakeLinear]:
    with FakeLinear(api_key=KEY) as linear:
        linear.add_team("OPS", "RevOps")
        linear.add_team("ENG", "Engineering")
        yield linear


def tracker(
    fake: FakeLinear, *, key: str = KEY, team: str = "OPS", hours: float = 4.0
) -> LinearTracker:
    return LinearTracker(api_key=key, team=team, api_url=fake.url, hours_per_point=hours)


def new_issue(key: str = "request-12", title: str = "Fix the renewal report") -> NewIssue:
    return NewIssue(
        title=title,
        description="Need: renewals by owner\nRequester: Ada\nCard: https://slack.example/card",
        request_ref="REQ-12",
        card_url="https://slack.example/card",
        estimate_hours=6.0,
        idempotency_key=key,
    )


def test_the_adapter_is_a_tracker_client_built_from_the_settings(fake: FakeLinear) -> None:
    settings = load_settings(
        Settings,
        SLACK_BOT_TOKEN="xoxb-1",
        SLACK_SIGNING_SECRET="s",
        LINEAR_API_KEY=KEY,
        LINEAR_API_URL=fake.url,
        LINEAR_HOURS_PER_POINT=8,
    )
    client: TrackerClient = LinearTracker.from_settings(settings, team="OPS")
    assert client.kind == "linear"
    ref = client.create_issue(new_issue())
    fake.set_estimate(ref.issue_id, 2)
    assert client.get_issue(ref.issue_id).estimate_hours == 16.0


def test_create_makes_the_issue_in_the_team_with_the_id_chosen_from_the_key(
    fake: FakeLinear,
) -> None:
    ref = tracker(fake).create_issue(new_issue())

    (issue,) = fake.live_issues()
    assert issue.id == ref.issue_id == issue_id_for("request-12")
    assert (ref.key, ref.url) == ("OPS-1", "https://linear.app/fake/issue/OPS-1")
    assert issue.team.key == "OPS" and issue.title == "Fix the renewal report"
    assert "Requester: Ada" in issue.description and "REQ-12" in issue.description
    assert fake.calls[-1].authorization == KEY  # a personal key goes as is, no "Bearer"


@pytest.mark.parametrize("taken_id_error", ["invalid input", "internal"])
def test_creating_twice_with_the_same_key_makes_one_issue(
    fake: FakeLinear, taken_id_error: str
) -> None:
    fake.taken_id_error = taken_id_error
    linear = tracker(fake)
    first = linear.create_issue(new_issue())
    second = tracker(fake).create_issue(new_issue())  # another process, same request

    assert first == second
    assert len(fake.live_issues()) == 1
    assert tracker(fake).create_issue(new_issue(key="request-13")).key == "OPS-2"


def test_a_lost_answer_then_a_retry_finds_the_issue_the_first_try_made(fake: FakeLinear) -> None:
    fake.drop_answer("CreateIssue")
    linear = tracker(fake)

    with pytest.raises(TrackerUnavailable):
        linear.create_issue(new_issue())
    assert len(fake.live_issues()) == 1  # Linear made it; the bot never heard

    ref = linear.create_issue(new_issue())
    assert len(fake.live_issues()) == 1
    assert ref.issue_id == fake.live_issues()[0].id and ref.key == "OPS-1"
    assert fake.operations().count("CreateIssue") == 2


def test_a_refused_create_stays_refused(fake: FakeLinear) -> None:
    with pytest.raises(TrackerRefused, match="title must not be empty"):
        tracker(fake).create_issue(new_issue(title=" "))
    assert fake.live_issues() == []


@pytest.mark.parametrize(
    ("state", "status"),
    [
        ("Backlog", IssueStatus.to_do),
        ("Todo", IssueStatus.to_do),
        ("In Progress", IssueStatus.in_progress),
        ("In Review", IssueStatus.in_progress),
        ("Done", IssueStatus.done),
        ("Canceled", IssueStatus.wont_do),
        ("Duplicate", IssueStatus.wont_do),
    ],
)
def test_status_follows_the_workflow_state_type_not_its_name(
    fake: FakeLinear, state: str, status: IssueStatus
) -> None:
    issue = fake.add_issue(state=state)
    read = tracker(fake).get_issue(issue.id)
    assert read.status is status
    assert read.ref.key == issue.identifier and read.updated_at == issue.updated_at
    assert not read.deleted


@pytest.mark.parametrize(
    ("state_type", "status"),
    [("triage", IssueStatus.to_do), ("started", IssueStatus.in_progress), ("paused", None)],
)
def test_triage_is_to_do_and_an_unknown_type_is_no_status(
    state_type: str, status: IssueStatus | None
) -> None:
    node = {"id": "i", "updatedAt": "2026-12-05T04:00:00.000Z", "state": {"type": state_type}}
    read = issue_state(node, hours_per_point=4)
    assert read.status == status
    assert read.updated_at == datetime(2026, 12, 5, 4, tzinfo=UTC)


@pytest.mark.parametrize(
    ("points", "hours_per_point", "hours"),
    [(3, 4.0, 12.0), (0.5, 4.0, 2.0), (2, 8.0, 16.0), (0, 4.0, 0.0), (None, 4.0, None)],
)
def test_estimate_points_become_hours(
    fake: FakeLinear, points: float | None, hours_per_point: float, hours: float | None
) -> None:
    issue = fake.add_issue(estimate=points)
    assert tracker(fake, hours=hours_per_point).get_issue(issue.id).estimate_hours == hours


def test_move_goes_to_the_first_state_of_the_type_and_does_nothing_when_there(
    fake: FakeLinear,
) -> None:
    linear = tracker(fake)
    issue = fake.add_issue(state="Backlog")

    linear.move_issue(issue.id, IssueStatus.to_do)  # backlog is to do already
    assert "MoveIssue" not in fake.operations()

    linear.move_issue(issue.id, IssueStatus.in_progress)
    assert issue.state.name == "In Progress"  # not "In Review", later in the workflow
    linear.move_issue(issue.id, IssueStatus.done)
    assert issue.state.name == "Done"
    linear.move_issue(issue.id, IssueStatus.to_do)
    assert issue.state.name == "Todo"  # unstarted before backlog
    linear.move_issue(issue.id, IssueStatus.wont_do)
    assert issue.state.name == "Canceled"
    assert fake.operations().count("MoveIssue") == 4

    fake.move(issue.id, "In Review")
    linear.move_issue(issue.id, IssueStatus.in_progress)
    assert issue.state.name == "In Review"  # in progress already: left where the team put it
    assert fake.operations().count("MoveIssue") == 4


def test_changed_since_reads_every_page_and_returns_the_oldest_first(fake: FakeLinear) -> None:
    fake.page_size = 2
    since = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)
    changed = [
        fake.add_issue(title=f"changed {n}", updated_at=since + timedelta(minutes=n))
        for n in (4, 0, 2, 1, 3)
    ]
    fake.add_issue(title="too old", updated_at=since - timedelta(milliseconds=1))
    fake.add_issue("ENG", title="another team", updated_at=since + timedelta(minutes=5))

    states = tracker(fake).changed_since(since)

    expected = sorted(changed, key=lambda i: i.updated_at)
    assert [s.ref.issue_id for s in states] == [i.id for i in expected]
    pages = [c for c in fake.calls if c.operation == "ChangedIssues"]
    assert len(pages) == 3
    assert [c.variables["after"] is None for c in pages] == [True, False, False]
    assert pages[0].variables["filter"]["updatedAt"] == {"gte": "2026-12-05T03:00:00Z"}
    assert tracker(fake).changed_since(since + timedelta(hours=1)) == []


def test_an_issue_that_moves_while_the_pages_are_read_is_listed_once(fake: FakeLinear) -> None:
    fake.page_size = 2
    since = datetime.now(UTC) - timedelta(minutes=1)
    a, b, c, d, e = (fake.add_issue(title=t) for t in "abcde")  # newest first: e d | c b | a
    fake.after_page = lambda served: fake.move(a.id, "Done") if served == 1 else None
    # Now a d... shift: page 2 is d c again, page 3 is b; d comes twice, a waits for the next
    # poll (its updatedAt is newer than anything this one returns).
    states = tracker(fake).changed_since(since)
    assert [s.ref.issue_id for s in states] == [b.id, c.id, d.id, e.id]
    assert tracker(fake).changed_since(states[-1].updated_at)[-1].ref.issue_id == a.id


def test_changed_since_shows_archived_and_trashed_issues_as_deleted(fake: FakeLinear) -> None:
    since = datetime.now(UTC) - timedelta(minutes=1)
    kept, archived, trashed = (fake.add_issue(title=t) for t in ("kept", "archived", "trashed"))
    fake.archive(archived.id)
    fake.archive(trashed.id, trash=True)

    deleted = {s.ref.issue_id: s.deleted for s in tracker(fake).changed_since(since)}
    assert deleted == {kept.id: False, archived.id: True, trashed.id: True}


@pytest.mark.parametrize("how", ["delete", "archive", "trash"])
def test_a_deleted_archived_or_trashed_issue_is_gone(fake: FakeLinear, how: str) -> None:
    issue = fake.add_issue()
    if how == "delete":
        fake.delete(issue.id)
    else:
        fake.archive(issue.id, trash=how == "trash")
    linear = tracker(fake)
    with pytest.raises(IssueGone):
        linear.get_issue(issue.id)
    with pytest.raises(IssueGone):
        linear.move_issue(issue.id, IssueStatus.done)


def test_an_issue_linear_never_had_is_gone(fake: FakeLinear) -> None:
    with pytest.raises(IssueGone):
        tracker(fake).get_issue("3f1c1c8e-0000-4000-8000-000000000000")


def test_a_bad_api_key_is_refused_and_never_shown(
    fake: FakeLinear, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "lin_api_WrOnGkEy9876543210fedcba"
    with pytest.raises(TrackerRefused) as refused:
        tracker(fake, key=wrong).create_issue(new_issue())

    text = f"{refused.value!s} {refused.value!r} {refused.value.__cause__!r}"
    assert "Authentication required" in text and "LINEAR_API_KEY" in text
    assert wrong not in text and KEY not in text
    assert wrong not in caplog.text
    assert refused.value.__context__ is None or wrong not in repr(refused.value.__context__)
    assert fake.live_issues() == []


def test_an_oauth_token_goes_as_a_bearer_token(fake: FakeLinear) -> None:
    fake.api_key = "lin_oauth_0123456789abcdef"
    tracker(fake, key="lin_oauth_0123456789abcdef").create_issue(new_issue())
    assert fake.calls[-1].authorization == "Bearer lin_oauth_0123456789abcdef"


def test_a_team_is_found_by_key_or_by_id_and_an_unknown_one_is_refused(fake: FakeLinear) -> None:
    eng = fake.team("ENG")
    assert tracker(fake, team=eng.id).team().key == "ENG"
    assert tracker(fake, team="ENG").team().id == eng.id
    with pytest.raises(TrackerRefused, match="no team 'NOPE'"):
        tracker(fake, team="NOPE").create_issue(new_issue())


def test_checking_the_connection_finds_the_team_or_says_it_is_gone(fake: FakeLinear) -> None:
    assert tracker(fake).check_connection() == []  # Linear has no issue types to offer
    with pytest.raises(IssueGone, match="no team 'NOPE'"):
        tracker(fake, team="NOPE").check_connection()
    with pytest.raises(TrackerRefused, match="Authentication required"):
        tracker(fake, key="lin_api_wrong").check_connection()


def test_linear_down_is_unavailable(fake: FakeLinear) -> None:
    issue = fake.add_issue()
    linear = tracker(fake)
    linear.team()
    fake.down = True
    for call in (
        lambda: linear.create_issue(new_issue()),
        lambda: linear.get_issue(issue.id),
        lambda: linear.move_issue(issue.id, IssueStatus.done),
        lambda: linear.changed_since(datetime.now(UTC)),
    ):
        with pytest.raises(TrackerUnavailable, match="HTTP 503"):
            call()
    fake.down = False
    assert linear.create_issue(new_issue()).key == "OPS-2"  # the outbox's next try works


@pytest.mark.parametrize("status", [400, 429])
def test_rate_limited_is_unavailable(fake: FakeLinear, status: int) -> None:
    fake.rate_limited, fake.rate_limit_status = True, status
    with pytest.raises(TrackerUnavailable, match="rate limited"):
        tracker(fake).create_issue(new_issue())


def test_a_refused_connection_and_a_silent_server_are_unavailable() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)  # accepts the connection, never answers
        port = silent.getsockname()[1]
        linear = LinearTracker(
            api_key=KEY,
            team="OPS",
            api_url=f"http://127.0.0.1:{port}/graphql",
            hours_per_point=4,
            timeout=(0.5, 0.5),
        )
        with pytest.raises(TrackerUnavailable, match="Timeout"):
            linear.team()
    with pytest.raises(TrackerUnavailable, match="ConnectionError"):
        linear.team()  # the port is closed now


def test_an_empty_key_or_team_is_refused_before_any_call() -> None:
    with pytest.raises(TrackerRefused, match="LINEAR_API_KEY"):
        LinearTracker(api_key="", team="OPS", api_url="http://127.0.0.1:9/", hours_per_point=4)
    with pytest.raises(TrackerRefused, match="team"):
        LinearTracker(api_key=KEY, team=" ", api_url="http://127.0.0.1:9/", hours_per_point=4)
