"""The TrackerClient contract, against each adapter and its fake tracker on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.trackers.client import (
    IssueGone,
    IssueStatus,
    NewIssue,
    TrackerRefused,
    TrackerUnavailable,
)
from tests.trackers.contract import Tracker, jira_tracker, linear_tracker


@pytest.fixture(params=["jira-cloud", "jira-data-center", "linear"])
def tracker(request: pytest.FixtureRequest) -> Iterator[Tracker]:
    if request.param == "linear":
        with linear_tracker() as (tracker, _):
            yield tracker
        return
    with jira_tracker(cloud=request.param == "jira-cloud") as (tracker, _):
        yield tracker


def new_issue(key: str = "revops-T1-1") -> NewIssue:
    return NewIssue(
        title="Fix the lead source field",
        description="Need: leads lose their source.\nImpact: slows the team.",
        request_ref="REQ-1",
        card_url="https://slack.example/archives/C1/p1",
        estimate_hours=3.0,
        idempotency_key=key,
    )


def test_an_issue_is_created_once_per_idempotency_key(tracker: Tracker) -> None:
    first = tracker.client.create_issue(new_issue())
    again = tracker.client.create_issue(new_issue())  # a retry after a lost answer
    other = tracker.client.create_issue(new_issue("revops-T1-2"))
    assert again == first and other.key != first.key
    assert tracker.created_count() == 2
    state = tracker.client.get_issue(first.issue_id)
    assert state.status is IssueStatus.to_do and state.ref == first


def test_moves_follow_the_status_kinds(tracker: Tracker) -> None:
    ref = tracker.client.create_issue(new_issue())
    for status in (IssueStatus.in_progress, IssueStatus.done):
        tracker.client.move_issue(ref.issue_id, status)
        assert tracker.client.get_issue(ref.issue_id).status is status
    other = tracker.client.create_issue(new_issue("revops-T1-2"))
    tracker.client.move_issue(other.issue_id, IssueStatus.wont_do)
    assert tracker.client.get_issue(other.issue_id).status is IssueStatus.wont_do
    tracker.move_by_person(other.key, "in_progress")
    assert tracker.client.get_issue(other.issue_id).status is IssueStatus.in_progress


def test_changed_since_lists_what_moved_oldest_first(tracker: Tracker) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    a = tracker.client.create_issue(new_issue("revops-T1-1"))
    b = tracker.client.create_issue(new_issue("revops-T1-2"))
    tracker.move_by_person(a.key, "done")
    changed = tracker.client.changed_since(before)
    assert [s.ref.key for s in changed] == [b.key, a.key]
    assert changed[-1].status is IssueStatus.done
    assert tracker.client.changed_since(changed[-1].updated_at + timedelta(milliseconds=1)) == []


def test_errors_are_split_into_try_again_admin_must_fix_and_gone(tracker: Tracker) -> None:
    ref = tracker.client.create_issue(new_issue())
    tracker.delete_by_person(ref.key)
    with pytest.raises(IssueGone):
        tracker.client.get_issue(ref.issue_id)
    tracker.set_down(True)
    with pytest.raises(TrackerUnavailable):
        tracker.client.create_issue(new_issue("revops-T1-3"))
    tracker.set_down(False)
    tracker.set_refusing(True)
    with pytest.raises(TrackerRefused) as refused:
        tracker.client.create_issue(new_issue("revops-T1-3"))
    assert "jira-api-token" not in str(refused.value)
    assert "lin_api_" not in str(refused.value)
    tracker.set_refusing(False)
    # The project exists: Jira lists its issue types, Linear has none.
    assert isinstance(tracker.client.check_connection(), list)


def test_an_unknown_project_is_gone(tracker: Tracker) -> None:
    with pytest.raises(IssueGone):
        tracker.connect("NOPE").check_connection()
