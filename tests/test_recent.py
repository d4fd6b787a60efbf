"""RecentReads: what opening a modal needs, at most a few seconds old, forgotten on a change."""

from __future__ import annotations

from bot.recent import RecentReads


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_read_is_kept_for_its_seconds_then_read_again() -> None:
    clock, reads = Clock(), []
    recent = RecentReads(seconds=5.0, timer=clock)

    def read() -> int:
        reads.append(clock.now)
        return len(reads)

    assert recent.get("T1", "filers", read) == 1
    clock.now = 4.9
    assert recent.get("T1", "filers", read) == 1  # another process's change: seen within 5 s
    clock.now = 5.1
    assert recent.get("T1", "filers", read) == 2
    assert reads == [0.0, 5.1]


def test_workspaces_and_questions_are_kept_apart_and_forgotten_one_workspace_at_a_time() -> None:
    recent = RecentReads(seconds=60.0, timer=Clock())
    assert recent.get("T1", "filers", lambda: "T1 filers") == "T1 filers"
    assert recent.get("T1", "rollouts", lambda: "T1 rollouts") == "T1 rollouts"
    assert recent.get("T2", "filers", lambda: "T2 filers") == "T2 filers"
    recent.forget("T1")  # an admin saved T1's settings in this process
    assert recent.get("T1", "filers", lambda: "new T1 filers") == "new T1 filers"
    assert recent.get("T1", "rollouts", lambda: "new T1 rollouts") == "new T1 rollouts"
    assert recent.get("T2", "filers", lambda: "unread") == "T2 filers"
